"""Envelopes and key packets: round trips on both suites, the test vectors of
docs/ENVELOPE.md, every class of tampering, truncation, wrong signer, non-recipient,
replayed wraps, and fuzzing that only typed errors come out."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.crypto import envelope as env
from fieldapp.crypto.filecipher import padme
from fieldapp.errors import FieldappError
from fieldapp.messages import user_message

from .conftest import Device

ROOT = Path(__file__).resolve().parents[2]
SUITES = ["X25519", "MLKEM768_X25519"]
VH = hashlib.sha256(b"version 1").hexdigest()


@dataclass(frozen=True)
class Party:
    device: Device

    @property
    def id(self) -> str:
        return self.device.device_id


def parties(suite: str) -> tuple[Party, Party, Party]:
    return tuple(Party(Device.generate(suite, f"P{i}")) for i in range(3))  # type: ignore


def epoch_for(sender: Party, *recipients: Party) -> env.Epoch:
    return env.new_epoch(sender.id, sender.device,
                         {r.id: r.device.kem_public for r in (sender, *recipients)},
                         sender.device.suite)


def sealed(epoch: env.Epoch, sender: Party, payload: bytes = b"payload " * 10,
           **kw: object) -> bytes:
    args = {"record_id": str(uuid.uuid4()), "version_hash": VH, "section": "narrative",
            "kind": "incident", "payload": payload}
    args.update(kw)
    return env.seal(epoch, sender.device, **args)  # type: ignore[arg-type]


def open_as(data: bytes, packet: bytes, me: Party, sender: Party) -> env.Opened:
    epoch = env.open_key_packet(packet, device_id=me.id, device=me.device,
                                sender_sign_public=sender.device.sign_public)
    return env.open_envelope(data, epochs={epoch.epoch_id: epoch},
                             sign_keys={sender.id: sender.device.sign_public})


# --- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize("suite", SUITES)
def test_round_trip_for_each_recipient(suite: str) -> None:
    author, coordinator, outsider = parties(suite)
    epoch = epoch_for(author, coordinator)
    payload = "Témoignage : trois personnes enlevées près de Léré.".encode() * 5
    data = sealed(epoch, author, payload, section="identity", kind="testimony",
                  created_at=1_767_225_600_123)
    for reader in (author, coordinator):
        opened = open_as(data, epoch.packet, reader, author)
        assert opened.payload == payload and opened.kind == "testimony"
        assert opened.created_at == 1_767_225_600_123 and opened.sender == author.id
        assert opened.section == "identity" and opened.version_hash == VH
    with pytest.raises(env.NotARecipient):
        open_as(data, epoch.packet, outsider, author)
    packet = env.parse_key_packet(epoch.packet)
    assert packet.recipients == tuple(sorted({author.id, coordinator.id}))
    wrap = 80 if suite == "X25519" else 1168
    assert len(epoch.packet) == 21 + 16 + 2 * (1 + 16 + wrap) + 64
    compressed = len(_deflate(data, epoch, author.device.sign_public))
    assert len(data) == padme(compressed) + env.overhead()


def _deflate(data: bytes, epoch: env.Epoch, sign_public: bytes) -> bytes:
    """The compressed inner plaintext, recomputed independently of seal()."""
    opened = env.open_envelope(data, epochs={epoch.epoch_id: epoch},
                               sign_keys=lambda _device: sign_public)
    kind = opened.kind.encode()
    identity = (bytes([env.SECTIONS.index(opened.section) + 1])
                + uuid.UUID(opened.record_id).bytes + bytes.fromhex(opened.version_hash))
    inner = (identity + bytes([len(kind)]) + kind + struct.pack(">q", opened.created_at)
             + opened.payload)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(inner) + c.flush()


def test_small_records_cost_close_to_their_compressed_size() -> None:
    author, coordinator, _ = parties("MLKEM768_X25519")
    epoch = epoch_for(author, coordinator)
    record = (b'{"title":"Village attacked","description":"' + b"Armed men on motorbikes "
              b"burned granaries and took cattle; residents fled to the town. " * 12 + b'"}')
    data = sealed(epoch, author, record)
    compressed = len(_deflate(data, epoch, author.device.sign_public))
    assert len(data) - padme(compressed) == 142
    assert padme(compressed) <= compressed * 1.12


# --- test vectors -----------------------------------------------------------------------------
def _vectors() -> list[dict[str, str]]:
    text = (ROOT / "docs" / "ENVELOPE.md").read_text("utf-8")
    blocks = re.findall(r"```vector (\S+)\n(.*?)```", text, re.S)
    out = []
    for _name, body in blocks:
        out.append(dict(line.split(" = ", 1) for line in body.strip().splitlines()))
    return out


def test_doc_has_a_vector_per_suite() -> None:
    assert sorted(v["suite"] for v in _vectors()) == sorted(SUITES)


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["suite"])
def test_vectors_from_the_spec(vector: dict[str, str]) -> None:
    suite = vector["suite"]
    sender = Device(suite, bytes.fromhex(vector["sender_sign_private"]),
                    bytes.fromhex(vector["sender_kem_private"]), "S")
    recipient = Device(suite, bytes.fromhex(vector["recipient_sign_private"]),
                       bytes.fromhex(vector["recipient_kem_private"]), "R")
    assert sender.device_id == vector["sender_id"]
    assert recipient.device_id == vector["recipient_id"]
    packet = bytes.fromhex(vector["key_packet"])
    epoch = env.open_key_packet(packet, device_id=recipient.device_id, device=recipient,
                                sender_sign_public=sender.sign_public)
    assert epoch.key == bytes.fromhex(vector["epoch_key"])
    assert epoch.epoch_id == vector["epoch_id"] and epoch.sender == sender.device_id
    resealed = env.seal(epoch, sender, record_id=vector["record_id"],
                        version_hash=vector["version_hash"], section=vector["section"],
                        kind=vector["kind"], payload=bytes.fromhex(vector["payload"]),
                        created_at=int(vector["created_at"]),
                        nonce=bytes.fromhex(vector["nonce"]))
    assert resealed.hex() == vector["envelope"]
    opened = env.open_envelope(bytes.fromhex(vector["envelope"]),
                               epochs={epoch.epoch_id: epoch},
                               sign_keys={sender.device_id: sender.sign_public})
    assert opened.payload == bytes.fromhex(vector["payload"])
    assert opened.kind == vector["kind"] and opened.created_at == int(vector["created_at"])
    assert opened.record_id == vector["record_id"] and opened.section == vector["section"]
    assert opened.header.item_id == vector["item_id"] == env.item_id(
        epoch, record_id=vector["record_id"], version_hash=vector["version_hash"],
        section=vector["section"])


# --- tampering --------------------------------------------------------------------------------
@pytest.mark.parametrize("suite", SUITES)
def test_any_flipped_byte_is_refused(suite: str) -> None:
    author, coordinator, _ = parties(suite)
    epoch = epoch_for(author, coordinator)
    mine = env.open_key_packet(epoch.packet, device_id=coordinator.id,
                               device=coordinator.device,
                               sender_sign_public=author.device.sign_public)
    data = sealed(epoch, author)
    keys = {author.id: author.device.sign_public}
    # every byte of the header, ciphertext and signature
    for position in range(len(data)):
        bad = bytearray(data)
        bad[position] ^= 0x40
        with pytest.raises(env.EnvelopeError) as caught:
            env.open_envelope(bytes(bad), epochs={mine.epoch_id: mine}, sign_keys=keys)
        expected = {0: env.EnvelopeTampered}.get(position)
        if expected:
            assert isinstance(caught.value, expected)
        elif 2 <= position < 18:
            assert isinstance(caught.value, env.UnknownEpoch)
        elif position >= 2:
            assert isinstance(caught.value, env.EnvelopeBadSignature), position


@pytest.mark.parametrize("suite", SUITES)
def test_tampered_key_packet_is_refused(suite: str) -> None:
    author, coordinator, _ = parties(suite)
    epoch = epoch_for(author, coordinator)
    step = 1 if suite == "X25519" else 37
    for position in range(0, len(epoch.packet), step):
        bad = bytearray(epoch.packet)
        bad[position] ^= 0x01
        with pytest.raises(env.EnvelopeError):
            env.open_key_packet(bytes(bad), device_id=coordinator.id,
                                device=coordinator.device,
                                sender_sign_public=author.device.sign_public)


def test_truncated_anywhere_is_refused() -> None:
    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    data = sealed(epoch, author)
    tables = {"epochs": {epoch.epoch_id: epoch},
              "sign_keys": {author.id: author.device.sign_public}}
    for cut in range(len(data)):
        with pytest.raises((env.EnvelopeTruncated, env.EnvelopeBadSignature,
                            env.EnvelopeTampered, env.UnknownEpoch)) as caught:
            env.open_envelope(data[:cut], **tables)
        if cut < env.HEADER_LEN + 16 + 64:
            assert isinstance(caught.value, env.EnvelopeTruncated | env.EnvelopeTampered)
    with pytest.raises(env.EnvelopeBadSignature):
        env.open_envelope(data + b"\x00", **tables)
    for cut in range(0, len(epoch.packet)):
        with pytest.raises(env.EnvelopeError):
            env.verify_key_packet(epoch.packet[:cut], author.device.sign_public)


def test_wrong_signer_and_unknown_sender() -> None:
    author, coordinator, impostor = parties("X25519")
    epoch = epoch_for(author, coordinator)
    forged = env.seal(epoch, impostor.device, record_id=str(uuid.uuid4()), version_hash=VH,
                      section="review", kind="review", payload=b"{}")
    tables = {"epochs": {epoch.epoch_id: epoch}}
    with pytest.raises(env.EnvelopeBadSignature):
        env.open_envelope(forged, sign_keys={author.id: author.device.sign_public}, **tables)
    with pytest.raises(env.EnvelopeBadSignature):
        env.open_envelope(sealed(epoch, author), sign_keys={}, **tables)
    with pytest.raises(env.UnknownEpoch):
        env.open_envelope(sealed(epoch, author), epochs={},
                          sign_keys={author.id: author.device.sign_public})
    with pytest.raises(env.EnvelopeBadSignature):
        env.open_key_packet(epoch.packet, device_id=coordinator.id, device=coordinator.device,
                            sender_sign_public=impostor.device.sign_public)


def test_wrap_replayed_under_another_epoch_id_does_not_open() -> None:
    """A malicious peer copies a wrap into a packet with a new epoch id and signs it."""
    author, coordinator, mallory = parties("X25519")
    epoch = epoch_for(author, coordinator)
    packet = env.parse_key_packet(epoch.packet)
    new_id = bytes(16)
    body = bytearray(epoch.packet[:-64])
    body[2:18] = new_id
    resigned = bytes(body)
    import cryptography.hazmat.primitives.asymmetric.ed25519 as ed

    signed = resigned + ed.Ed25519PrivateKey.from_private_bytes(
        author.device.sign_private).sign(resigned)
    with pytest.raises(env.EnvelopeTampered):  # info binds the epoch id
        env.open_key_packet(signed, device_id=coordinator.id, device=coordinator.device,
                            sender_sign_public=author.device.sign_public)
    # the same packet re-signed by mallory claiming to be the sender
    with pytest.raises(env.EnvelopeBadSignature):
        env.open_key_packet(epoch.packet[:-64] + ed.Ed25519PrivateKey.from_private_bytes(
            mallory.device.sign_private).sign(epoch.packet[:-64]), device_id=coordinator.id,
            device=coordinator.device, sender_sign_public=author.device.sign_public)
    assert packet.epoch_id != new_id.hex()


def test_envelope_moved_to_another_epoch_with_same_key_fails() -> None:
    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    twin = env.Epoch("ff" * 16, epoch.suite, epoch.sender, epoch.recipients, epoch.key,
                     epoch.packet)
    data = bytearray(sealed(epoch, author))
    data[2:18] = bytes.fromhex(twin.epoch_id)
    body = bytes(data[:-64])
    import cryptography.hazmat.primitives.asymmetric.ed25519 as ed

    resigned = body + ed.Ed25519PrivateKey.from_private_bytes(
        author.device.sign_private).sign(body)
    with pytest.raises(env.EnvelopeTampered):  # the content key binds the header
        env.open_envelope(resigned, epochs={twin.epoch_id: twin},
                          sign_keys={author.id: author.device.sign_public})


def test_errors_have_user_messages() -> None:
    for exc in (env.EnvelopeTampered(reason="x"), env.EnvelopeTruncated(),
                env.EnvelopeBadSignature(), env.UnknownEpoch(epoch="ab"),
                env.NotARecipient(device="cd")):
        assert isinstance(exc, FieldappError)
        message = user_message(exc)
        assert "Unexpected" not in message and "\n" not in message


def test_bad_arguments_to_seal() -> None:
    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    with pytest.raises(ValueError):
        sealed(epoch, author, section="gossip")
    with pytest.raises(ValueError):
        sealed(epoch, author, version_hash="abc")
    with pytest.raises(ValueError):
        sealed(epoch, author, kind="")
    with pytest.raises(ValueError):
        sealed(epoch, author, payload=os.urandom(1 << 20))  # > 1 MiB, incompressible
    with pytest.raises(ValueError):
        env.new_epoch(author.id, author.device, {}, "X25519")


# --- fuzz ---------------------------------------------------------------------------------------
_FUZZ_AUTHOR, _FUZZ_COORD, _ = parties("X25519")
_FUZZ_EPOCH = epoch_for(_FUZZ_AUTHOR, _FUZZ_COORD)
_FUZZ_ITEM = sealed(_FUZZ_EPOCH, _FUZZ_AUTHOR)


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.binary(max_size=400),
    st.builds(lambda cut, flips: _mutate(_FUZZ_ITEM, cut, flips),
              st.integers(0, len(_FUZZ_ITEM)), st.lists(st.integers(0, 10_000), max_size=4)),
    st.builds(lambda cut, flips: _mutate(_FUZZ_EPOCH.packet, cut, flips),
              st.integers(0, len(_FUZZ_EPOCH.packet)),
              st.lists(st.integers(0, 10_000), max_size=4))))
def test_fuzzed_bytes_only_raise_typed_errors(data: bytes) -> None:
    tables = {"epochs": {_FUZZ_EPOCH.epoch_id: _FUZZ_EPOCH},
              "sign_keys": {_FUZZ_AUTHOR.id: _FUZZ_AUTHOR.device.sign_public}}
    for call in (lambda: env.open_envelope(data, **tables),
                 lambda: env.parse_envelope(data),
                 lambda: env.open_key_packet(data, device_id=_FUZZ_COORD.id,
                                             device=_FUZZ_COORD.device,
                                             sender_sign_public=_FUZZ_AUTHOR.device.sign_public)):
        try:
            call()
        except env.EnvelopeError:
            pass


def _mutate(data: bytes, cut: int, flips: list[int]) -> bytes:
    out = bytearray(data[:cut] if cut < len(data) else data)
    for flip in flips:
        if out:
            out[flip % len(out)] ^= 1 << (flip % 8)
    return bytes(out)


# --- what the clear header shows (issue 9, point 6) -------------------------------------------
def _uuid7_pair() -> tuple[str, str]:
    """Two UUIDv7 sharing their millisecond, as a testimony and its identity record do."""
    from fieldapp.text import uuid7

    first = uuid.UUID(uuid7())
    second = uuid.UUID(bytes=first.bytes[:6] + os.urandom(10))
    return str(first), str(second)


def test_the_clear_header_shows_no_record_id_section_or_time() -> None:
    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    testimony, identity = _uuid7_pair()
    narrative = sealed(epoch, author, record_id=testimony, section="narrative")
    secret = sealed(epoch, author, record_id=identity, section="identity", kind="identity")
    for data, rid in ((narrative, testimony), (secret, identity)):
        clear = data[:env.HEADER_LEN]
        assert uuid.UUID(rid).bytes[:6] not in data  # the creation time, to the millisecond
        assert uuid.UUID(rid).bytes not in data and rid.encode() not in data
        assert clear[:2] == narrative[:2]  # format and suite only: no section code
        assert not hasattr(env.parse_envelope(data), "section")
    a, b = env.parse_envelope(narrative), env.parse_envelope(secret)
    assert a.item_id[:12] != b.item_id[:12]  # nothing shared, nothing linked
    opened = env.open_envelope(secret, epochs={epoch.epoch_id: epoch},
                               sign_keys={author.id: author.device.sign_public})
    assert (opened.record_id, opened.section, opened.kind) == (identity, "identity", "identity")


def test_item_ids_find_duplicates_within_an_epoch_and_link_nothing_across() -> None:
    author, coordinator, translator = parties("X25519")
    epoch = epoch_for(author, coordinator)
    other = epoch_for(author, coordinator, translator)
    rid = str(uuid.uuid4())
    once = sealed(epoch, author, b"one", record_id=rid)
    twice = sealed(epoch, author, b"two", record_id=rid)  # the same version, sealed again
    assert env.parse_envelope(once).item_id == env.parse_envelope(twice).item_id
    assert env.parse_envelope(once).item_id == env.item_id(
        epoch, record_id=rid, version_hash=VH, section="narrative")
    elsewhere = sealed(other, author, b"one", record_id=rid)
    assert env.parse_envelope(elsewhere).item_id != env.parse_envelope(once).item_id
    as_identity = sealed(epoch, author, b"one", record_id=rid, section="identity")
    assert env.parse_envelope(as_identity).item_id != env.parse_envelope(once).item_id


def test_an_item_id_that_does_not_match_the_content_is_refused() -> None:
    """A sender cannot file one record version under another's item id: the id is
    recomputed from the decrypted contents."""
    import cryptography.hazmat.primitives.asymmetric.ed25519 as ed

    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    data = bytearray(sealed(epoch, author))
    data[18:50] = bytes.fromhex(env.item_id(epoch, record_id=str(uuid.uuid4()),
                                            version_hash=VH, section="narrative"))
    body = bytes(data[:-64])
    resigned = body + ed.Ed25519PrivateKey.from_private_bytes(
        author.device.sign_private).sign(body)
    with pytest.raises(env.EnvelopeTampered):
        env.open_envelope(resigned, epochs={epoch.epoch_id: epoch},
                          sign_keys={author.id: author.device.sign_public})


def test_format_1_envelopes_are_refused() -> None:
    author, coordinator, _ = parties("X25519")
    data = bytearray(sealed(epoch_for(author, coordinator), author))
    data[0] = env.TYPE_ENVELOPE_V1
    with pytest.raises(env.EnvelopeTampered):
        env.parse_envelope(bytes(data))


def test_envelope_sizes_are_padded() -> None:
    """Records whose compressed contents differ by a few bytes give envelopes of one size."""
    author, coordinator, _ = parties("X25519")
    epoch = epoch_for(author, coordinator)
    rng = __import__("random").Random(5)
    sizes = {len(sealed(epoch, author, rng.randbytes(3010 + extra))) for extra in range(6)}
    assert len(sizes) == 1, sizes
    # padding is zeros after the DEFLATE stream, removed on opening; other bytes are not
    data = sealed(epoch, author, b"exact")
    assert env.open_envelope(data, epochs={epoch.epoch_id: epoch},
                             sign_keys={author.id: author.device.sign_public}).payload == b"exact"
    with pytest.raises(env.EnvelopeTampered):
        env._inflate(zlib.compress(b"x")[2:-4] + b"\x00\x01")
