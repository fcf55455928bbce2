#!/usr/bin/env bash
# Kyodo (協働) benchmark of people and email (issue 4). Not a test: nothing in the test suite
# runs it, and it asserts no timing.
#
# Builds the release binary, starts a loopback SMTP server (Python's aiosmtpd, writing to a
# Maildir) and `kyodo serve` with its private PostgreSQL cluster in a scratch folder, with
# KYODO_TRUST_PROXY=true so that sign-ins can come from many addresses (X-Forwarded-For) and
# the sign-in limit per address does not stop the benchmark. Then:
#   0. creates a verified account (kyodo create-admin, password on standard input);
#   1. page latency alone: wrk on GET /measures/6-1;
#   2. sign-in throughput: wrk with tests/bench/login.lua (POST /login, every answer must be a
#      303), after one run with a single connection (one sign-in at a time ≈ one argon2id hash);
#   3. page latency under sign-in load: 1 and 2 at the same time, two wrk processes;
#   4. outbox delivery rate: N rows inserted straight into `outbox`, timed until the worker has
#      marked them all sent and the Maildir holds N messages, each outbox id exactly once.
# Raw outputs and summary.md go to target/bench/people-<timestamp>/.
#
# Settings (environment):
#   DURATION=20s   length of each measured wrk run (s or m suffix)
#   WARMUP=5s      unrecorded run before the page and sign-in runs (0 to skip)
#   CONNECTIONS=8  wrk connections of each load (page, sign-in)
#   MAILS=2000     emails for the outbox run
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

case "${1:-}" in
    "") ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
esac

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-8}
MAILS=${MAILS:-2000}

PORT=8096
BASE="http://127.0.0.1:$PORT"
PAGE=/measures/6-1
DATA_DIR=/tmp/kyodo-bench-people
CLUSTER="$DATA_DIR/postgres"
EMAIL=bench@example.jp
NAME=ベンチ
# Must pass the password policy: 12+ characters, not common, not the email's local part.
PASSWORD=kawa-no-nagare-honjo-2026
LOGIN_LUA=tests/bench/login.lua

say() { printf '[people] %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

seconds() {
    case "$1" in
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
[[ $(seconds "$DURATION") =~ ^[0-9]+$ ]] || die "DURATION must look like 20s or 1m, not $DURATION"
[[ $(seconds "$WARMUP") =~ ^[0-9]+$ ]] || die "WARMUP must look like 5s or 0, not $WARMUP"
[[ $MAILS =~ ^[0-9]+$ ]] && [ "$MAILS" -gt 0 ] || die "MAILS must be a positive number, not $MAILS"
DSECS=$(seconds "$DURATION")

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)

# --- tools -------------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    say "installing wrk (Debian package)"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null || die "curl is needed"
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    say "installing aiosmtpd (pip)"
    # A Debian system Python refuses plain `pip install` (PEP 668); then install it anyway.
    python3 -m pip install --quiet aiosmtpd >&2 ||
        python3 -m pip install --quiet --break-system-packages aiosmtpd >&2 || true
    python3 -c 'import aiosmtpd' >/dev/null 2>&1 ||
        die "could not install Python's aiosmtpd; try: python3 -m pip install aiosmtpd"
fi

PG_BIN=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$PG_BIN/psql" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$PG_BIN/psql" ] || die "psql not found (pg_config --bindir, /usr/lib/postgresql/*/bin)"

COMMIT=$(git rev-parse --short HEAD)
say "building the release binary of the working tree"
cargo build --release --quiet
APP=target/release/kyodo
BUILT="working tree on $COMMIT ($(git status --porcelain | wc -l) files changed or added)"

# --- scratch folders, SMTP server, app ---------------------------------------------------------

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="target/bench/people-$STAMP"
mkdir -p "$OUT"

if curl -s -o /dev/null --max-time 2 "$BASE/"; then
    die "something already answers on $BASE; stop it first"
fi
if [ -e "$DATA_DIR" ]; then
    [ ! -f "$CLUSTER/postmaster.pid" ] ||
        die "$DATA_DIR holds a PostgreSQL cluster that may be running (a previous run?); stop it and remove the folder"
    say "removing the leftover $DATA_DIR"
    rm -rf "$DATA_DIR"
fi

SMTP_DIR=$(mktemp -d /tmp/kyodo-bench-smtp.XXXXXX)
MAILDIR="$SMTP_DIR/maildir"
APP_PID=""
SMTP_PID=""
PG_SOCK=""
PG_PORT=""
WRK_PIDS=()

cleanup() {
    local status=$?
    set +e
    for pid in "${WRK_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill "$pid" && wait "$pid"
    done
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
    if [ -n "$SMTP_PID" ] && kill -0 "$SMTP_PID" 2>/dev/null; then
        kill "$SMTP_PID"
        wait "$SMTP_PID"
    fi
    if [ ! -f "$CLUSTER/postmaster.pid" ]; then
        rm -rf "$DATA_DIR"
        if [ -n "$PG_SOCK" ] && [ -d "$PG_SOCK" ]; then rm -rf "$PG_SOCK"; fi
    fi
    rm -rf "$SMTP_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SMTP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "starting aiosmtpd on 127.0.0.1:$SMTP_PORT (Maildir $MAILDIR)"
python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAILDIR" \
    </dev/null >"$OUT/aiosmtpd.log" 2>&1 &
SMTP_PID=$!
for _ in $(seq 100); do
    kill -0 "$SMTP_PID" 2>/dev/null || {
        cat "$OUT/aiosmtpd.log" >&2
        SMTP_PID=""
        die "aiosmtpd exited before accepting connections"
    }
    if [ -d "$MAILDIR/new" ] && (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
        break
    fi
    sleep 0.2
done
[ -d "$MAILDIR/new" ] || die "aiosmtpd did not come up within 20 s (see $OUT/aiosmtpd.log)"

say "starting $APP serve on $BASE (data in $DATA_DIR)"
env -u DATABASE_URL KYODO_DATA_DIR="$DATA_DIR" KYODO_LISTEN="127.0.0.1:$PORT" KYODO_TRUST_PROXY=true \
    SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" RUST_LOG=warn \
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

# postmaster.pid: line 4 is the port, line 5 the socket folder.
[ -f "$CLUSTER/postmaster.pid" ] || die "no $CLUSTER/postmaster.pid: the app did not start its cluster there"
PG_PORT=$(sed -n 4p "$CLUSTER/postmaster.pid")
PG_SOCK=$(sed -n 5p "$CLUSTER/postmaster.pid")
say "PostgreSQL: socket $PG_SOCK, port $PG_PORT"
psql_kyodo() {
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo "$@"
}

# --- 0. the account ------------------------------------------------------------------------------
#
# Through DATABASE_URL, the running cluster's socket. KYODO_DATA_DIR would do as well: create-admin
# would find the cluster running, reuse it and leave it running on exit (it stops only a cluster
# it started itself).
SOCK_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_SOCK")
DB_URL="postgresql://postgres@localhost/kyodo?host=$SOCK_ENC&port=$PG_PORT"
say "creating the verified account $EMAIL (kyodo create-admin)"
printf '%s\n' "$PASSWORD" | DATABASE_URL="$DB_URL" RUST_LOG=warn "$APP" create-admin --email "$EMAIL" --name "$NAME" \
    >"$OUT/create-admin.log" 2>&1 || {
    cat "$OUT/create-admin.log" >&2
    die "kyodo create-admin failed"
}
kill -0 "$APP_PID" 2>/dev/null || die "the app stopped while the account was created (see $OUT/app.log)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$PAGE")" = 200 ] || die "$PAGE does not answer 200"
# One sign-in by hand: it must answer 303 before wrk is let loose.
TOKEN=kyodo-bench-people-csrf-token-0123456789abc
code=$(curl -s -o "$OUT/first-sign-in.html" -w '%{http_code}' -H "Cookie: kyodo_csrf=$TOKEN" \
    -H 'X-Forwarded-For: 10.255.255.254' --data "csrf=$TOKEN&email=bench%40example.jp&password=$PASSWORD&next=%2F" \
    "$BASE/login")
[ "$code" = 303 ] || die "a sign-in answers $code, not 303 (see $OUT/first-sign-in.html)"

# --- machine -------------------------------------------------------------------------------------

CPU=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
CORES=$(nproc)
{
    echo "date: $(date -u '+%F %T UTC')"
    echo "built: $BUILT"
    echo "cpu: $CPU, nproc $CORES"
    echo "kernel: $(uname -sr)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "postgres: $("$PG_BIN/postgres" --version 2>/dev/null || "$PG_BIN/psql" --version)"
    echo "wrk: $(wrk -v 2>&1 | head -n 1 || true)"
    echo "aiosmtpd: $(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
sed 's/^/[people] /' "$OUT/machine.txt" >&2

# --- helpers ---------------------------------------------------------------------------------------

# wrk prints 812.00us, 1.23ms, 1.02s, 1.50m; → milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) print "?"; else printf "%.2f", n * f
    }'
}
rps() { awk '/^Requests\/sec:/ {printf "%.1f", $2}' "$1"; }
pct() { to_ms "$(awk -v p="$2" '$1 == p {print $2}' "$1")"; }
requests() { awk '/requests in/ {print $1; exit}' "$1"; }
# wrk's own error lines (sockets, timeouts, status ≥ 400), "" when none.
wrk_errors() {
    local non2xx sock
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$1")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$1")
    echo "${non2xx:+status ≥ 400: $non2xx }${sock:+socket errors: $sock}"
}
non303() { awk '/^non-303:/ {print $2}' "$1"; }
statuses() { sed -n 's/^statuses: //p' "$1"; }

# The share of the machine's CPU (in % of all cores) that processes other than the app, its
# PostgreSQL, aiosmtpd and wrk used during a run: other engineers' builds and tests.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { # pid [with reaped children]
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        echo 0
        return
    }
    awk -v all="${2:-}" '{ print $12 + $13 + (all ? $14 + $15 : 0) }' <<<"${stat##*) }"
}
OURS=0
ours_ticks() { # → OURS; `times` must run in this shell (it reports reaped children: wrk)
    local postmaster total child
    postmaster=$(sed -n 1p "$CLUSTER/postmaster.pid")
    total=$(($(proc_ticks "$APP_PID" all) + $(proc_ticks "$postmaster" all) + $(proc_ticks "$SMTP_PID")))
    for child in $(pgrep -P "$postmaster"); do total=$((total + $(proc_ticks "$child"))); done
    times >"$OUT/.times"
    OURS=$(awk -v hz="$(getconf CLK_TCK)" -v t="$total" 'NR == 2 {
        split($1, u, /[ms]/); split($2, k, /[ms]/)
        printf "%d\n", t + (u[1] * 60 + u[2] + k[1] * 60 + k[2]) * hz }' "$OUT/.times")
    rm -f "$OUT/.times"
}
BUSY0=0 TOTAL0=0 OURS0=0
account_start() {
    read -r BUSY0 TOTAL0 < <(machine_ticks)
    ours_ticks
    OURS0=$OURS
}
# → OTHERS, the others' share. Not in a subshell either (`X=$(account_end)`): a subshell's
# `times` starts again from zero, so wrk's and the release build's CPU would count as others'.
OTHERS=""
account_end() {
    local busy1 total1
    read -r busy1 total1 < <(machine_ticks)
    ours_ticks
    OTHERS=$(awk -v b=$((busy1 - BUSY0)) -v o=$((OURS - OURS0)) -v t=$((total1 - TOTAL0)) \
        'BEGIN { x = (b - o) / t * 100; if (x < 0) x = 0; printf "%.0f %%", x }')
}

wrk_page() { # duration output
    wrk -t1 -c"$CONNECTIONS" -d"$1" --latency "$BASE$PAGE" >"$2"
}
wrk_login() { # duration connections run-number output
    wrk -t1 -c"$2" -d"$1" --latency -s "$LOGIN_LUA" "$BASE" -- "$3" "$EMAIL" "$PASSWORD" >"$4"
}

# --- 1. page alone -------------------------------------------------------------------------------

if [ "$(seconds "$WARMUP")" -gt 0 ]; then
    say "warm-up $WARMUP: GET $PAGE and POST /login"
    wrk_page "$WARMUP" "$OUT/warmup-page.txt"
    wrk_login "$WARMUP" "$CONNECTIONS" 1 "$OUT/warmup-login.txt"
fi

say "1. page alone: wrk -t1 -c$CONNECTIONS -d$DURATION --latency $BASE$PAGE"
account_start
wrk_page "$DURATION" "$OUT/wrk-page-alone.txt"
account_end
OTHERS_PAGE=$OTHERS
PAGE_RPS=$(rps "$OUT/wrk-page-alone.txt")
PAGE_P50=$(pct "$OUT/wrk-page-alone.txt" 50%)
PAGE_P99=$(pct "$OUT/wrk-page-alone.txt" 99%)
PAGE_ERR=$(wrk_errors "$OUT/wrk-page-alone.txt")
say "   $PAGE_RPS req/s, p50 $PAGE_P50 ms, p99 $PAGE_P99 ms; other processes $OTHERS_PAGE CPU ${PAGE_ERR}"

# --- 2. sign-ins -------------------------------------------------------------------------------

say "2a. one sign-in at a time: wrk -t1 -c1 -d$DURATION --latency -s $LOGIN_LUA"
account_start
wrk_login "$DURATION" 1 2 "$OUT/wrk-login-c1.txt"
account_end
OTHERS_ONE=$OTHERS
ONE_RPS=$(rps "$OUT/wrk-login-c1.txt")
ONE_P50=$(pct "$OUT/wrk-login-c1.txt" 50%)
ONE_P99=$(pct "$OUT/wrk-login-c1.txt" 99%)
ONE_BAD=$(non303 "$OUT/wrk-login-c1.txt")
say "   $ONE_RPS sign-ins/s, p50 $ONE_P50 ms, p99 $ONE_P99 ms; non-303: $ONE_BAD; other processes $OTHERS_ONE CPU"

say "2b. sign-in throughput: wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s $LOGIN_LUA"
account_start
wrk_login "$DURATION" "$CONNECTIONS" 3 "$OUT/wrk-login.txt"
account_end
OTHERS_LOGIN=$OTHERS
LOGIN_RPS=$(rps "$OUT/wrk-login.txt")
LOGIN_N=$(requests "$OUT/wrk-login.txt")
LOGIN_P50=$(pct "$OUT/wrk-login.txt" 50%)
LOGIN_P99=$(pct "$OUT/wrk-login.txt" 99%)
LOGIN_BAD=$(non303 "$OUT/wrk-login.txt")
LOGIN_STATUSES=$(statuses "$OUT/wrk-login.txt")
LOGIN_ERR=$(wrk_errors "$OUT/wrk-login.txt")
say "   $LOGIN_RPS sign-ins/s ($LOGIN_N), p50 $LOGIN_P50 ms, p99 $LOGIN_P99 ms; statuses $LOGIN_STATUSES; other processes $OTHERS_LOGIN CPU ${LOGIN_ERR}"
grep '^non-303 sample:' "$OUT/wrk-login.txt" >&2 || true

# --- 3. page during sign-ins -------------------------------------------------------------------------
#
# The sign-in load starts 1 s before the page run and ends 1 s after it, so every page request
# meets it.

say "3. page during sign-ins: both wrk runs at once (sign-ins $((DSECS + 2))s around the page's $DURATION)"
account_start
wrk_login "$((DSECS + 2))s" "$CONNECTIONS" 4 "$OUT/wrk-login-during.txt" &
WRK_PIDS+=($!)
sleep 1
wrk_page "$DURATION" "$OUT/wrk-page-during.txt"
wait "${WRK_PIDS[@]}"
WRK_PIDS=()
account_end
OTHERS_BOTH=$OTHERS
BOTH_RPS=$(rps "$OUT/wrk-page-during.txt")
BOTH_P50=$(pct "$OUT/wrk-page-during.txt" 50%)
BOTH_P99=$(pct "$OUT/wrk-page-during.txt" 99%)
BOTH_MAX=$(to_ms "$(awk '$1 == "Latency" {print $4; exit}' "$OUT/wrk-page-during.txt")")
PAGE_MAX=$(to_ms "$(awk '$1 == "Latency" {print $4; exit}' "$OUT/wrk-page-alone.txt")")
BOTH_ERR=$(wrk_errors "$OUT/wrk-page-during.txt")
DURING_RPS=$(rps "$OUT/wrk-login-during.txt")
DURING_P50=$(pct "$OUT/wrk-login-during.txt" 50%)
DURING_P99=$(pct "$OUT/wrk-login-during.txt" 99%)
DURING_BAD=$(non303 "$OUT/wrk-login-during.txt")
DURING_STATUSES=$(statuses "$OUT/wrk-login-during.txt")
say "   page: $BOTH_RPS req/s, p50 $BOTH_P50 ms, p99 $BOTH_P99 ms, max $BOTH_MAX ms ${BOTH_ERR}"
say "   sign-ins meanwhile: $DURING_RPS/s, p50 $DURING_P50 ms, p99 $DURING_P99 ms; statuses $DURING_STATUSES; other processes $OTHERS_BOTH CPU"
grep '^non-303 sample:' "$OUT/wrk-login-during.txt" >&2 || true

# --- 4. outbox delivery ---------------------------------------------------------------------------

[ "$(psql_kyodo -c 'SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL')" = 0 ] ||
    die "the outbox holds unsent emails before the run"
before=$(find "$MAILDIR/new" -type f | wc -l)
say "4. outbox: inserting $MAILS emails ($before in the Maildir before)"
now() { date +%s.%N; }
account_start
T0=$(now)
read -r FIRST_ID LAST_ID INSERTED < <(psql_kyodo -F ' ' -c "
    WITH ins AS (
        INSERT INTO outbox (to_address, to_name, subject, text_body, html_body, category, unsubscribe_url)
        SELECT 'resident' || i || '@example.jp', '本庄 花子 ' || i,
               '【協働 Kyodo】施策 6-1 の成果指標が更新されました (' || i || ')',
               '本庄 花子 ' || i || ' 様' || E'\n\n' ||
               repeat('フォローしている施策「6-1」の成果指標に新しい実績値が登録されました。' || E'\n', 6) ||
               E'\nhttp://127.0.0.1:8096/measures/6-1\n\n配信の停止: http://127.0.0.1:8096/unsubscribe?token=x\n',
               '<p>本庄 花子 ' || i || ' 様</p>' ||
               repeat('<p>フォローしている施策「6-1」の成果指標に新しい実績値が登録されました。</p>', 6) ||
               '<p><a href=\"http://127.0.0.1:8096/measures/6-1\">施策 6-1</a></p>',
               'notification', 'http://127.0.0.1:8096/unsubscribe?token=x'
        FROM generate_series(1, $MAILS) AS i
        RETURNING id
    )
    SELECT min(id), max(id), count(*) FROM ins")
T_INSERTED=$(now)
[ "$INSERTED" = "$MAILS" ] || die "inserted $INSERTED rows, not $MAILS"

T_SENT="" T_FILES="" sent=0 files=0 last_progress=$(now) last_count=-1
while :; do
    if [ -z "$T_SENT" ]; then
        sent=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND id BETWEEN $FIRST_ID AND $LAST_ID")
        [ "$sent" = "$MAILS" ] && T_SENT=$(now)
    fi
    if [ -z "$T_FILES" ]; then
        files=$(($(find "$MAILDIR/new" -type f | wc -l) - before))
        [ "$files" -ge "$MAILS" ] && T_FILES=$(now)
    fi
    [ -n "$T_SENT" ] && [ -n "$T_FILES" ] && break
    if [ "$((sent + files))" != "$last_count" ]; then
        last_count=$((sent + files))
        last_progress=$(now)
    elif awk -v a="$(now)" -v b="$last_progress" 'BEGIN { exit !(a - b > 30) }'; then
        say "no progress for 30 s: $sent of $MAILS marked sent, $files in the Maildir"
        break
    fi
    sleep 0.2
done
account_end
OTHERS_MAIL=$OTHERS
FAILED=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID AND (attempts > 1 OR failed_at IS NOT NULL OR last_error IS NOT NULL)")
# The worker's own clock: first to last sent_at, without the wait for its next poll.
read -r SPAN_DB < <(psql_kyodo -c "SELECT extract(epoch FROM max(sent_at) - min(sent_at)) FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID")
# The time between two consecutive emails, from the same clock: median and 90th percentile (ms).
read -r GAP_P50 GAP_P90 < <(psql_kyodo -F ' ' -c "
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)::numeric, 1),
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY gap)::numeric, 1)
    FROM (SELECT extract(epoch FROM sent_at - lag(sent_at) OVER (ORDER BY sent_at)) * 1000 AS gap
          FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID) AS gaps
    WHERE gap IS NOT NULL")
# Exactly once: each outbox id in exactly one message (Message-ID <kyodo.ID.MICROS@…>).
find "$MAILDIR/new" -type f -print0 | xargs -0 -r grep -h -m1 -i '^Message-ID:' |
    sed -n 's/.*<kyodo\.\([0-9]*\)\..*/\1/p' | sort -n >"$OUT/mail-ids.txt"
FILES_NOW=$(($(find "$MAILDIR/new" -type f | wc -l) - before))
IDS_DISTINCT=$(awk -v a="$FIRST_ID" -v b="$LAST_ID" '$1 >= a && $1 <= b' "$OUT/mail-ids.txt" | sort -u | wc -l)
IDS_DUP=$(uniq -d "$OUT/mail-ids.txt" | wc -l)
if [ "$FILES_NOW" = "$MAILS" ] && [ "$IDS_DISTINCT" = "$MAILS" ] && [ "$IDS_DUP" = 0 ]; then
    ONCE="yes: $MAILS messages in the Maildir, each outbox id exactly once"
else
    ONCE="NO: $FILES_NOW messages in the Maildir, $IDS_DISTINCT distinct outbox ids of $MAILS, $IDS_DUP ids more than once"
fi
el() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print "-"; else printf "%.2f", a - b }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s == "-" || s <= 0) print "-"; else printf "%.0f", n / s }'; }
SENT_S=$(el "$T_SENT" "$T0")
FILES_S=$(el "$T_FILES" "$T0")
INSERT_S=$(el "$T_INSERTED" "$T0")
SPAN_DB=$(awk -v s="$SPAN_DB" 'BEGIN { printf "%.2f", s }')
MAIL_RATE=$(rate "$MAILS" "$SENT_S")
MAIL_RATE_DB=$(rate "$((MAILS - 1))" "$SPAN_DB")
say "   insert $INSERT_S s; all marked sent after $SENT_S s ($MAIL_RATE mails/s), all in the Maildir after $FILES_S s"
say "   worker's clock, first to last sent_at: $SPAN_DB s ($MAIL_RATE_DB mails/s); one email every $GAP_P50 ms (median, p90 $GAP_P90 ms); retried or failed: $FAILED"
say "   exactly once: $ONCE; other processes $OTHERS_MAIL CPU"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
APP_WARN=$(grep -cE 'WARN|ERROR' "$OUT/app.log" || true)

# --- summary ----------------------------------------------------------------------------------------

SLOTS=$((CORES > 1 ? CORES - 1 : 1))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "-"; else printf "%.1f", a / b }'; }
{
    echo "# Kyodo people benchmark $STAMP"
    echo
    echo '```'
    cat "$OUT/machine.txt"
    echo '```'
    echo
    echo "\`tests/bench/people.sh\`: \`kyodo serve\` with KYODO_TRUST_PROXY=true and SMTP_URL pointing"
    echo "at aiosmtpd on loopback; wrk -t1, $CONNECTIONS connections per load, $DURATION per run"
    echo "(after a $WARMUP warm-up); sign-ins with tests/bench/login.lua (a new X-Forwarded-For"
    echo "address per request). wrk, the app, PostgreSQL and aiosmtpd share the same $CORES cores."
    echo "\"Others' CPU\": the machine's busy time minus that of the app, PostgreSQL, aiosmtpd and"
    echo "wrk, in % of all cores (0 % = nobody else used the machine)."
    echo
    echo "| Run | Requests/s | p50 (ms) | p99 (ms) | max (ms) | Answers | Others' CPU |"
    echo "|---|---:|---:|---:|---:|---|---:|"
    echo "| GET $PAGE alone, c$CONNECTIONS | $PAGE_RPS | $PAGE_P50 | $PAGE_P99 | $PAGE_MAX | ${PAGE_ERR:-all 200} | $OTHERS_PAGE |"
    echo "| POST /login, c1 (one sign-in at a time) | $ONE_RPS | $ONE_P50 | $ONE_P99 | | $(statuses "$OUT/wrk-login-c1.txt"); non-303: $ONE_BAD | $OTHERS_ONE |"
    echo "| POST /login, c$CONNECTIONS | $LOGIN_RPS | $LOGIN_P50 | $LOGIN_P99 | | $LOGIN_STATUSES; non-303: $LOGIN_BAD ${LOGIN_ERR} | $OTHERS_LOGIN |"
    echo "| GET $PAGE c$CONNECTIONS during POST /login c$CONNECTIONS | $BOTH_RPS | $BOTH_P50 | $BOTH_P99 | $BOTH_MAX | ${BOTH_ERR:-all 200} | $OTHERS_BOTH |"
    echo "| POST /login c$CONNECTIONS during the page run | $DURING_RPS | $DURING_P50 | $DURING_P99 | | $DURING_STATUSES; non-303: $DURING_BAD | (same run) |"
    echo
    echo "Page during sign-ins ÷ page alone: p50 × $(ratio "$BOTH_P50" "$PAGE_P50"), p99 × $(ratio "$BOTH_P99" "$PAGE_P99")."
    echo "One sign-in alone (≈ one argon2id verification plus its SQL) takes $ONE_P50 ms at the median."
    echo "At most max(1, cores − 1) = $SLOTS hashes run at once (src/auth/password.rs); $SLOTS ÷ that ="
    echo "$(awk -v c="$SLOTS" -v t="$ONE_P50" 'BEGIN { printf "%.0f", c * 1000 / t }') sign-ins/s, the bound for the c$CONNECTIONS run."
    echo
    echo "| Outbox | |"
    echo "|---|---|"
    echo "| emails inserted (one INSERT … SELECT generate_series) | $MAILS, in $INSERT_S s |"
    echo "| all marked sent (polled every 0.2 s) | after $SENT_S s → **$MAIL_RATE mails/s** (includes the wait for the worker's next 1 s poll) |"
    echo "| all in the Maildir | after $FILES_S s |"
    echo "| first to last \`sent_at\` (the worker's own clock) | $SPAN_DB s → $MAIL_RATE_DB mails/s |"
    echo "| time between two consecutive \`sent_at\` | median $GAP_P50 ms, p90 $GAP_P90 ms |"
    echo "| exactly once | $ONCE |"
    echo "| retried or failed | $FAILED |"
    echo "| others' CPU meanwhile | $OTHERS_MAIL |"
    echo
    echo "WARN/ERROR lines in the app log: $APP_WARN."
} >"$OUT/summary.md"

echo
cat "$OUT/summary.md"
echo
say "raw outputs in $OUT/"
