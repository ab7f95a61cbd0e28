"""The CLI contract through real processes: exit codes, one-line errors, no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import PASSPHRASE, ROOT, cli_env, grep_tree

INCIDENT = {"title": "Attaque de Diallassago", "occurred_on": "2025-06-18",
            "date_precision": "day", "region": "Mopti", "locality": "Diallassago",
            "event_type": "attack_on_civilians", "perpetrators": ["unknown"],
            "killed_min": 130, "description": "Invented test description."}


def one_line_error(result, code: int) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_wrong_passphrase_and_growing_delay(cli, initialised):
    for _ in range(3):
        line = one_line_error(cli("list", FIELDAPP_PASSPHRASE="wrong passphrase!"), 1)
        assert line == "Wrong passphrase."
    # The delay doubles with each failure (1, 2, 4, 8 s): on a loaded machine a process
    # may start after a short delay has passed, never after all of them.
    for _ in range(5):
        line = one_line_error(cli("list", FIELDAPP_PASSPHRASE="wrong passphrase!"), 1)
        if line != "Wrong passphrase.":
            break
    assert "wait" in line and "seconds" in line


def test_french_messages(cli, initialised):
    line = one_line_error(cli("--lang", "fr", "list", FIELDAPP_PASSPHRASE="mauvaise phrase"), 1)
    assert line == "Phrase de passe incorrecte."
    line = one_line_error(cli("list", FIELDAPP_LANG="fr", FIELDAPP_PASSPHRASE="mauvaise!!"), 1)
    assert line == "Phrase de passe incorrecte."


def test_no_profile_and_no_passphrase(cli, tmp_path):
    line = one_line_error(cli("list"), 1)
    assert "No profile" in line
    result = cli("init", "--pseudonym", "X", "--kdf-seconds", "0", FIELDAPP_PASSPHRASE="short")
    assert "at least 10" in one_line_error(result, 2)
    env = cli_env(tmp_path / "p")
    env.pop("FIELDAPP_PASSPHRASE")
    proc = subprocess.run([sys.executable, "-m", "fieldapp.cli", "init", "--pseudonym", "X"],
                          env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "FIELDAPP_PASSPHRASE" in proc.stderr
    assert not (tmp_path / "p").exists()


def test_malformed_json_unknown_field_and_unreadable_file(cli, initialised, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x",\n "occurred_on": }')
    line = one_line_error(cli("incident", "add", "--from", str(bad)), 2)
    assert "line 2" in line
    line = one_line_error(cli("incident", "add", "--from", "-", stdin="[1, 2]"), 2)
    assert "not a JSON object" in line
    line = one_line_error(cli("incident", "add", "--from", "-",
                              stdin=json.dumps({**INCIDENT, "colour": "red"})), 2)
    assert "colour" in line
    line = one_line_error(cli("incident", "add", "--from", "-",
                              stdin=json.dumps({**INCIDENT, "occurred_on": "2025-02-30"})), 2)
    assert "occurred_on" in line
    line = one_line_error(cli("incident", "add", "--from", str(tmp_path / "missing.json")), 2)
    assert "missing.json" in line
    locked = tmp_path / "locked.json"
    locked.write_text("{}")
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert "locked.json" in one_line_error(cli("incident", "add", "--from", str(locked)), 2)
    line = one_line_error(cli("incident", "add", "--from", "-", stdin=b"\xff\xfe{"), 2)
    assert "JSON" in line
    line = one_line_error(cli("incident", "add"), 2)
    assert "--from" in line
    assert cli("list", "--json").json() == []


def test_add_edit_history_show(cli, initialised, tmp_path):
    rid = cli("incident", "add", "--from", "-", stdin=json.dumps(INCIDENT)).out.strip()
    assert len(rid) == 36
    edit = cli("edit", rid, "--from", "-", stdin='{"killed_max": 160}')
    assert edit.code == 0, edit.err
    history = cli("history", rid, "--json").json()
    assert len(history) == 2 and history[1]["parent"] == history[0]["hash"]
    text = cli("history", rid).out
    assert "killed_max" in text and "160" in text
    tid = cli("testimony", "add", "--from", "-", stdin=json.dumps(
        {"witness_code": "T-MOP-1", "text": "Récit inventé.", "incident_ids": [rid],
         "identity": {"name": "Nom fictif"}})).out.strip()
    shown = cli("show", tid, "--json").json()
    assert shown["incident_ids"] == [rid] and shown["identity"] == {"name": "Nom fictif"}
    assert "coordinators only" in cli("show", tid).out
    assert one_line_error(cli("show", "nope"), 2).startswith("Nothing found")
    listed = cli("list", "--kind", "testimony", "--json").json()
    assert [r["id"] for r in listed] == [tid]


def test_passwd_recover_duress_panic(cli, initialised, profile_dir):
    rid = cli("incident", "add", "--from", "-", stdin=json.dumps(INCIDENT)).out.strip()
    assert cli("passwd", FIELDAPP_NEW_PASSPHRASE="second passphrase").code == 0
    assert cli("list").code == 1
    os.unlink(profile_dir / "unlock-attempts")
    result = cli("recover", FIELDAPP_RECOVERY_KEY=initialised,
                 FIELDAPP_NEW_PASSPHRASE="third passphrase")
    assert result.code == 0, result.err
    assert cli("show", rid, FIELDAPP_PASSPHRASE="third passphrase").code == 0
    result = cli("duress", "set", FIELDAPP_PASSPHRASE="third passphrase",
                 FIELDAPP_DURESS_PASSPHRASE="duress passphrase")
    assert result.code == 0, result.err
    assert cli("list", "--json", FIELDAPP_PASSPHRASE="duress passphrase").json() == []
    assert cli("list", FIELDAPP_PASSPHRASE="third passphrase").code == 1
    assert grep_tree(profile_dir, [b"Diallassago", b"Invented test"]) == []
    assert one_line_error(cli("panic"), 2).endswith("(see --help)")
    assert cli("panic", "--yes").code == 0
    assert not profile_dir.exists()


DURESS = "duress passphrase for checkpoints"
BLOCK = 4096


def _blocks(fd: int, size: int) -> list[bytes]:
    return [os.pread(fd, BLOCK, offset) for offset in range(0, size, BLOCK)]


def _all_overwritten(fd: int, old: list[bytes], length: int | None = None) -> bool:
    """The file held open under ``fd`` is ``length`` bytes long (default: as long as it
    was) and every block of it differs from the old one."""
    size = os.fstat(fd).st_size
    if size != (len(old) * BLOCK if length is None else length):
        return False
    return all(a != b for a, b in zip(_blocks(fd, size), old, strict=False))


def test_duress_unlock_returns_and_the_overwriting_survives_a_closed_terminal(profile_dir):
    """``fieldapp list`` typed with the duress passphrase in a terminal; the terminal is
    closed (SIGHUP to its process group) the moment the answer shows. The real vault's
    file and attachments are still overwritten in full afterwards. (How long the command
    takes against a normal unlock is measured by benchmarks/store.py, not here.)"""
    from fieldapp.errors import WrongPassphrase
    from fieldapp.profile import Profile

    profile = Profile(profile_dir)
    vault, _recovery = profile.create("Sahel-7", PASSPHRASE, kdf_seconds=0)
    vault.records.add_many("incident", [{**INCIDENT, "title": f"Diallassago {i}"}
                                        for i in range(300)])
    photo = vault.files_dir / "0190-photo.stored"
    photo.write_bytes(os.urandom(32 << 20))  # overwriting it takes a while
    profile.set_duress(vault, DURESS)
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    real = vault.index
    vault.close()
    db_path = profile.db_path(real)
    empty_vault = profile.db_path(1 - real).stat().st_size  # the decoy, as made
    held = {path: os.open(path, os.O_RDONLY) for path in (db_path, photo)}
    old = {path: _blocks(fd, path.stat().st_size) for path, fd in held.items()}
    try:
        env = cli_env(profile_dir, FIELDAPP_PASSPHRASE=DURESS, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([sys.executable, "-m", "fieldapp.cli", "list", "--json"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
                                start_new_session=True)
        assert proc.stdout is not None
        answer = proc.stdout.readline()  # what the terminal shows: the decoy, empty
        try:
            os.killpg(proc.pid, signal.SIGHUP)  # the terminal is closed at once
        except ProcessLookupError:
            pass  # the command had already returned
        proc.wait(timeout=60)
        proc.stdout.close()
        assert json.loads(answer) == []
        with pytest.raises(ProcessLookupError):  # nothing of ours left in that group
            os.killpg(proc.pid, 0)
        deadline = time.monotonic() + 120
        while not (_all_overwritten(held[db_path], old[db_path], empty_vault)
                   and os.fstat(held[photo]).st_nlink == 0
                   and _all_overwritten(held[photo], old[photo])):
            assert time.monotonic() < deadline, "the real vault was not overwritten"
            time.sleep(0.05)
        # same file, random bytes, cut to the length of an empty vault like its twin's
        # (a large file of noise would say it held data); the attachment shredded, removed
        assert os.path.samestat(os.fstat(held[db_path]), db_path.stat())
        assert not photo.exists() and list(profile.files_dir(real).iterdir()) == []
    finally:
        for fd in held.values():
            os.close(fd)
    assert grep_tree(profile_dir, [b"Diallassago", b"Invented test"]) == []
    with pytest.raises(WrongPassphrase):
        Profile(profile_dir).unlock(PASSPHRASE)


def test_audit_verify_exit_codes(cli, initialised, profile_dir):
    cli("incident", "add", "--from", "-", stdin=json.dumps(INCIDENT))
    ok = cli("audit", "verify")
    assert ok.code == 0 and "1 entry" in ok.out
    from fieldapp.profile import Profile

    vault = Profile(profile_dir).unlock(PASSPHRASE)
    vault.conn.execute("DROP TRIGGER audit_no_update")
    vault.conn.execute("UPDATE audit SET action = 'edit'")
    vault.close()
    line = one_line_error(cli("audit", "verify"), 1)
    assert "broken at entry 1" in line


WRITER = """
import sys
from fieldapp.profile import Profile
vault = Profile(sys.argv[1]).unlock(sys.argv[2])
for i in range(100000):
    rid = vault.records.add("incident", {"title": f"batch {i}", "occurred_on": "2024-01-01",
                                         "event_type": "looting", "description": "x" * 500})
    print(rid, flush=True)
"""


def test_kill_9_in_a_batch_of_writes_loses_nothing_printed(cli, initialised, profile_dir):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(profile_dir), PASSPHRASE],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env=cli_env(profile_dir))
    printed = []
    assert proc.stdout is not None
    for line in proc.stdout:
        printed.append(line.strip())
        if len(printed) == 150:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    from fieldapp.profile import Profile

    vault = Profile(profile_dir).unlock(PASSPHRASE)
    assert vault.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    present = {r[0] for r in vault.conn.execute("SELECT id FROM record")}
    assert set(printed) <= present
    count = len(present)
    from fieldapp import audit

    assert audit.verify(vault.conn).entries == count  # no half record anywhere
    assert vault.conn.execute("SELECT count(*) FROM version").fetchone()[0] == count
    vault.close()


def test_disk_full_leaves_no_half_record(vault):
    from fieldapp.errors import DiskFull

    vault.records.add("incident", INCIDENT)
    pages = vault.conn.execute("PRAGMA page_count").fetchone()[0]
    vault.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(DiskFull):
        vault.records.add("incident", {**INCIDENT, "description": "y" * 200_000})
    vault.conn.execute("PRAGMA max_page_count = 1073741823")
    assert vault.records.count() == 1
    assert vault.conn.execute("SELECT count(*) FROM version").fetchone()[0] == 1
    from fieldapp import audit

    assert audit.verify(vault.conn).entries == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root")
def test_real_full_disk_through_the_cli(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("tmpfs mount not permitted here")
    try:
        from tests.conftest import run_cli

        profile = mount / "p"
        assert run_cli(profile, "init", "--pseudonym", "X", "--kdf-seconds", "0").code == 0
        big = {**INCIDENT, "description": "z" * 150_000}
        ids, last = [], None
        for _ in range(60):
            last = run_cli(profile, "incident", "add", "--from", "-", stdin=json.dumps(big))
            if last.code != 0:
                break
            ids.append(last.out.strip())
        assert last is not None and last.code == 1, "the disk never filled"
        assert "disk is full" in one_line_error(last, 1)
        listed = run_cli(profile, "list", "--json", "--limit", "1000")
        if listed.code == 0:  # reading may need no new space
            assert {r["id"] for r in listed.json()} == set(ids)
    finally:
        time.sleep(0.1)
        subprocess.run(["umount", "-l", str(mount)], check=False)
