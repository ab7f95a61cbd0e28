"""Profile and keys: create, unlock, throttle, passphrase change, recovery, duress, panic."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from fieldapp.crypto import kdf
from fieldapp.crypto.keyslot import KeyslotFile, format_recovery_key, parse_recovery_key
from fieldapp.errors import (
    ProfileCorrupt,
    ProfileExists,
    ProfileMissing,
    TooManyAttempts,
    WeakPassphrase,
    WrongPassphrase,
)
from fieldapp.messages import user_message
from fieldapp.profile import Profile
from fieldapp.store.db import DatabaseError
from tests.conftest import PASSPHRASE, PSEUDONYM, grep_tree

MARKERS = [b"Diallassago-marker-7731", b"Kobe-witness-marker-4410", b"ZZ-identity-9925"]


def _fill(vault) -> str:
    rid = vault.records.add("incident", {
        "title": "Attaque " + MARKERS[0].decode(), "occurred_on": "2025-06-18",
        "event_type": "attack_on_civilians", "description": "x"})
    vault.records.add("testimony", {"witness_code": "W-1", "text": MARKERS[1].decode(),
                                    "incident_ids": [rid],
                                    "identity": {"name": MARKERS[2].decode()}})
    return rid


def test_files_are_private_and_hold_no_plaintext(vault, profile_dir):
    _fill(vault)
    vault.conn.execute("PRAGMA wal_checkpoint(FULL)")
    assert stat.S_IMODE(profile_dir.stat().st_mode) == 0o700
    for path in profile_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    assert grep_tree(profile_dir, MARKERS + [PSEUDONYM.encode()]) == []


def test_unlock_reads_back_and_wrong_passphrase_fails(vault, profile_dir):
    rid = _fill(vault)
    vault.close()
    profile = Profile(profile_dir)
    with pytest.raises(WrongPassphrase):
        profile.unlock("not the passphrase at all")
    again = profile.unlock(PASSPHRASE)
    assert again.records.get(rid).body["event_type"] == "attack_on_civilians"
    assert again.pseudonym == PSEUDONYM
    again.close()


def test_growing_delay_after_repeated_failures(vault, profile_dir):
    vault.close()
    profile = Profile(profile_dir)
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            profile.unlock("wrong wrong wrong")
    # Now even the right passphrase waits: the delay is enforced before the KDF runs.
    with pytest.raises(TooManyAttempts) as first:
        profile.unlock(PASSPHRASE)
    state = json.loads(profile.attempts_path.read_text())
    state["until"] = 0  # the wait has passed
    profile.attempts_path.write_text(json.dumps(state))
    with pytest.raises(WrongPassphrase):
        profile.unlock("wrong wrong wrong")
    with pytest.raises(TooManyAttempts) as second:
        profile.unlock(PASSPHRASE)
    assert second.value.params["seconds"] > first.value.params["seconds"]
    profile.attempts_path.write_text(json.dumps({"failures": 4, "until": 0}))
    profile.unlock(PASSPHRASE).close()
    assert not profile.attempts_path.exists()  # success resets the counter


def test_short_passphrase_refused(profile_dir):
    with pytest.raises(WeakPassphrase):
        Profile(profile_dir).create(PSEUDONYM, "short", kdf_seconds=0)
    assert not profile_dir.exists()


def test_init_refuses_existing_or_non_empty_folder(vault, profile_dir, tmp_path):
    with pytest.raises(ProfileExists):
        Profile(profile_dir).create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(ProfileExists):
        Profile(other).create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    assert (other / "notes.txt").read_text() == "keep me"


def test_passphrase_change_rewrites_only_the_slot(vault, profile_dir):
    rid = _fill(vault)
    profile = Profile(profile_dir)
    db_before = vault.db_path.read_bytes()
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_before = vault.db_path.read_bytes()
    profile.change_passphrase(vault, "a brand new passphrase")
    vault.close()
    with pytest.raises(WrongPassphrase):
        profile.unlock(PASSPHRASE)
    profile.attempts_path.unlink(missing_ok=True)
    again = profile.unlock("a brand new passphrase")
    assert again.records.get(rid)
    # The database key did not change: the old bytes still open under the same key.
    assert again.key and len(db_before) > 0
    again.close()


def test_recovery_key_opens_and_sets_new_passphrase(profile_dir):
    profile = Profile(profile_dir)
    vault, recovery = profile.create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    rid = _fill(vault)
    vault.close()
    with pytest.raises(WrongPassphrase):
        profile.unlock_with_recovery("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    opened = profile.unlock_with_recovery(recovery.lower().replace("-", " "))
    profile.change_passphrase(opened, "after recovery passphrase")
    opened.close()
    again = profile.unlock("after recovery passphrase")
    assert again.records.get(rid)
    again.close()


def test_recovery_key_text_round_trip():
    raw = bytes(range(20))
    text = format_recovery_key(raw)
    assert len(text.split("-")) == 8
    assert parse_recovery_key(text) == raw
    assert parse_recovery_key(text[:-1]) is None


def test_duress_destroys_real_data_and_opens_a_normal_empty_profile(vault, profile_dir):
    _fill(vault)
    profile = Profile(profile_dir)
    profile.set_duress(vault, "the duress passphrase")
    def shape():
        return sorted(p.name for p in profile_dir.iterdir()
                      if not p.name.endswith(("-wal", "-shm")))

    files_before = shape()
    vault.close()
    decoy = profile.unlock("the duress passphrase")
    assert profile.finish_shredding(timeout=60)
    assert decoy.pseudonym == PSEUDONYM  # looks like the user's own profile
    assert decoy.records.count() == 0
    decoy.records.add("incident", {"title": "ok", "occurred_on": "2025", "event_type": "other"})
    decoy.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    decoy.close()
    assert shape() == files_before  # same shape
    with pytest.raises(WrongPassphrase):
        profile.unlock(PASSPHRASE)
    assert grep_tree(profile_dir, MARKERS) == []
    # The duress passphrase is now simply the passphrase of the remaining profile.
    profile.attempts_path.unlink(missing_ok=True)
    again = profile.unlock("the duress passphrase")
    assert again.records.count() == 1
    again.close()


def test_duress_unlock_does_not_wait_for_the_overwriting(vault, profile_dir):
    """The real vault is unreadable the moment the keyslot is rewritten; overwriting its
    files (seconds for a large vault) runs in a detached process, not in this one."""
    _fill(vault)
    profile = Profile(profile_dir)
    profile.set_duress(vault, "the duress passphrase")
    vault.close()
    decoy = profile.unlock("the duress passphrase")
    assert profile.shredding is not None
    assert profile.shredding.pid not in (None, os.getpid())
    assert decoy.records.count() == 0
    with pytest.raises(WrongPassphrase):  # already crypto-shredded
        Profile(profile_dir).unlock(PASSPHRASE)
    assert profile.finish_shredding(timeout=60)
    decoy.close()
    assert grep_tree(profile_dir, MARKERS) == []


def _identity(path: Path) -> tuple[int, str | None]:
    """(inode, birth time) of ``path``; the birth time (statx, through stat(1), to the
    nanosecond) is None where the file system keeps none."""
    out = subprocess.run(["stat", "-c", "%w", str(path)], capture_output=True, text=True,
                         check=True).stdout.strip()
    return path.stat().st_ino, (None if out == "-" else out)


def test_vault_files_are_rewritten_in_place_never_replaced(vault, profile_dir):
    """Setting (and replacing) a duress passphrase and using it leave both vault files
    and both attachment folders the ones made with the profile: same inode, same birth
    time. Each is also held open from the start: a file replaced under its name would
    show as unlinked (st_nlink 0) and differ from what the name leads to, whether or not
    the file system keeps birth times or reuses inode numbers."""
    _fill(vault)
    vault.records.add_many("incident", [
        {"title": f"Attaque {i}", "occurred_on": "2025-06-18", "event_type": "looting",
         "description": "troupeau " * 100} for i in range(300)])
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (vault.files_dir / "0190-photo.stored").write_bytes(os.urandom(200_000))
    profile = Profile(profile_dir)
    paths = [profile.db_path(0), profile.db_path(1), profile.files_dir(0),
             profile.files_dir(1)]
    made = {path: _identity(path) for path in paths}
    pinned = {path: os.open(path, os.O_RDONLY) for path in paths}

    def unchanged(step: str) -> None:
        for path in paths:
            held = os.fstat(pinned[path])
            assert held.st_nlink > 0, (step, path.name, "unlinked")
            assert os.path.samestat(held, path.stat()), (step, path.name, "replaced")
            assert _identity(path) == made[path], (step, path.name)

    try:
        profile.set_duress(vault, "the duress passphrase")
        unchanged("duress set")
        profile.set_duress(vault, "another duress passphrase")
        unchanged("duress replaced")
        real = vault.index
        vault.close()
        empty_vault = profile.db_path(1 - real).stat().st_size
        assert profile.db_path(real).stat().st_size > empty_vault
        decoy = profile.unlock("another duress passphrase")
        assert profile.finish_shredding(timeout=60)
        decoy.close()
        unchanged("duress unlock")
        assert list(profile.files_dir(real).iterdir()) == []
        assert grep_tree(profile_dir, MARKERS) == []
        # the real file is now noise, cut to the length of an empty vault: a large file
        # beside a small open one would say it held data
        assert profile.db_path(real).stat().st_size == empty_vault
    finally:
        for fd in pinned.values():
            os.close(fd)
    if made[paths[0]][1] is None:
        pytest.skip("no birth times on this file system (inodes and open files checked)")


def test_a_duress_passphrase_set_earlier_stops_working_when_replaced(vault, profile_dir):
    profile = Profile(profile_dir)
    profile.set_duress(vault, "the duress passphrase")
    profile.set_duress(vault, "another duress passphrase")
    vault.close()
    with pytest.raises(WrongPassphrase):
        profile.unlock("the duress passphrase")
    profile.unlock(PASSPHRASE).close()


def test_unlock_gives_the_other_vault_its_time(vault, profile_dir):
    """A decoy written when the duress passphrase was set must not keep that day as its
    modification time while a noise vault keeps the profile's creation: every unlock
    touches the vault not in use, its folder and the keyslot file."""
    profile = Profile(profile_dir)
    profile.set_duress(vault, "the duress passphrase")
    other = 1 - vault.index
    vault.close()
    long_ago = time.time() - 30 * 86400
    touched = [profile.db_path(other), profile.files_dir(other), profile.keyslots_path]
    for path in touched:
        os.utime(path, (long_ago, long_ago))
    before = time.time() - 1
    profile.unlock(PASSPHRASE).close()
    for path in touched:
        assert path.stat().st_mtime >= before, path.name


def test_duress_equal_to_real_passphrase_refused(vault, profile_dir):
    with pytest.raises(WeakPassphrase):
        Profile(profile_dir).set_duress(vault, PASSPHRASE)


def test_keyslot_file_does_not_reveal_a_duress_slot(vault, profile_dir):
    profile = Profile(profile_dir)
    without = json.loads(profile.keyslots_path.read_text())
    profile.set_duress(vault, "the duress passphrase")
    with_duress = json.loads(profile.keyslots_path.read_text())
    assert len(without["slots"]) == len(with_duress["slots"]) == 2
    assert [len(s["ct"]) for s in without["slots"]] == [len(s["ct"]) for s in
                                                        with_duress["slots"]]
    assert len(profile.keyslots_path.read_bytes()) == len(json.dumps(without, indent=1))


def test_panic_shreds_everything(vault, profile_dir):
    _fill(vault)
    vault.close()
    profile = Profile(profile_dir)
    profile.panic()
    assert not profile_dir.exists()
    with pytest.raises(ProfileMissing):
        profile.unlock(PASSPHRASE)


def test_missing_keyslot_file_is_corrupt_and_nothing_is_touched(vault, profile_dir):
    vault.close()
    profile = Profile(profile_dir)
    slots = profile.keyslots_path.read_bytes()
    profile.keyslots_path.unlink()
    before = {p.name: p.read_bytes() for p in profile_dir.iterdir() if p.is_file()}
    with pytest.raises(ProfileCorrupt):
        profile.unlock(PASSPHRASE)
    with pytest.raises(ProfileExists):
        profile.create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    assert {p.name: p.read_bytes() for p in profile_dir.iterdir() if p.is_file()} == before
    profile.keyslots_path.write_bytes(slots)
    profile.unlock(PASSPHRASE).close()


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip", "downgrade"])
def test_damaged_keyslot_file(vault, profile_dir, damage):
    vault.close()
    profile = Profile(profile_dir)
    raw = profile.keyslots_path.read_bytes()
    if damage == "garbage":
        bad = b"\x00\xff" * 50
    elif damage == "truncate":
        bad = raw[: len(raw) // 2]
    elif damage == "flip":
        data = json.loads(raw)
        ct = bytearray(data["slots"][0]["ct"].encode())
        data["slots"][0]["ct"] = data["slots"][1]["ct"]
        data["slots"][1]["ct"] = bytes(ct).decode()
        bad = json.dumps(data).encode()
    else:
        data = json.loads(raw)
        data["kdf"]["memory_kib"] = 1024
        bad = json.dumps(data).encode()
    profile.keyslots_path.write_bytes(bad)
    with pytest.raises((ProfileCorrupt, WrongPassphrase)):
        profile.unlock(PASSPHRASE)
    assert profile.keyslots_path.read_bytes() == bad  # nothing overwritten
    assert profile.db_path(0).exists() and profile.db_path(1).exists()


def test_interrupted_keyslot_rewrite_recovers_from_journal(vault, profile_dir):
    profile = Profile(profile_dir)
    profile.change_passphrase(vault, "the next passphrase")
    vault.close()
    good = profile.keyslots_path.read_bytes()
    (profile_dir / "keyslots.next").write_bytes(good)
    profile.keyslots_path.write_bytes(good[:40])  # torn in-place write
    profile.unlock("the next passphrase").close()
    assert profile.keyslots_path.read_bytes() == good


def test_corrupt_database_reports_and_keeps_files(vault, profile_dir):
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = vault.db_path
    vault.close()
    data = bytearray(path.read_bytes())
    data[5000:5100] = os.urandom(100)
    path.write_bytes(bytes(data))
    with pytest.raises((ProfileCorrupt, DatabaseError)) as caught:
        opened = Profile(profile_dir).unlock(PASSPHRASE)
        try:
            opened.records.count()
            opened.records.list()
        finally:
            opened.close()
    assert "damaged" in user_message(caught.value)
    assert path.read_bytes() == bytes(data)


def test_kdf_floor_and_calibration():
    assert kdf.calibrate(0) == kdf.KdfParams()
    tuned = kdf.calibrate(0.3)
    assert tuned.memory_kib >= kdf.MIN_MEMORY_KIB and tuned.iterations >= kdf.MIN_ITERATIONS
    with pytest.raises(ValueError):
        kdf.KdfParams(memory_kib=1024).check()
    slots = KeyslotFile.new(kdf.KdfParams())
    assert KeyslotFile.loads(slots.dumps()).params == kdf.KdfParams()
