#!/bin/bash
# Back up a fieldapp server: its database and its data folder, into one new folder.
#
#   backup.sh --data DIR [--database URL] --out DIR
#
# --data      the server's data folder (receipt key, TLS certificate and key, blobs)
# --database  the server's PostgreSQL URL, as given to `fieldapp server --database`
#             (postgresql+psycopg://user@host:port/name); without it, the SQLite database
#             in the data folder is copied with SQLite's online backup
# --out       where to create fieldapp-backup-<UTC time>/ (made 0700)
#
# The database is dumped first (pg_dump, custom format, one consistent snapshot), the data
# folder copied after: every blob the dump lists as complete is then in the copy (blobs are
# only ever added, under their final name, atomically). Uploads in progress (*.part) and
# lock files are left out; a client resumes such an upload from the start after a
# restore. Safe while the server runs. Passwords: use ~/.pgpass or PGPASSWORD rather than a
# URL, which `ps` shows. Prints the backup folder's path.
set -euo pipefail
umask 077

usage() { echo "usage: $0 --data DIR [--database URL] --out DIR" >&2; exit 2; }
data="" database="" out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data="${2:?}"; shift 2 ;;
        --database) database="${2:?}"; shift 2 ;;
        --out) out="${2:?}"; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$data" ] && [ -n "$out" ] || usage
[ -f "$data/server-key" ] || { echo "$0: $data is not a fieldapp server data folder (no server-key)" >&2; exit 1; }

dest="$out/fieldapp-backup-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
mkdir -m 700 "$dest"
trap 'echo "$0: backup failed; removing $dest" >&2; rm -rf "$dest"' ERR

# 1. the database
if [ -n "$database" ]; then
    url="${database/+psycopg2:/:}"
    url="${url/+psycopg:/:}"
    pg_dump --format=custom --no-owner --no-privileges --file="$dest/database.pgdump" "$url"
    files="database.pgdump"
else
    python3 - "$data/server.db" "$dest/server.db" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PY
    files="server.db"
fi

# 2. the data folder (after the database); tar exits 1 when a file changed while read
rc=0
tar -C "$data" --exclude='*.part' --exclude='*.lock' --exclude='./.start-lock' \
    --exclude='./server.db' --exclude='./server.db-*' -cf "$dest/data.tar" . || rc=$?
[ "$rc" -le 1 ] || false

# 3. checksums, checked by restore.sh
(cd "$dest" && sha256sum $files data.tar > SHA256SUMS)
trap - ERR
echo "$dest"
