#!/usr/bin/env bash
# Kyodo (協働) benchmark of `kyodo backup` and `kyodo restore` (issue 16). Not a test: nothing
# in the test suite runs it, and it asserts no timing.
#
# Starts `kyodo serve` with a private PostgreSQL cluster in a scratch folder, fills it with
# tests/bench/comments-data.sql (COMMENTS comments on a measure, a consultation with OPINIONS
# opinions), then times:
#   1. `kyodo backup FILE` while the server runs (as a nightly job does);
#   2. `kyodo restore FILE` into an empty data folder (initdb of a new cluster, pg_restore,
#      stop), then `kyodo serve` on it until /readyz answers;
# and checks that the restored database has the same number of comments and opinions.
# The summary (summary.md, with the machine) goes to target/bench/restore-<timestamp>/.
#
# Usage:
#   tests/bench/restore.sh
#   COMMENTS=1000 OPINIONS=100 tests/bench/restore.sh     # a quick check of the script
#
# Settings (environment):
#   COMMENTS=1000000  OPINIONS=10000
#   BENCH_PORT=8098
#   BENCH_DIR=/tmp/kyodo-bench-restore   the data folders and the backup; removed afterwards
#                           unless KEEP_DATA=1
#   APP=path                a kyodo binary to measure instead of building the working tree
#                           (the time is PostgreSQL's: a debug build measures the same)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

COMMENTS=${COMMENTS:-1000000}
OPINIONS=${OPINIONS:-10000}
BENCH_PORT=${BENCH_PORT:-8098}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-restore}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
BASE="http://127.0.0.1:${BENCH_PORT}"

# say, die, psql_kyodo, find_pg_bin, build_app, start_app, stop_app, bench_cleanup …
[[ $COMMENTS =~ ^[0-9]+$ && $OPINIONS =~ ^[0-9]+$ ]] || die "COMMENTS and OPINIONS are numbers"

# The globals tests/bench/lib.sh works with.
APP_PID=""
PG_SOCK=""
PG_PORT=""
CLUSTER=""
PG_LOG=""
CAPTURING=0

command -v curl >/dev/null || die "curl is needed"
find_pg_bin psql
build_app
OUT="target/bench/restore-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
curl -s -o /dev/null --max-time 2 "$BASE/" && die "something already answers on $BASE; stop it or set BENCH_PORT"
[ -e "$BENCH_DIR" ] && die "$BENCH_DIR exists; remove it or set BENCH_DIR"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SOURCE="$BENCH_DIR/source"
TARGET="$BENCH_DIR/restored"
FILE="$BENCH_DIR/kyodo.kyodo-backup"
mkdir -p "$BENCH_DIR"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
counts() {
    psql_kyodo -F ' ' -c "SELECT (SELECT count(*) FROM comments),
        (SELECT count(*) FROM consultation_comments),
        pg_size_pretty(pg_database_size('kyodo'))"
}
kyodo_in() { # data dir, command …
    local data=$1
    shift
    env -u DATABASE_URL KYODO_DATA_DIR="$data" RUST_LOG=warn "$APP" "$@"
}

start_app "$SOURCE"
say "generating $COMMENTS comments and $OPINIONS opinions"
psql_kyodo -v comments="$COMMENTS" -v opinions="$OPINIONS" -f tests/bench/comments-data.sql \
    >"$OUT/generate.log" 2>&1
psql_kyodo -c "VACUUM ANALYZE" >/dev/null
read -r SRC_COMMENTS SRC_OPINIONS SRC_SIZE _ < <(counts)
say "source: $SRC_COMMENTS comments, $SRC_OPINIONS opinions, database $SRC_SIZE"

say "kyodo backup $FILE (the server running)"
t0=$(now)
kyodo_in "$SOURCE" backup "$FILE" | tee "$OUT/backup.txt"
BACKUP_S=$(elapsed "$t0" "$(now)")
BACKUP_SIZE=$(du -h "$FILE" | cut -f1)
stop_app

say "kyodo restore $FILE into the empty folder $TARGET"
t0=$(now)
kyodo_in "$TARGET" restore "$FILE" | tee "$OUT/restore.txt"
RESTORE_S=$(elapsed "$t0" "$(now)")
t0=$(now)
start_app "$TARGET"
READY_S=$(elapsed "$t0" "$(now)")
read -r DST_COMMENTS DST_OPINIONS DST_SIZE _ < <(counts)
stop_app
[ "$DST_COMMENTS" = "$SRC_COMMENTS" ] && [ "$DST_OPINIONS" = "$SRC_OPINIONS" ] ||
    die "restored $DST_COMMENTS comments and $DST_OPINIONS opinions, not $SRC_COMMENTS and $SRC_OPINIONS"

{
    echo "# kyodo backup / restore"
    echo
    echo '```'
    echo "date: $(date -u '+%F %T UTC')"
    echo "built: $BUILT"
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), nproc $(nproc)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "postgres: $("$PG_BIN/postgres" --version)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo '```'
    echo
    echo "| data | database | backup file | backup | restore | restore, then serve ready |"
    echo "|---|---|---|---|---|---|"
    echo "| $SRC_COMMENTS comments, $SRC_OPINIONS opinions | $SRC_SIZE | $BACKUP_SIZE | ${BACKUP_S} s | ${RESTORE_S} s | +${READY_S} s |"
    echo
    echo "Restored: $DST_COMMENTS comments, $DST_OPINIONS opinions, database $DST_SIZE."
} | tee "$OUT/summary.md"
say "summary in $OUT/summary.md"
