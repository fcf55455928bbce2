#!/usr/bin/env bash
# Kyodo (協働) performance benchmark. Not a test: nothing in the test suite runs it.
#
# Builds the release binary, starts it the way a user does (`kyodo serve` with its own private
# PostgreSQL cluster in a scratch folder), then:
#   1. records the SQL statements each benchmarked URL sends, straight from PostgreSQL's log
#      (log_statement = 'all' for one request), and checks that tests/bench/measure-page.sql
#      is still exactly what /measures/6-1 runs;
#   2. runs wrk against /, /measures/6-1 and /api/v1/measures/6-1;
#   3. runs pgbench with tests/bench/measure-page.sql on the same cluster: the ceiling the
#      measure page could reach if rendering, HTTP and the pool cost nothing.
# During each run it also reads from /proc how the machine's CPU was shared between the app,
# PostgreSQL, the load generator and everything else (other people's compilers, say).
# Raw outputs and summary.md go to target/bench/<timestamp>/; docs/PERFORMANCE.md reads them.
#
# Usage:
#   tests/bench/bench.sh              # the benchmark (DURATION=30s by default)
#   tests/bench/bench.sh --capture    # only re-capture tests/bench/measure-page.sql
#
# Settings (environment):
#   DURATION=30s      length of each measured run (wrk and pgbench); s or m suffix
#   WARMUP=5s         unrecorded run before each measured one (0 to skip)
#   CONNECTIONS=32    wrk connections / pgbench clients
#   THREADS=2         wrk threads / pgbench threads
#   BENCH_PORT=8095   where the app listens (127.0.0.1)
#   BENCH_DIR=/tmp/kyodo-bench   KYODO_DATA_DIR of the app; removed afterwards if this
#                     script created it, unless KEEP_DATA=1
#   BENCH_REV=HEAD    measure a commit (exported with git archive, built in target/bench/)
#                     instead of the working tree
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$(pwd)

MODE=bench
case "${1:-}" in
    "") ;;
    --capture) MODE=capture ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
esac

DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BENCH_PORT=${BENCH_PORT:-8095}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench}
KEEP_DATA=${KEEP_DATA:-0}
BENCH_REV=${BENCH_REV:-}

BASE="http://127.0.0.1:${BENCH_PORT}"
SQL_FILE=tests/bench/measure-page.sql
# name → path; the names label output files and table rows.
NAMES=(home measure api-measure)
declare -A PATHS=([home]=/ [measure]=/measures/6-1 [api-measure]=/api/v1/measures/6-1)

say() { printf '[bench] %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# "30s" → 30, "2m" → 120, "45" → 45.
seconds() {
    case "$1" in
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
[[ $(seconds "$DURATION") =~ ^[0-9]+$ ]] || die "DURATION must look like 30s or 1m, not $DURATION"
[[ $(seconds "$WARMUP") =~ ^[0-9]+$ ]] || die "WARMUP must look like 5s or 0, not $WARMUP"

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)

# --- tools -----------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    say "installing wrk (Debian package)"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"

PG_BIN=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$PG_BIN/pgbench" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$PG_BIN/pgbench" ] && [ -x "$PG_BIN/psql" ] ||
    die "pgbench and psql not found (pg_config --bindir, /usr/lib/postgresql/*/bin); apt-get install postgresql"

if [ -n "$BENCH_REV" ]; then
    # A committed revision, exported with git archive: other people's unfinished edits in the
    # working tree neither break the build nor end up in the figures.
    COMMIT=$(git rev-parse --short "$BENCH_REV^{commit}")
    SRC="target/bench/src-$COMMIT"
    if [ ! -f "$SRC/Cargo.toml" ]; then
        rm -rf "$SRC"
        mkdir -p "$SRC"
        git archive "$COMMIT" | tar -x -C "$SRC"
    fi
    say "building the release binary of $COMMIT (git archive in $SRC)"
    (cd "$SRC" && CARGO_TARGET_DIR="$ROOT/target/bench/target" cargo build --release --locked --quiet)
    APP=target/bench/target/release/kyodo
    BUILT="commit $COMMIT, exported with git archive (BENCH_REV=$BENCH_REV)"
else
    COMMIT=$(git rev-parse --short HEAD)
    say "building the release binary of the working tree"
    cargo build --release --quiet
    APP=target/release/kyodo
    BUILT="working tree on $COMMIT ($(git status --porcelain | wc -l) files changed or added)"
fi

# --- the app -----------------------------------------------------------------------------------

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$MODE" = bench ]; then
    OUT="target/bench/$STAMP"
else
    OUT=$(mktemp -d /tmp/kyodo-bench-capture.XXXXXX)
fi
mkdir -p "$OUT"

if curl -s -o /dev/null --max-time 2 "$BASE/"; then
    die "something already answers on $BASE; stop it or set BENCH_PORT"
fi

CREATED_DATA=0
[ -e "$BENCH_DIR" ] || CREATED_DATA=1
CLUSTER="$BENCH_DIR/postgres"
PG_LOG="$BENCH_DIR/postgres.log"
APP_PID=""
PG_SOCK=""
PG_PORT=""
CAPTURING=0

# psql_kyodo, capture, accounted … (shared with tests/bench/proposals.sh)
source tests/bench/lib.sh

cleanup() {
    local status=$?
    set +e
    if [ "$CAPTURING" = 1 ] && [ -n "$PG_SOCK" ]; then
        set_statement_logging reset
    fi
    if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
        say "stopping the app (pid $APP_PID) and its PostgreSQL cluster"
        kill -TERM "$APP_PID"
        wait "$APP_PID"
    fi
    if [ -f "$CLUSTER/postmaster.pid" ]; then
        say "PostgreSQL still runs in $CLUSTER; stopping it"
        local owner
        owner=$(stat -c %U "$CLUSTER")
        if [ "$(id -u)" -eq 0 ] && [ "$owner" != root ]; then
            runuser -u "$owner" -- "$PG_BIN/pg_ctl" -D "$CLUSTER" -m fast -w stop >/dev/null
        else
            "$PG_BIN/pg_ctl" -D "$CLUSTER" -m fast -w stop >/dev/null
        fi
    fi
    if [ "$CREATED_DATA" = 1 ] && [ "$KEEP_DATA" != 1 ] && [ ! -f "$CLUSTER/postmaster.pid" ]; then
        rm -rf "$BENCH_DIR"
        if [ -n "$PG_SOCK" ] && [ -d "$PG_SOCK" ]; then rm -rf "$PG_SOCK"; fi
    fi
    if [ "$MODE" = capture ]; then rm -rf "$OUT"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting $APP serve on $BASE (data in $BENCH_DIR)"
env -u DATABASE_URL KYODO_DATA_DIR="$BENCH_DIR" KYODO_LISTEN="127.0.0.1:$BENCH_PORT" RUST_LOG=warn \
    "$APP" serve >"$OUT/app.log" 2>&1 &
APP_PID=$!

ready=0
for _ in $(seq 120); do
    kill -0 "$APP_PID" 2>/dev/null || {
        cat "$OUT/app.log" >&2
        APP_PID=""
        die "the app exited before it was ready"
    }
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz")" = 200 ]; then
        ready=1
        break
    fi
    sleep 0.5
done
[ "$ready" = 1 ] || die "/readyz did not answer 200 within 60 s (see $OUT/app.log)"
say "$(grep -m1 'serving on' "$OUT/app.log" || echo ready)"

# postmaster.pid: line 4 is the port, line 5 the socket folder.
[ -f "$CLUSTER/postmaster.pid" ] || die "no $CLUSTER/postmaster.pid: the app did not start its cluster there"
PG_PORT=$(sed -n 4p "$CLUSTER/postmaster.pid")
PG_SOCK=$(sed -n 5p "$CLUSTER/postmaster.pid")
say "PostgreSQL: socket $PG_SOCK, port $PG_PORT, binaries $PG_BIN"

for name in "${NAMES[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE${PATHS[$name]}")
    [ "$code" = 200 ] || die "${PATHS[$name]} answers $code, not 200"
done

if [ "$MODE" = capture ]; then
    capture /measures/6-1 "$OUT/measure.log" >"$OUT/measure.sql"
    {
        echo "-- The SQL statements GET /measures/6-1 sends, in order, as one pgbench transaction."
        echo "-- Captured from PostgreSQL itself by \`tests/bench/bench.sh --capture\` on $(date -u +%F)"
        echo "-- from a release build of the $BUILT:"
        echo "-- log_statement = 'all' on the app's cluster for one request, the bind parameters"
        echo "-- (\$1 …) written in as the literals the log shows."
        echo "-- The email worker's polling, on the same pool, is left out."
        echo "-- The app sends no BEGIN/COMMIT: each statement is its own transaction, as here."
        echo "-- tests/bench/bench.sh re-captures the statements on every run and warns if they differ."
        cat "$OUT/measure.sql"
    } >"$SQL_FILE"
    say "wrote $SQL_FILE ($(grep -c ";$" "$OUT/measure.sql") statements)"
    exit 0
fi

[ -f "$SQL_FILE" ] || die "$SQL_FILE is missing; create it with tests/bench/bench.sh --capture"
declare -A STATEMENTS
for name in "${NAMES[@]}"; do
    capture "${PATHS[$name]}" "$OUT/statements-$name.log" >"$OUT/statements-$name.sql"
    STATEMENTS[$name]=$(grep -c ";$" "$OUT/statements-$name.sql")
    say "${PATHS[$name]} sends ${STATEMENTS[$name]} statements"
done
[ "$(psql_kyodo -c 'SHOW log_statement')" = none ] || die "log_statement is still on"
SQL_CURRENT=yes
if ! diff <(statements_of "$SQL_FILE") "$OUT/statements-measure.sql" >"$OUT/measure-page-sql.diff"; then
    SQL_CURRENT=no
    say "WARNING: $SQL_FILE is not what /measures/6-1 sends now (see $OUT/measure-page-sql.diff);"
    say "         re-capture it with tests/bench/bench.sh --capture"
fi
SAME_SQL=no
cmp -s "$OUT/statements-measure.sql" "$OUT/statements-api-measure.sql" && SAME_SQL=yes

# --- machine -------------------------------------------------------------------------------------

CPU=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
CORES=$(nproc)
{
    echo "date: $(date -u '+%F %T UTC')"
    echo "built: $BUILT"
    echo "cpu: $CPU, nproc $CORES"
    echo "kernel: $(uname -sr)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "rustc: $(rustc --version)"
    echo "postgres: $("$PG_BIN/postgres" --version)"
    echo "wrk: $(wrk -v 2>&1 | head -n 1 || true)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
sed 's/^/[bench] /' "$OUT/machine.txt" >&2

# --- runs ------------------------------------------------------------------------------------------

declare -A RPS P50 P99 ERRORS
for name in "${NAMES[@]}"; do
    url="$BASE${PATHS[$name]}"
    if [ "$(seconds "$WARMUP")" -gt 0 ]; then
        say "warm-up $WARMUP: $url"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >"$OUT/warmup-$name.txt"
    fi
    say "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    accounted "$name" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$OUT/wrk-$name.txt"
    f="$OUT/wrk-$name.txt"
    RPS[$name]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
    P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$f")
    ERRORS[$name]="${non2xx:+non-2xx $non2xx }${sock:+socket errors: $sock}"
    say "  ${RPS[$name]} req/s, p50 ${P50[$name]} ms, p99 ${P99[$name]} ms; CPU app/pg/wrk ${SPLIT[$name]} %, others ${OTHERS[$name]} ${ERRORS[$name]}"
done

PGBENCH=("$PG_BIN/pgbench" -n -c"$CONNECTIONS" -j"$THREADS" -M prepared -f "$SQL_FILE"
    -h "$PG_SOCK" -p "$PG_PORT" -U postgres)
if [ "$(seconds "$WARMUP")" -gt 0 ]; then
    say "warm-up $WARMUP: pgbench"
    "${PGBENCH[@]}" -T"$(seconds "$WARMUP")" kyodo >"$OUT/warmup-pgbench.txt" 2>&1
fi
say "pgbench -n -c$CONNECTIONS -j$THREADS -T$(seconds "$DURATION") -M prepared -f $SQL_FILE --log (socket $PG_SOCK)"
accounted pgbench "${PGBENCH[@]}" -T"$(seconds "$DURATION")" --log --log-prefix="$OUT/pgbench-log" kyodo >"$OUT/pgbench.txt" 2>&1 ||
    {
        cat "$OUT/pgbench.txt" >&2
        die "pgbench failed"
    }
TPS=$(awk '/^tps = / {printf "%.0f", $3; exit}' "$OUT/pgbench.txt")
PG_AVG=$(awk '/^latency average = / {printf "%.2f", $4}' "$OUT/pgbench.txt")
PG_FAILED=$(awk -F': ' '/^number of failed transactions/ {print $2}' "$OUT/pgbench.txt")
# Per-transaction log, one file per thread: client, transaction, latency (µs), …
read -r PG_N PG_P50 PG_P99 < <(cat "$OUT"/pgbench-log.* | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END {
        i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
        i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
        printf "%d %.2f %.2f\n", NR, v[i50] / 1000, v[i99] / 1000
    }')
gzip -q "$OUT"/pgbench-log.*
say "  $TPS tps, p50 $PG_P50 ms, p99 $PG_P99 ms, average $PG_AVG ms ($PG_N transactions); CPU app/pg/pgbench ${SPLIT[pgbench]} %, others ${OTHERS[pgbench]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
RATIO=$(ratio "${RPS[measure]}" "$TPS")
RATIO_API=$(ratio "${RPS[api-measure]}" "$TPS")

# --- summary -------------------------------------------------------------------------------------

{
    echo "# Kyodo benchmark $STAMP"
    echo
    echo '```'
    cat "$OUT/machine.txt"
    echo '```'
    echo
    echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up);"
    echo "pgbench -n -c$CONNECTIONS -j$THREADS -T$(seconds "$DURATION") -M prepared -f $SQL_FILE."
    echo "wrk, the app and PostgreSQL (pgbench and PostgreSQL) share the same $CORES cores."
    echo "CPU columns: share of all $CORES cores during the run (100 % = every core busy), from"
    echo "/proc: the app, its PostgreSQL (postmaster and backends), the load generator (wrk or"
    echo "pgbench), and every other process on the machine (0 % = nothing else ran)."
    echo
    echo "| Target | Statements per request | Requests/s | p50 (ms) | p99 (ms) | CPU app/PostgreSQL/load generator (%) | CPU other processes | Errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    for name in "${NAMES[@]}"; do
        echo "| GET ${PATHS[$name]} | ${STATEMENTS[$name]} | ${RPS[$name]} | ${P50[$name]} | ${P99[$name]} | ${SPLIT[$name]} | ${OTHERS[$name]} | ${ERRORS[$name]:-none} |"
    done
    echo "| pgbench, measure-page.sql | ${STATEMENTS[measure]} | $TPS tps | $PG_P50 | $PG_P99 | ${SPLIT[pgbench]} | ${OTHERS[pgbench]} | ${PG_FAILED:-0} failed |"
    echo
    echo "pgbench latency average: $PG_AVG ms over $PG_N transactions."
    echo
    echo "Ratio GET /measures/6-1 req/s ÷ pgbench tps: **$RATIO**" \
        "(GET /api/v1/measures/6-1: $RATIO_API; same statements as the page: $SAME_SQL)."
    echo
    echo "$SQL_FILE is what /measures/6-1 sends now: $SQL_CURRENT."
} >"$OUT/summary.md"

echo
cat "$OUT/summary.md"
echo
say "raw outputs in $OUT/"
