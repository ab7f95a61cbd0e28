"""Chunked AES-256-GCM files: round trips, and every way a file can be cut or altered."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from fieldapp.crypto import filecipher as fc
from fieldapp.errors import AttachmentDamaged

KEY = bytes(range(32))
CTX = b"fieldapp attachment test stored"


def _seal(path: Path, data: bytes, key: bytes = KEY) -> fc.Sealed:
    return fc.encrypt_to(path, key, data, context=CTX)


@pytest.mark.parametrize("size", [0, 1, fc.CHUNK - 1, fc.CHUNK, fc.CHUNK + 1,
                                  3 * fc.CHUNK + 5])
def test_round_trip_every_boundary(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    target = tmp_path / "a.stored"
    sealed = _seal(target, data)
    padded = fc.padme(size + 1)  # the data, the marker byte, zeros
    chunks = max(1, -(-padded // fc.CHUNK))
    assert sealed.size == size
    assert sealed.cipher_size == target.stat().st_size == fc.HEADER_LEN + padded + 16 * chunks
    assert sealed.cipher_size == fc.padded_size(size)
    assert fc.decrypt_bytes(target, KEY, context=CTX) == data
    out = io.BytesIO()
    assert fc.decrypt_to(target, KEY, out, context=CTX) == size
    assert out.getvalue() == data
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.stored"]


def test_sources_bytes_iterator_and_file_give_the_same_plaintext(tmp_path: Path) -> None:
    data = os.urandom(2 * fc.CHUNK + 100)
    pieces = [data[i:i + 1000] for i in range(0, len(data), 1000)]
    for name, source in (("b", data), ("i", iter(pieces)), ("f", io.BytesIO(data))):
        path = tmp_path / name
        assert fc.encrypt_to(path, KEY, source, context=CTX).sha256 == \
            __import__("hashlib").sha256(data).hexdigest()
        assert fc.decrypt_bytes(path, KEY, context=CTX) == data


def test_ciphertext_does_not_contain_the_plaintext(tmp_path: Path) -> None:
    marker = b"MKPLAIN-" * 5000
    path = tmp_path / "m"
    _seal(path, marker)
    assert b"MKPLAIN" not in path.read_bytes()


def test_existing_destination_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        _seal(path, b"new")
    assert path.read_bytes() == b"keep me"


def test_a_failing_source_leaves_no_file_behind(tmp_path: Path) -> None:
    def source():
        yield os.urandom(fc.CHUNK * 2)
        raise RuntimeError("reader broke")

    with pytest.raises(RuntimeError):
        fc.encrypt_to(tmp_path / "a", KEY, source(), context=CTX)
    assert list(tmp_path.iterdir()) == []


def _damaged(path: Path, key: bytes = KEY, context: bytes = CTX) -> str:
    with pytest.raises(AttachmentDamaged) as info:
        fc.decrypt_bytes(path, key, context=context)
    return str(info.value.params["reason"])


def test_truncation_anywhere_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "f"
    _seal(path, os.urandom(3 * fc.CHUNK))
    whole = path.read_bytes()
    block = fc.CHUNK + 16
    # Cut exactly after a whole chunk: that chunk was sealed as "not last".
    for cut in (fc.HEADER_LEN + block, fc.HEADER_LEN + 2 * block):
        path.write_bytes(whole[:cut])
        assert _damaged(path) == "truncated"
    for cut in (len(whole) - 1, fc.HEADER_LEN + 10, fc.HEADER_LEN, 5, 0):
        path.write_bytes(whole[:cut])
        assert _damaged(path) in ("truncated", "tampered", "header")


def test_reordered_and_dropped_chunks_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "f"
    _seal(path, os.urandom(3 * fc.CHUNK + 7))
    whole = path.read_bytes()
    block = fc.CHUNK + 16
    head, c0, c1, c2, c3 = (whole[:fc.HEADER_LEN],
                            *(whole[fc.HEADER_LEN + i * block:fc.HEADER_LEN + (i + 1) * block]
                              for i in range(4)))
    path.write_bytes(head + c1 + c0 + c2 + c3)
    assert _damaged(path) == "tampered"
    path.write_bytes(head + c0 + c2 + c3)  # a middle chunk dropped
    assert _damaged(path) == "tampered"


@pytest.mark.parametrize("where", ["magic", "version", "prefix", "body", "tag"])
def test_any_flipped_byte_is_detected(tmp_path: Path, where: str) -> None:
    path = tmp_path / "f"
    _seal(path, os.urandom(1000))
    data = bytearray(path.read_bytes())
    index = {"magic": 0, "version": 4, "prefix": 7, "body": fc.HEADER_LEN + 10,
             "tag": len(data) - 1}[where]
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    _damaged(path)


def test_wrong_key_wrong_context_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "0123.stored"
    _seal(path, b"secret testimony")
    assert _damaged(path, key=bytes(32)) in ("truncated", "tampered")
    assert _damaged(path, context=b"another attachment") in ("truncated", "tampered")
    with pytest.raises(AttachmentDamaged) as info:
        fc.decrypt_bytes(tmp_path / "gone.stored", KEY)
    assert info.value.params == {"id": "gone", "reason": "missing"}


def test_key_length_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        fc.encrypt_to(tmp_path / "a", b"short", b"x")
    assert len(fc.new_key()) == 32 and fc.new_key() != fc.new_key()


def test_pushed_plaintext_seals_like_an_iterator(tmp_path: Path) -> None:
    key = fc.new_key()
    data = os.urandom(3 * fc.CHUNK + 5)
    with fc.SealingWriter(tmp_path / "pushed", key, context=b"c") as writer:
        for start in range(0, len(data), 7777):   # pieces that straddle chunk borders
            writer.write(data[start:start + 7777])
        pushed = writer.close()
    pulled = fc.encrypt_to(tmp_path / "pulled", key, data, context=b"c")
    assert (pushed.size, pushed.sha256, pushed.cipher_size) == \
        (pulled.size, pulled.sha256, pulled.cipher_size)
    assert fc.decrypt_bytes(tmp_path / "pushed", key, context=b"c") == data
    # exactly one chunk once padded: sealed as the last one, not followed by an empty one
    with fc.SealingWriter(tmp_path / "one", key) as writer:
        writer.write(data[:fc.CHUNK - 1])
        assert writer.close().cipher_size == fc.HEADER_LEN + fc.CHUNK + 16


def test_a_failure_while_pushing_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "never"
    with pytest.raises(RuntimeError):
        with fc.SealingWriter(target, fc.new_key()) as writer:
            writer.write(os.urandom(200_000))
            raise RuntimeError("the producer failed")
    assert list(tmp_path.iterdir()) == []


# --- padding (issue 9, point 6: a known file is not recognised by its size) ----------------
@pytest.mark.parametrize("base", [1000, 100_000, 3 * fc.CHUNK + 5, 5_000_000])
def test_files_a_few_bytes_apart_have_the_same_sealed_size(tmp_path: Path, base: int) -> None:
    sizes = set()
    for extra in range(0, 8):
        data = os.urandom(base + extra)
        path = tmp_path / f"f{extra}"
        sealed = _seal(path, data)
        sizes.add(path.stat().st_size)
        assert sealed.size == len(data) and sealed.cipher_size == path.stat().st_size
        assert fc.decrypt_bytes(path, KEY, context=CTX) == data  # exact round trip
    assert len(sizes) == 1, sizes
    # Padmé: at most about 12 % more than the unpadded sealed file
    unpadded = fc.HEADER_LEN + base + 16 * max(1, -(-base // fc.CHUNK))
    assert unpadded < sizes.pop() <= unpadded * 1.12 + 64


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x80", b"ab\x80", b"x" + bytes(200_000),
                                  bytes(fc.CHUNK) + b"\x80" + bytes(fc.CHUNK + 3),
                                  os.urandom(fc.CHUNK - 1) + b"\x80\x00"])
def test_padding_is_removed_exactly_whatever_the_data_ends_with(tmp_path: Path,
                                                                data: bytes) -> None:
    path = tmp_path / "z"
    _seal(path, data)
    assert fc.decrypt_bytes(path, KEY, context=CTX) == data
    out = io.BytesIO()
    assert fc.decrypt_to(path, KEY, out, context=CTX) == len(data)
    assert out.getvalue() == data


def test_padme_bounds() -> None:
    for n in [*range(0, 5000), *(7 ** k for k in range(5, 12))]:
        padded = fc.padme(n)
        assert padded >= n and padded <= n * 1.12 + 1 or n < 10
    assert fc.padme(100_000) == fc.padme(100_005) == 100_352


def test_unpadded_version_1_files_are_still_read(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = os.urandom(fc.CHUNK + 10)
    header = fc.MAGIC + bytes([1]) + os.urandom(fc.PREFIX_LEN)
    aead = AESGCM(KEY)
    prefix = header[len(fc.MAGIC) + 1:]
    body = (aead.encrypt(prefix + (0).to_bytes(4, "big") + b"\x00", data[:fc.CHUNK],
                         header + CTX)
            + aead.encrypt(prefix + (1).to_bytes(4, "big") + b"\x01", data[fc.CHUNK:],
                           header + CTX))
    path = tmp_path / "old"
    path.write_bytes(header + body)
    assert fc.decrypt_bytes(path, KEY, context=CTX) == data


def test_padding_without_its_marker_is_refused() -> None:
    with pytest.raises(AttachmentDamaged):
        list(fc._unpad(iter([b"abc", bytes(10)]), "x"))
    with pytest.raises(AttachmentDamaged):
        list(fc._unpad(iter([bytes(10)]), "x"))
