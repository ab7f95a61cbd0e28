"""Profile and keys: create, unlock, throttle, passphrase change, recovery, duress, panic."""

from __future__ import annotations

import json
import os
import stat
import threading

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


def test_duress_unlock_does_not_wait_for_the_overwriting(vault, profile_dir, monkeypatch):
    """The real vault is unreadable the moment the keyslot is rewritten; overwriting its
    files (seconds for a large vault) runs beside the decoy, so the screen shows no pause."""
    import fieldapp.profile as profile_module

    _fill(vault)
    profile = Profile(profile_dir)
    profile.set_duress(vault, "the duress passphrase")
    vault.close()
    release = threading.Event()
    real_overwrite = profile_module.overwrite

    def slow_overwrite(path):
        release.wait(30)
        real_overwrite(path)

    monkeypatch.setattr(profile_module, "overwrite", slow_overwrite)
    decoy = profile.unlock("the duress passphrase")
    try:
        assert profile.shredding is not None and profile.shredding.is_alive()
        assert decoy.records.count() == 0
        with pytest.raises(WrongPassphrase):  # already crypto-shredded
            Profile(profile_dir).unlock(PASSPHRASE)
    finally:
        release.set()
    assert profile.finish_shredding(timeout=60)
    decoy.close()
    assert grep_tree(profile_dir, MARKERS) == []


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
