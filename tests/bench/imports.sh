#!/usr/bin/env bash
# Kyodo (協働) benchmark of an import of paper opinions, or with KIND=proposals of paper
# proposals (issue 15). Not a test: nothing in the test suite runs it, and it asserts no timing.
#
# Builds the release binary (or takes APP), starts `kyodo serve` with its private PostgreSQL
# cluster in a scratch folder, makes an admin (kyodo create-admin) and a closed consultation,
# writes a CSV file of ROWS paper opinions (each about 120 characters), then times with curl:
#   1. the upload (the file kept as a batch),
#   2. the preview page (every row read and checked, the page of all rows),
#   3. the import (every row stored as a typed-in opinion would be, in one transaction),
#   4. the same file uploaded and imported again (nothing added),
# and checks that exactly ROWS opinions were added. With KIND=proposals the file holds ROWS
# paper proposals on measure 5-1 (each by another proposer) imported at /staff/proposals/imports
# instead. Raw outputs and summary.md go to target/bench/imports-<timestamp>/ (opinions) or
# target/bench/imports-proposals-<timestamp>/.
#
# Settings (environment):
#   ROWS=10000        rows of the file
#   KIND=opinions     opinions or proposals
#   BENCH_PORT=8097   the app's port
#   BENCH_DIR=/tmp/kyodo-bench-imports   scratch folder, removed afterwards unless KEEP_DATA=1
#   APP=path          a kyodo binary to measure instead of building the working tree
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

ROWS=${ROWS:-10000}
KIND=${KIND:-opinions}
BENCH_PORT=${BENCH_PORT:-8097}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-imports}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
BASE="http://127.0.0.1:$BENCH_PORT"
CAPTURING=0
APP_PID=""
CLUSTER=""
PG_SOCK=""

[[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -gt 0 ] || die "ROWS must be a number above 0, not $ROWS"
case $KIND in
    opinions) SUFFIX="" ;;
    proposals) SUFFIX="-proposals" ;;
    *) die "KIND must be opinions or proposals, not $KIND" ;;
esac
command -v curl >/dev/null || die "curl is needed"
find_pg_bin psql
build_app

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="target/bench/imports$SUFFIX-$STAMP"
mkdir -p "$OUT"
curl -s -o /dev/null --max-time 2 "$BASE/" && die "something already answers on $BASE; stop it or set BENCH_PORT"
[ -e "$BENCH_DIR" ] && die "$BENCH_DIR exists; remove it or set BENCH_DIR"
mkdir -p "$BENCH_DIR"
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_app "$BENCH_DIR"
SOCK_ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_SOCK")
DB_URL="postgresql://postgres@localhost/kyodo?host=$SOCK_ENC&port=$PG_PORT"
PASSWORD=sakura-no-hana-torikomi-2026
printf '%s\n' "$PASSWORD" | DATABASE_URL="$DB_URL" RUST_LOG=warn "$APP" create-admin --email bench@example.jp --name 取込担当 \
    >"$OUT/create-admin.log" 2>&1 || die "kyodo create-admin failed (see $OUT/create-admin.log)"
psql_kyodo -c "INSERT INTO departments (name) VALUES ('取込計測課') ON CONFLICT DO NOTHING" >/dev/null
ID=$(psql_kyodo -c "INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at, identity_required)
    VALUES ('取込の計測', (SELECT min(id) FROM departments), '概要', '2020-01-01', '2020-01-31', '2019-12-01', false) RETURNING id")
[ -n "$ID" ] || die "no department to hold the consultation"
IMPORTS="/staff/consultations/$ID/imports"
[ "$KIND" = proposals ] && IMPORTS=/staff/proposals/imports

JAR="$OUT/cookies.txt"
TOKEN=kyodo-bench-people-csrf-token-0123456789abc
code=$(curl -s -o "$OUT/sign-in.html" -w '%{http_code}' -b "kyodo_csrf=$TOKEN" -c "$JAR" \
    --data "csrf=$TOKEN&email=bench%40example.jp&password=$PASSWORD&next=%2F" "$BASE/login")
[ "$code" = 303 ] || die "signing in answers $code, not 303"
csrf() { curl -s -b "$JAR" -c "$JAR" "$BASE$IMPORTS" | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//'; }

FILE="$OUT/$KIND.csv"
python3 - "$ROWS" "$KIND" >"$FILE" <<'PY'
import sys
rows, kind = int(sys.argv[1]), sys.argv[2]
if kind == "opinions":
    print("受付日,意見,氏名,住所", end="\r\n")
else:
    print("受付日,氏名,住所,事業名,概要,施策,予算", end="\r\n")
for i in range(rows):
    day = 1 + i % 31
    if kind == "opinions":
        body = f"駅前広場の整備について、第{i}号の意見です。歩道を広げ、ベンチと日よけを置き、自転車の置き場を駅の北側にも作ってください。"
        print(f"2020/1/{day},{body},本庄 {i},本庄市本庄{i}", end="\r\n")
    else:
        summary = f"第{i}号の提案です。駅前の花壇を地域の人で手入れし、季節の花を植えて、通る人が明るい気持ちになる駅前にします。"
        print(f"2020/1/{day},本庄 {i},本庄市本庄{i},駅前花壇の手入れ {i},{summary},5-1,120万", end="\r\n")
PY
say "$ROWS rows, $(du -h "$FILE" | cut -f1)"

timed() { # label curl-arguments… → seconds, status in $OUT/<label>.status
    local label=$1
    shift
    curl -s -o "$OUT/$label.html" -w '%{http_code} %{time_total}\n' -b "$JAR" -c "$JAR" "$@" >"$OUT/$label.status"
    say "$label: $(cat "$OUT/$label.status")"
}
timed upload -F "csrf=$(csrf)" -F "file=@$FILE;filename=$KIND.csv" "$BASE$IMPORTS"
PREVIEW=$(psql_kyodo -c "SELECT max(id) FROM import_batches")
timed preview "$BASE$IMPORTS/$PREVIEW"
timed import --data "csrf=$(csrf)" "$BASE$IMPORTS/$PREVIEW"
timed upload_again -F "csrf=$(csrf)" -F "file=@$FILE;filename=$KIND.csv" "$BASE$IMPORTS"
timed import_again --data "csrf=$(csrf)" "$BASE$IMPORTS/$PREVIEW"
if [ "$KIND" = opinions ]; then
    ADDED=$(psql_kyodo -c "SELECT count(*) FROM consultation_comments WHERE consultation_id = $ID AND channel = 'paper'")
else
    ADDED=$(psql_kyodo -c "SELECT count(*) FROM proposals WHERE channel = 'paper'")
fi
[ "$ADDED" = "$ROWS" ] || die "$ADDED $KIND added, not $ROWS"
{
    describe_machine
    echo
    echo "| step | HTTP | seconds |"
    echo "| --- | --- | --- |"
    for step in upload preview import upload_again import_again; do
        read -r status seconds <"$OUT/$step.status"
        echo "| $step | $status | $seconds |"
    done
    echo
    echo "rows: $ROWS, file $(du -h "$FILE" | cut -f1), preview page $(du -h "$OUT/preview.html" | cut -f1), $KIND added $ADDED"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
