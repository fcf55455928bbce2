#!/usr/bin/env bash
# Kyodo (協働) benchmark of the email outbox (issue 12). Not a test: nothing in the test suite
# runs it, and it asserts no timing.
#
# Builds the release binary, starts a real SMTP server on loopback (tests/bench/smtp-sink.py:
# Python's aiosmtpd, as in the integration tests, but logging each message's arrival time and
# Message-ID instead of writing a Maildir, which costs about 4 ms of CPU per message) and
# `kyodo serve` with SMTP_URL pointing at it and its
# private PostgreSQL cluster in a scratch folder; with INSTANCES=2 a second `kyodo serve` on the
# same database (DATABASE_URL), as a city running two instances would. Then:
#   1. reads the idle resident memory (VmRSS) of each app after SETTLE seconds;
#   2. inserts MAILS notification emails into `outbox` with one INSERT … SELECT generate_series;
#   3. waits until every row is marked sent and the server logged MAILS messages, sampling the
#      apps' VmRSS every 0.2 s;
#   4. prints the rate from the first to the last delivery (the SMTP server's clock), the same from the workers' `sent_at`, and checks that every outbox
#      id arrived exactly once (Message-ID <kyodo.ID.…>) and none was retried or failed.
# Raw outputs and summary.md go to target/bench/outbox-<timestamp>/.
#
# Settings (environment):
#   MAILS=2000        emails to send
#   INSTANCES=1       1 or 2 `kyodo serve` sending from the same database
#   SETTLE=5          seconds of idling before the idle VmRSS is read
#   BENCH_PORT=8098   the first app's port (the second one uses the next)
#   BENCH_DIR=/tmp/kyodo-bench-outbox   scratch folder, removed afterwards unless KEEP_DATA=1
#   APP=path          a kyodo binary to measure instead of building the working tree
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

MAILS=${MAILS:-2000}
INSTANCES=${INSTANCES:-1}
SETTLE=${SETTLE:-5}
BENCH_PORT=${BENCH_PORT:-8098}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-outbox}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
BASE="http://127.0.0.1:$BENCH_PORT"
CAPTURING=0

[[ $MAILS =~ ^[0-9]+$ ]] && [ "$MAILS" -gt 1 ] || die "MAILS must be a number above 1, not $MAILS"
[[ $INSTANCES =~ ^[12]$ ]] || die "INSTANCES must be 1 or 2, not $INSTANCES"

# --- tools ---------------------------------------------------------------------------------------

command -v curl >/dev/null || die "curl is needed"
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    say "installing aiosmtpd (pip)"
    # A Debian system Python refuses plain `pip install` (PEP 668); then install it anyway.
    python3 -m pip install --quiet aiosmtpd >&2 ||
        python3 -m pip install --quiet --break-system-packages aiosmtpd >&2 || true
    python3 -c 'import aiosmtpd' >/dev/null 2>&1 ||
        die "could not install Python's aiosmtpd; try: python3 -m pip install aiosmtpd"
fi
find_pg_bin psql
build_app

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="target/bench/outbox-$STAMP"
mkdir -p "$OUT"
for port in "$BENCH_PORT" "$((BENCH_PORT + 1))"; do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
        die "something already answers on port $port; stop it or set BENCH_PORT"
    fi
done
[ -e "$BENCH_DIR" ] && die "$BENCH_DIR exists; remove it or set BENCH_DIR"
mkdir -p "$BENCH_DIR"
RECEIVED="$BENCH_DIR/received.txt"
APP_PID="" SMTP_PID="" SECOND_PID="" PG_SOCK="" PG_PORT="" CLUSTER=""

cleanup() {
    local status=$?
    set +e
    if [ -n "$SECOND_PID" ] && kill -0 "$SECOND_PID" 2>/dev/null; then
        kill -TERM "$SECOND_PID"
        wait "$SECOND_PID"
    fi
    stop_app
    if [ -n "$SMTP_PID" ] && kill -0 "$SMTP_PID" 2>/dev/null; then
        kill "$SMTP_PID"
        wait "$SMTP_PID"
    fi
    if [ "$KEEP_DATA" != 1 ] && [ ! -f "$CLUSTER/postmaster.pid" ]; then rm -rf "$BENCH_DIR"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- SMTP server, apps ---------------------------------------------------------------------------

SMTP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "starting tests/bench/smtp-sink.py on 127.0.0.1:$SMTP_PORT (log $RECEIVED)"
python3 tests/bench/smtp-sink.py "$SMTP_PORT" "$RECEIVED" </dev/null >"$OUT/aiosmtpd.log" 2>&1 &
SMTP_PID=$!
for _ in $(seq 100); do
    kill -0 "$SMTP_PID" 2>/dev/null || {
        cat "$OUT/aiosmtpd.log" >&2
        SMTP_PID=""
        die "aiosmtpd exited before accepting connections"
    }
    if [ -f "$RECEIVED" ] && (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
        break
    fi
    sleep 0.2
done
[ -f "$RECEIVED" ] || die "the SMTP server did not come up within 20 s (see $OUT/aiosmtpd.log)"

export SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
start_app "$BENCH_DIR/app1" # lib.sh: the app creates, migrates and seeds its own cluster
PIDS=("$APP_PID")
if [ "$INSTANCES" = 2 ]; then
    SOCK_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_SOCK")
    say "starting a second $APP serve on port $((BENCH_PORT + 1)), same database"
    DATABASE_URL="postgresql://postgres@localhost/kyodo?host=$SOCK_ENC&port=$PG_PORT" \
        KYODO_DATA_DIR="$BENCH_DIR/app2" KYODO_LISTEN="127.0.0.1:$((BENCH_PORT + 1))" RUST_LOG=warn \
        "$APP" serve >"$OUT/app2.log" 2>&1 &
    SECOND_PID=$!
    for _ in $(seq 120); do
        kill -0 "$SECOND_PID" 2>/dev/null || die "the second app exited (see $OUT/app2.log)"
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$((BENCH_PORT + 1))/readyz")" = 200 ] && break
        sleep 0.5
    done
    PIDS+=("$SECOND_PID")
fi

{
    echo "date: $(date -u '+%F %T UTC')"
    echo "built: $BUILT"
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), nproc $(nproc)"
    echo "kernel: $(uname -sr)"
    echo "postgres: $("$PG_BIN/psql" --version)"
    echo "aiosmtpd: $(python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
sed 's/^/[outbox] /' "$OUT/machine.txt" >&2

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

sleep "$SETTLE"
IDLE=()
for pid in "${PIDS[@]}"; do IDLE+=("$(mib "$(rss_kib "$pid")")"); done
say "idle VmRSS (MiB) per app: ${IDLE[*]}"

# --- the run ---------------------------------------------------------------------------------------

[ "$(psql_kyodo -c 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" = 0 ] ||
    die "the outbox holds unsent emails before the run"
now() { date +%s.%N; }
# Notifications of about 1 KB text and 1 KB HTML, as in tests/bench/people.sh.
insert() {
    psql_kyodo -F ' ' -c "
    WITH ins AS (
        INSERT INTO outbox (to_address, to_name, subject, text_body, html_body, category, unsubscribe_url)
        SELECT 'resident' || i || '@example.jp', '本庄 花子 ' || i,
               '【協働 Kyodo】施策 6-1 の成果指標が更新されました (' || i || ')',
               '本庄 花子 ' || i || ' 様' || E'\n\n' ||
               repeat('フォローしている施策「6-1」の成果指標に新しい実績値が登録されました。' || E'\n', 6) ||
               E'\n$BASE/measures/6-1\n\n配信の停止: $BASE/unsubscribe?token=x\n',
               '<p>本庄 花子 ' || i || ' 様</p>' ||
               repeat('<p>フォローしている施策「6-1」の成果指標に新しい実績値が登録されました。</p>', 6) ||
               '<p><a href=\"$BASE/measures/6-1\">施策 6-1</a></p>',
               'notification', '$BASE/unsubscribe?token=x'
        FROM generate_series(1, $MAILS) AS i
        RETURNING id
    )
    SELECT min(id), max(id), count(*) FROM ins"
}
# Until every row is sent and the server logged MAILS messages (or 30 s without progress), with
# the apps' largest VmRSS meanwhile in PEAK (KiB, one per app).
PEAK=()
wait_for_delivery() {
    local sent=0 files=0 last=-1 since i kib
    since=$(now)
    for i in "${!PIDS[@]}"; do PEAK[i]=0; done
    while :; do
        for i in "${!PIDS[@]}"; do
            kib=$(rss_kib "${PIDS[i]}")
            [ "$kib" -gt "${PEAK[i]}" ] && PEAK[i]=$kib
        done
        sent=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        files=$(wc -l <"$RECEIVED")
        [ "$sent" -ge "$MAILS" ] && [ "$files" -ge "$MAILS" ] && return 0
        if [ "$((sent + files))" != "$last" ]; then
            last=$((sent + files))
            since=$(now)
        elif awk -v a="$(now)" -v b="$since" 'BEGIN { exit !(a - b > 30) }'; then
            say "no progress for 30 s: $sent of $MAILS marked sent, $files received"
            return 1
        fi
        sleep 0.2
    done
}

say "inserting $MAILS emails"
T0=$(now)
read -r FIRST_ID LAST_ID INSERTED < <(insert)
[ "$INSERTED" = "$MAILS" ] || die "inserted $INSERTED rows, not $MAILS"
SMTP_TICKS0=$(proc_ticks "$SMTP_PID")
accounted outbox wait_for_delivery || true
T1=$(now)
SMTP_CPU=$(awk -v t=$(($(proc_ticks "$SMTP_PID") - SMTP_TICKS0)) -v hz="$(getconf CLK_TCK)" -v a="$T1" -v b="$T0" \
    'BEGIN { printf "%.1f s, %.0f %% of one core", t / hz, t / hz / (a - b) * 100 }')

# --- figures ---------------------------------------------------------------------------------------

# The SMTP server's clock: arrival times, first to last.
read -r SMTP_SPAN < <(sort -n "$RECEIVED" | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%.2f\n", b - a }')
read -r DB_SPAN GAP_P50 < <(psql_kyodo -F ' ' -c "
    SELECT round(extract(epoch FROM max(sent_at) - min(sent_at))::numeric, 2),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY gap))::numeric, 2)
    FROM (SELECT sent_at, extract(epoch FROM sent_at - lag(sent_at) OVER (ORDER BY sent_at)) * 1000 AS gap
          FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID) AS s")
PER_APP=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID AND sent_at IS NOT NULL")
RETRIED=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE id BETWEEN $FIRST_ID AND $LAST_ID AND (attempts <> 1 OR failed_at IS NOT NULL OR last_error IS NOT NULL)")
cp "$RECEIVED" "$OUT/received.txt"
sed -n 's/.*<kyodo\.\([0-9]*\)\..*/\1/p' "$RECEIVED" | sort -n >"$OUT/mail-ids.txt"
FILES=$(wc -l <"$RECEIVED")
DISTINCT=$(sort -u "$OUT/mail-ids.txt" | awk -v a="$FIRST_ID" -v b="$LAST_ID" '$1 >= a && $1 <= b' | wc -l)
DUPS=$(uniq -d "$OUT/mail-ids.txt" | wc -l)
if [ "$FILES" = "$MAILS" ] && [ "$DISTINCT" = "$MAILS" ] && [ "$DUPS" = 0 ]; then
    ONCE="yes: $MAILS messages, each outbox id exactly once"
else
    ONCE="NO: $FILES messages, $DISTINCT distinct outbox ids of $MAILS, $DUPS ids more than once"
fi
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) print "-"; else printf "%.0f", n / s }'; }
SMTP_RATE=$(rate "$((MAILS - 1))" "$SMTP_SPAN")
DB_RATE=$(rate "$((MAILS - 1))" "$DB_SPAN")
WALL=$(awk -v a="$T1" -v b="$T0" 'BEGIN { printf "%.2f", a - b }')
LOADED=()
for kib in "${PEAK[@]}"; do LOADED+=("$(mib "$kib")"); done
WARNINGS=$(cat "$OUT"/app*.log | grep -cE 'WARN|ERROR' || true)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

{
    echo "# Kyodo outbox benchmark $STAMP"
    echo
    echo '```'
    cat "$OUT/machine.txt"
    echo '```'
    echo
    echo "\`MAILS=$MAILS INSTANCES=$INSTANCES tests/bench/outbox.sh\`: $INSTANCES \`kyodo serve\` sending to tests/bench/smtp-sink.py on loopback."
    echo
    echo "| Outbox | |"
    echo "|---|---|"
    echo "| first to last delivery (the SMTP server's clock) | $SMTP_SPAN s → **$SMTP_RATE emails/s** |"
    echo "| first to last \`sent_at\` | $DB_SPAN s → $DB_RATE emails/s (median gap $GAP_P50 ms) |"
    echo "| insert to all sent and delivered (includes the worker's wake-up) | $WALL s |"
    echo "| marked sent | $PER_APP of $MAILS; retried or failed: $RETRIED |"
    echo "| every email arrived exactly once | $ONCE |"
    echo "| VmRSS per app, idle → peak while draining | ${IDLE[*]} → ${LOADED[*]} MiB |"
    echo "| CPU in % of all cores: app / PostgreSQL / psql; other processes (the SMTP server included) | ${SPLIT[outbox]}; ${OTHERS[outbox]} |"
    echo "| SMTP server's CPU | $SMTP_CPU |"
    echo "| warnings or errors in the app logs | $WARNINGS |"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
