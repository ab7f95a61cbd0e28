"""A profile folder: the keyslot file, two vault databases, encrypted attachment folders.

Layout (every file 0600, every folder 0700)::

    keyslots            the wrapped database keys (see crypto/keyslot.py)
    vault-0.db          SQLCipher database (one is the real one, the other a decoy or noise)
    vault-1.db
    vault-N.files/      encrypted attachments of vault N
    backups/            encrypted copies taken before a migration
    unlock-attempts     failure counter for the growing delay

Both vault files always exist and both are SQLCipher files of similar size, so the folder
does not say whether a duress passphrase is set. Both are made when the profile is, and from
then on only rewritten where they stand, never deleted and made anew: a file's creation
time (and inode) would otherwise tell when a duress passphrase was set or used.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3

from . import audit, detached
from .crypto import kdf
from .crypto.keyslot import ROLE_DURESS, ROLE_MAIN, KeyslotFile, Opened, SlotFormatError
from .detached import OverwriteJob, Overwriting
from .errors import (
    ProfileCorrupt,
    ProfileExists,
    ProfileMissing,
    TooManyAttempts,
    WeakPassphrase,
    WrongPassphrase,
)
from .fsutil import (
    FILE_MODE,
    atomic_write,
    cut_in_place,
    fsync_dir,
    secure_mkdir,
    shred,
    shred_tree,
)
from .records import RecordStore, transaction
from .store import db

MIN_PASSPHRASE = 10
FREE_ATTEMPTS = 3
MAX_DELAY = 300
KEYSLOTS = "keyslots"


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(min_length=MIN_PASSPHRASE)


@dataclass
class Vault:
    """An unlocked profile: an open database and the folder of its attachments."""

    profile: Profile
    index: int
    key: bytes = field(repr=False)
    conn: db.Connection = field(repr=False)

    @property
    def db_path(self) -> Path:
        return self.profile.db_path(self.index)

    @property
    def files_dir(self) -> Path:
        return self.profile.files_dir(self.index)

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (key, value))

    @property
    def pseudonym(self) -> str:
        return self.setting("pseudonym", "") or ""

    @property
    def slot_position(self) -> int:
        return int(self.setting("slot_position", "0") or 0)

    @property
    def records(self) -> RecordStore:
        return RecordStore(self.conn, self.pseudonym)

    def reader(self, *, check_same_thread: bool = True) -> db.Connection:
        """A second connection to the same vault, for reading on another thread
        (the desktop app lists records on the main thread while its worker writes)."""
        return db.connect(self.db_path, self.key, check_same_thread=check_same_thread)

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlcipher3.Error:
            pass


class Profile:
    """The profile folder at ``path``; nothing is read until a method needs it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.shredding: Overwriting | None = None  # a duress unlock's overwriting

    # --- paths ------------------------------------------------------------------------
    @property
    def keyslots_path(self) -> Path:
        return self.path / KEYSLOTS

    def db_path(self, index: int) -> Path:
        return self.path / f"vault-{index}.db"

    def files_dir(self, index: int) -> Path:
        return self.path / f"vault-{index}.files"

    @property
    def backups_dir(self) -> Path:
        return self.path / "backups"

    @property
    def attempts_path(self) -> Path:
        return self.path / "unlock-attempts"

    def exists(self) -> bool:
        return self.keyslots_path.is_file()

    def _has_any_file(self) -> bool:
        return self.path.is_dir() and any(self.path.iterdir())

    # --- keyslot file -----------------------------------------------------------------
    def _load_slots(self) -> KeyslotFile:
        if not self.keyslots_path.is_file():
            if self.db_path(0).exists() or self.db_path(1).exists():
                raise ProfileCorrupt(what="keyslot file")
            raise ProfileMissing(path=str(self.path))
        try:
            return KeyslotFile.loads(self.keyslots_path.read_bytes())
        except SlotFormatError:
            pending = self.path / f"{KEYSLOTS}.next"
            if pending.is_file():  # a rewrite was cut short: the next content is whole
                try:
                    slots = KeyslotFile.loads(pending.read_bytes())
                except SlotFormatError:
                    pass
                else:
                    self._write_slots(slots)
                    return slots
            raise ProfileCorrupt(what="keyslot file") from None
        except OSError:
            raise ProfileCorrupt(what="keyslot file") from None

    def _write_slots(self, slots: KeyslotFile) -> None:
        """Rewrite the keyslot file *in place* so old slot bytes are overwritten, with a
        journal copy beside it so a power cut cannot leave no valid file."""
        data = slots.dumps()
        pending = self.path / f"{KEYSLOTS}.next"
        atomic_write(pending, data)
        if self.keyslots_path.is_file():
            with self.keyslots_path.open("r+b", buffering=0) as fh:
                fh.write(data)
                fh.truncate(len(data))
                os.fsync(fh.fileno())
        else:
            atomic_write(self.keyslots_path, data)
        shred(pending)
        fsync_dir(self.path)

    # --- creating ---------------------------------------------------------------------
    def create(self, pseudonym: str, passphrase: str,
               kdf_seconds: float = kdf.DEFAULT_SECONDS) -> tuple[Vault, str]:
        """A new profile; returns the open vault and the recovery key (show it once)."""
        check_passphrase(passphrase)
        if self.exists() or self._has_any_file():
            raise ProfileExists(path=str(self.path))
        secure_mkdir(self.path)
        slots = KeyslotFile.new(kdf.calibrate(kdf_seconds))
        index, position = secrets.randbelow(2), secrets.randbelow(2)
        key = secrets.token_bytes(32)
        vault = self._new_vault(index, key, pseudonym, position)
        self._new_noise_vault(1 - index)
        slots.seal_slot(position, slots.derive(passphrase), index, ROLE_MAIN, key)
        recovery = slots.seal_recovery(index, key)
        self._write_slots(slots)
        return vault, recovery

    def _new_vault(self, index: int, key: bytes, pseudonym: str, position: int) -> Vault:
        """A new, empty vault in file ``index``: made at profile creation, or, when the file
        exists (a decoy replaced), written into it where it stands (same file)."""
        path = self.db_path(index)
        if path.exists():
            cut_in_place(path)  # length 0 is a new database to SQLite
        conn = db.connect(path, key, create=True)
        db.migrate(conn, path, self.backups_dir)
        vault = Vault(self, index, key, conn)
        with transaction(conn):
            vault.set_setting("pseudonym", pseudonym)
            vault.set_setting("slot_position", str(position))
            vault.set_setting("created_at", audit.now())
        secure_mkdir(self.files_dir(index))
        return vault

    def _new_noise_vault(self, index: int) -> None:
        """A real SQLCipher file under a key nobody keeps: indistinguishable from a vault."""
        self._new_vault(index, secrets.token_bytes(32), "", 0).close()

    # --- unlocking --------------------------------------------------------------------
    def _throttle_check(self) -> None:
        state = self._attempts()
        wait = state.get("until", 0) - time.time()
        if wait > 0:
            raise TooManyAttempts(seconds=math.ceil(wait))

    def _attempts(self) -> dict[str, float]:
        try:
            return json.loads(self.attempts_path.read_text())
        except (OSError, ValueError):
            return {}

    def _record_failure(self) -> None:
        state = self._attempts()
        failures = int(state.get("failures", 0)) + 1
        until = 0.0
        if failures >= FREE_ATTEMPTS:
            until = time.time() + min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY)
        atomic_write(self.attempts_path,
                     json.dumps({"failures": failures, "until": until}).encode())

    def _clear_failures(self) -> None:
        self.attempts_path.unlink(missing_ok=True)

    def unlock(self, passphrase: str, *, check_same_thread: bool = True) -> Vault:
        """Open the vault the passphrase unlocks. A duress passphrase silently destroys
        the real vault first, then opens the decoy exactly as a normal unlock would."""
        slots = self._load_slots()
        self._throttle_check()
        kek = slots.derive(passphrase)
        opened = slots.open_with(kek)
        if opened is None:
            self._record_failure()
            raise WrongPassphrase()
        self._clear_failures()
        if opened.role == ROLE_DURESS:
            self._trigger_duress(slots, kek, opened)
        return self._open(opened, check_same_thread)

    def unlock_with_recovery(self, recovery_key: str, *,
                             check_same_thread: bool = True) -> Vault:
        slots = self._load_slots()
        self._throttle_check()
        opened = slots.open_recovery(recovery_key)
        if opened is None:
            self._record_failure()
            raise WrongPassphrase()
        self._clear_failures()
        return self._open(opened, check_same_thread)

    def _open(self, opened: Opened, check_same_thread: bool) -> Vault:
        path = self.db_path(opened.vault)
        conn = db.connect(path, opened.key, check_same_thread=check_same_thread)
        try:
            db.migrate(conn, path, self.backups_dir)
        except sqlcipher3.DatabaseError:
            conn.close()
            raise ProfileCorrupt(what="database") from None
        secure_mkdir(self.files_dir(opened.vault))
        self._touch_twin(opened.vault)
        return Vault(self, opened.vault, opened.key, conn)

    def _touch_twin(self, index: int) -> None:
        """Give the other vault (its file and attachments folder) and the keyslot file the
        time of this unlock. The vault in use is written at every session; without this the
        other one would keep the time it was last written: the profile's creation when it is
        noise, but the day a duress passphrase was set when it is a decoy."""
        for path in (self.db_path(1 - index), self.files_dir(1 - index), self.keyslots_path):
            try:
                os.utime(path)
            except OSError:
                pass

    def _trigger_duress(self, slots: KeyslotFile, kek: bytes, opened: Opened) -> None:
        real_position, real_index = 1 - opened.slot, 1 - opened.vault
        slots.wipe_slot(real_position)
        slots.wipe_recovery()
        slots.seal_slot(opened.slot, kek, opened.vault, ROLE_MAIN, opened.key)
        self._write_slots(slots)  # from here on the real vault is noise (crypto-shredded)
        # Overwriting the files is the second layer, and it takes time in proportion to
        # their size (seconds for a large vault with photos). It runs in a detached process
        # that outlives this one and its terminal (fieldapp/detached.py), beside the decoy's
        # opening: a duress unlock takes as long on screen as a normal one, and the command
        # line returns as soon as a normal one would. Should that process die, the keyslot
        # above is already gone: what it leaves is ciphertext under a lost key.
        # The noise is then cut to the decoy's length (an empty vault, as made when the
        # duress passphrase was set): a large file of noise beside a small open vault
        # would say that the other one held data.
        job = self._noise_job(real_index)
        try:
            job.cut_to = self.db_path(opened.vault).stat().st_size
        except OSError:
            pass
        self.shredding = detached.start(job)

    def finish_shredding(self, timeout: float | None = None) -> bool:
        """Wait for a duress unlock's overwriting to end; False if it still runs."""
        return self.shredding is None or self.shredding.wait(timeout)

    def _noise_job(self, index: int) -> OverwriteJob:
        """What turns vault ``index`` into noise where it stands: the database file keeps
        its name and creation time but holds random bytes (which is what a SQLCipher file
        under a lost key looks like); its WAL, migration backups and attachments are
        shredded, and its attachments folder stays, empty, as for any vault."""
        path = self.db_path(index)
        backups = (sorted(self.backups_dir.glob(f"vault-{index}.*"))
                   if self.backups_dir.is_dir() else [])
        return OverwriteJob(
            overwrite=[path],
            shred=[Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")] + backups,
            empty=[self.files_dir(index)])

    def _destroy_vault(self, index: int) -> None:
        path = self.db_path(index)
        for suffix in ("", "-wal", "-shm", "-journal"):
            shred(Path(f"{path}{suffix}"))
        shred_tree(self.files_dir(index))
        if self.backups_dir.is_dir():
            for copy in self.backups_dir.glob(f"vault-{index}.*"):
                shred(copy)

    # --- changing slots ---------------------------------------------------------------
    def change_passphrase(self, vault: Vault, new_passphrase: str) -> None:
        """Rewrite only this vault's slot; the database is untouched."""
        check_passphrase(new_passphrase)
        slots = self._load_slots()
        kek = slots.derive(new_passphrase)
        other = slots.open_with(kek)
        if other is not None and other.vault != vault.index:
            raise WeakPassphrase(min_length=MIN_PASSPHRASE)  # would collide with duress
        slots.seal_slot(vault.slot_position, kek, vault.index, ROLE_MAIN, vault.key)
        self._write_slots(slots)
        with transaction(vault.conn):
            audit.append(vault.conn, vault.pseudonym, "passphrase")

    def new_recovery_key(self, vault: Vault) -> str:
        slots = self._load_slots()
        recovery = slots.seal_recovery(vault.index, vault.key)
        self._write_slots(slots)
        with transaction(vault.conn):
            audit.append(vault.conn, vault.pseudonym, "recovery")
        return recovery

    def set_duress(self, vault: Vault, duress_passphrase: str) -> None:
        """Set (or replace) the duress passphrase and a fresh, empty decoy vault."""
        check_passphrase(duress_passphrase)
        slots = self._load_slots()
        kek = slots.derive(duress_passphrase)
        hit = slots.open_with(kek)
        if hit is not None and hit.vault == vault.index:
            raise WeakPassphrase(min_length=MIN_PASSPHRASE)  # same as the real one
        decoy_index, decoy_position = 1 - vault.index, 1 - vault.slot_position
        slots.wipe_slot(decoy_position)  # a duress passphrase set before opens nothing now
        self._write_slots(slots)
        # The other vault file (noise, or an earlier decoy) is rewritten where it stands,
        # never replaced: its creation time stays the profile's.
        self._noise_job(decoy_index).run()
        decoy_key = secrets.token_bytes(32)
        self._new_vault(decoy_index, decoy_key, vault.pseudonym, decoy_position).close()
        slots.seal_slot(decoy_position, kek, decoy_index, ROLE_DURESS, decoy_key)
        self._write_slots(slots)
        with transaction(vault.conn):
            audit.append(vault.conn, vault.pseudonym, "duress")

    # --- panic ------------------------------------------------------------------------
    def panic(self) -> None:
        """Shred the keyslots first (that alone makes the data noise), then every file."""
        for name in (KEYSLOTS, f"{KEYSLOTS}.next"):
            shred(self.path / name)
        for index in (0, 1):
            self._destroy_vault(index)
        shred_tree(self.backups_dir)
        shred(self.attempts_path)
        if self.path.is_dir():
            for leftover in list(self.path.iterdir()):
                shred_tree(leftover)
            self.path.rmdir()


def private_file(path: Path) -> None:
    """Tighten a file written by a library to 0600."""
    if path.exists():
        path.chmod(FILE_MODE)
