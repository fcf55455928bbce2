#!/usr/bin/env bash
# Kyodo (協働) benchmark of the daily digest (issue 15). Not a test: nothing in the test suite
# runs it, and it asserts no timing.
#
# Builds the release binary (or takes APP), starts `kyodo serve` with its private PostgreSQL
# cluster in a scratch folder (which migrates it), then:
#   1. inserts PEOPLE verified accounts who chose daily digests for proposals, and EVENTS
#      notifications each (two days old, so today's digest is due whatever the hour), about
#      PEOPLE / 10 proposals so that the digests group several events under one heading;
#   2. runs RUNNERS `kyodo digests` at once on the same database (two instances of a city);
#   3. prints the wall time, digests per second, and checks that every person got exactly one
#      digest email in the outbox, no digest is empty and no notification is left waiting.
# The emails stay in the outbox (sending them is tests/bench/outbox.sh's measure).
# Raw outputs and summary.md go to target/bench/digests-<timestamp>/.
#
# Settings (environment):
#   PEOPLE=10000      people with a digest due
#   EVENTS=3          notifications per person
#   RUNNERS=2         `kyodo digests` processes started at once
#   BENCH_PORT=8097   the app's port
#   BENCH_DIR=/tmp/kyodo-bench-digests   scratch folder, removed afterwards unless KEEP_DATA=1
#   APP=path          a kyodo binary to measure instead of building the working tree
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

PEOPLE=${PEOPLE:-10000}
EVENTS=${EVENTS:-3}
RUNNERS=${RUNNERS:-2}
BENCH_PORT=${BENCH_PORT:-8097}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-digests}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
BASE="http://127.0.0.1:$BENCH_PORT"
CAPTURING=0 APP_PID="" PG_SOCK="" PG_PORT="" CLUSTER=""

[[ $PEOPLE =~ ^[0-9]+$ ]] && [ "$PEOPLE" -ge 10 ] || die "PEOPLE must be a number from 10, not $PEOPLE"
[[ $EVENTS =~ ^[0-9]+$ ]] && [ "$EVENTS" -ge 1 ] || die "EVENTS must be a number from 1, not $EVENTS"
[[ $RUNNERS =~ ^[0-9]+$ ]] && [ "$RUNNERS" -ge 1 ] || die "RUNNERS must be a number from 1, not $RUNNERS"
command -v curl >/dev/null || die "curl is needed"
find_pg_bin psql
build_app

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="target/bench/digests-$STAMP"
mkdir -p "$OUT"
curl -s -o /dev/null --max-time 2 "$BASE/" && die "something already answers on $BASE; set BENCH_PORT"
[ -e "$BENCH_DIR" ] && die "$BENCH_DIR exists; remove it or set BENCH_DIR"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_app "$BENCH_DIR"
{
    describe_machine
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
sed 's/^/[digests] /' "$OUT/machine.txt" >&2

say "inserting $PEOPLE people with a daily digest and $EVENTS notifications each"
PROPOSALS=$((PEOPLE / 10))
psql_kyodo >/dev/null <<SQL
INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'resident' || i || '@example.jp',
       now(), '本庄 花子 ' || i, md5(i::text)
FROM generate_series(1, $PEOPLE) AS i;
INSERT INTO notification_preferences (account_id, kind, delivery)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'proposals', 'daily'
FROM generate_series(1, $PEOPLE) AS i;
INSERT INTO notifications (account_id, kind, template, summary, link, proposal_id, cadence, created_at)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'proposals', 'proposal_comment',
       '提案「駅前の花壇づくり ' || (i % $PROPOSALS) || '」に新しいコメント',
       '$BASE/proposals/' || ('00000000-0000-4000-9000-' || lpad((i % $PROPOSALS)::text, 12, '0')),
       ('00000000-0000-4000-9000-' || lpad((i % $PROPOSALS)::text, 12, '0'))::uuid, 'daily',
       now() - interval '2 days' + e * interval '1 minute'
FROM generate_series(1, $PEOPLE) AS i, generate_series(1, $EVENTS) AS e;
ANALYZE accounts, notification_preferences, notifications;
SQL

SOCK_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_SOCK")
export DATABASE_URL="postgresql://postgres@localhost/kyodo?host=$SOCK_ENC&port=$PG_PORT"
say "running $RUNNERS \`kyodo digests\` at once"
T0=$(date +%s.%N)
PIDS=()
for r in $(seq "$RUNNERS"); do
    KYODO_PUBLIC_URL="$BASE" RUST_LOG=warn "$APP" digests >"$OUT/runner-$r.log" 2>&1 &
    PIDS+=("$!")
done
for pid in "${PIDS[@]}"; do wait "$pid" || die "a runner failed (see $OUT/runner-*.log)"; done
T1=$(date +%s.%N)
unset DATABASE_URL

WALL=$(awk -v a="$T1" -v b="$T0" 'BEGIN { printf "%.2f", a - b }')
PER_RUNNER=$(sed -n 's/^Wrote \([0-9]*\) digests\.$/\1/p' "$OUT"/runner-*.log | paste -sd/ -)
EMAILS=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE subject LIKE '%まとめ%'")
DISTINCT=$(psql_kyodo -c "SELECT count(DISTINCT to_address) FROM outbox WHERE subject LIKE '%まとめ%'")
DIGESTS=$(psql_kyodo -c "SELECT count(*) FROM digests")
WAITING=$(psql_kyodo -c "SELECT count(*) FROM notifications WHERE digest_id IS NULL")
SIZE=$(psql_kyodo -c "SELECT round(avg(length(text_body) + length(html_body))) FROM outbox WHERE subject LIKE '%まとめ%'")
RATE=$(awk -v n="$EMAILS" -v s="$WALL" 'BEGIN { printf "%.0f", n / s }')
if [ "$EMAILS" = "$PEOPLE" ] && [ "$DISTINCT" = "$PEOPLE" ] && [ "$DIGESTS" = "$PEOPLE" ]; then
    ONCE="yes: $PEOPLE digests, one per person"
else
    ONCE="NO: $EMAILS digest emails to $DISTINCT people, $DIGESTS digests, for $PEOPLE people"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
{
    echo "# Kyodo digest benchmark $STAMP"
    echo
    echo '```'
    cat "$OUT/machine.txt"
    echo '```'
    echo
    echo "\`PEOPLE=$PEOPLE EVENTS=$EVENTS RUNNERS=$RUNNERS tests/bench/digests.sh\`"
    echo
    echo "| Digests | |"
    echo "|---|---|"
    echo "| $RUNNERS runners at once, start to both done | $WALL s → **$RATE digests/s** |"
    echo "| digests written per runner | $PER_RUNNER |"
    echo "| every person exactly one digest | $ONCE |"
    echo "| notifications left waiting | $WAITING |"
    echo "| average digest size (text + HTML) | $SIZE bytes |"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
