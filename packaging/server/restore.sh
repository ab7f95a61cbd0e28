#!/bin/bash
# Restore a fieldapp server from a folder made by backup.sh, into a NEW data folder and an
# EMPTY database; then start `fieldapp server` on them (same --data, same --database).
#
#   restore.sh --from BACKUP_DIR --data NEW_DIR [--database URL]
#
# --from      a fieldapp-backup-<time>/ folder (its SHA256SUMS is checked first)
# --data      the data folder to create (must not exist, or be empty)
# --database  an empty PostgreSQL database (createdb it first), as a SQLAlchemy or libpq
#             URL; without it, the backup must hold a SQLite database (server.db)
#
# The receipt key and the TLS certificate and key come back with the data folder, so
# devices keep trusting the server (same receipt key, same pin in their invites). Every
# blob the database lists as complete is checked to be present. Run it as the user the
# server runs as, or chown -R the data folder to that user afterwards.
set -euo pipefail
umask 077

usage() { echo "usage: $0 --from BACKUP_DIR --data NEW_DIR [--database URL]" >&2; exit 2; }
from="" data="" database=""
while [ $# -gt 0 ]; do
    case "$1" in
        --from) from="${2:?}"; shift 2 ;;
        --data) data="${2:?}"; shift 2 ;;
        --database) database="${2:?}"; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$from" ] && [ -n "$data" ] || usage
fail() { echo "$0: $*" >&2; exit 1; }

[ -f "$from/SHA256SUMS" ] || fail "$from is not a backup made by backup.sh (no SHA256SUMS)"
(cd "$from" && sha256sum --quiet --check SHA256SUMS) || fail "the backup is damaged (checksums differ); nothing was restored"
if [ -e "$data" ] && [ -n "$(ls -A "$data")" ]; then
    fail "$data is not empty; restore into a new folder"
fi

if [ -n "$database" ]; then
    [ -f "$from/database.pgdump" ] || fail "this backup holds no PostgreSQL dump"
    url="${database/+psycopg2:/:}"
    url="${url/+psycopg:/:}"
    found=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
        --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    [ "$found" = "0" ] || fail "the database is not empty; create a new one (createdb) and restore into it"
    pg_restore --no-owner --no-privileges --single-transaction --exit-on-error \
        --dbname="$url" "$from/database.pgdump"
else
    [ -f "$from/server.db" ] || fail "this backup holds a PostgreSQL dump: give --database"
fi

mkdir -p -m 700 "$data"
chmod 700 "$data"
tar -C "$data" -xpf "$from/data.tar"
if [ -z "$database" ]; then
    cp "$from/server.db" "$data/server.db"
    chmod 600 "$data/server.db"
fi

# every blob the database lists as complete is in the folder
if [ -n "$database" ]; then
    complete=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
        --command="SELECT sha256 FROM blob WHERE complete")
else
    complete=$(python3 - "$data/server.db" <<'PY'
import sqlite3, sys
for (sha,) in sqlite3.connect(sys.argv[1]).execute("SELECT sha256 FROM blob WHERE complete"):
    print(sha)
PY
)
fi
missing=0
for sha in $complete; do
    [ -f "$data/blobs/$sha" ] || { echo "$0: blob $sha is missing" >&2; missing=$((missing + 1)); }
done
[ "$missing" -eq 0 ] || fail "$missing blob(s) missing from the backup"
echo "restored into $data$( [ -n "$database" ] && echo " and the database" ); $(echo "$complete" | grep -c . || true) blob(s)"
