#!/usr/bin/env bash
# Kyodo (協働) benchmark of citizen proposals at scale (issue 5). Not a test: nothing in the test
# suite runs it, and it asserts no timing.
#
# For each scale (small, then full) it starts `kyodo serve` with a private PostgreSQL cluster in
# a scratch folder (migrated and seeded by the app itself), fills it with
# tests/bench/proposals-data.sql, then for every target URL:
#   1. records the SQL statements one request sends, from PostgreSQL's log (as all.sh does);
#   2. runs wrk against the URL: requests/s, p50, p99;
#   3. runs pgbench with those statements: the ceiling the page could reach if rendering, HTTP
#      and the pool cost nothing;
#   4. runs EXPLAIN (ANALYZE, BUFFERS) on each of its SELECTs and counts sequential scans of
#      the big tables (proposals, their measures, transitions, supports, follows, comments).
# The hot proposal holds HOT_COMMENTS comments at both scales, so its page shows the same
# thing and only the size of the tables around it changes: its p50 should stay flat.
# Raw outputs and summary.md go to target/bench/proposals-<timestamp>/.
#
# Usage:
#   tests/bench/proposals.sh
#   SCALES=small DURATION=3s WARMUP=0 tests/bench/proposals.sh   # a quick check of the script
#
# Settings (environment):
#   SCALES="small full"     which scales to run, in order
#   SMALL_PROPOSALS=1000 SMALL_COMMENTS=10000
#   FULL_PROPOSALS=100000 FULL_COMMENTS=1000000
#   HOT_COMMENTS=5000       comments on the hot proposal, at every scale
#   DURATION=30s  WARMUP=5s  CONNECTIONS=32  THREADS=2   as in all.sh
#   BENCH_PORT=8098
#   BENCH_DIR=/tmp/kyodo-bench-proposals   one KYODO_DATA_DIR per scale below it; removed
#                           afterwards unless KEEP_DATA=1
#   APP=path                a kyodo binary to measure instead of building the working tree
#   EXPLAIN_ONLY=1          data, statements and EXPLAIN ANALYZE only: no wrk, no pgbench
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

SCALES=${SCALES:-small full}
SMALL_PROPOSALS=${SMALL_PROPOSALS:-1000}
SMALL_COMMENTS=${SMALL_COMMENTS:-10000}
FULL_PROPOSALS=${FULL_PROPOSALS:-100000}
FULL_COMMENTS=${FULL_COMMENTS:-1000000}
HOT_COMMENTS=${HOT_COMMENTS:-5000}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BENCH_PORT=${BENCH_PORT:-8098}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-proposals}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
EXPLAIN_ONLY=${EXPLAIN_ONLY:-0}

BASE="http://127.0.0.1:${BENCH_PORT}"
GENERATOR=tests/bench/proposals-data.sql
HOT_TITLE='（ベンチマーク）コメントの多い提案'
# name → path; the hot page and the fifth page are found once the data exists.
NAMES=(list list-adopted list-measure list-supported list-decided list-page5 hot feed measure)
declare -A PATHS=([list]=/proposals [list-adopted]='/proposals?state=adopted'
    [list-measure]='/proposals?measure=5-1' [list-supported]='/proposals?sort=supported'
    [list-decided]='/proposals?sort=decided' [feed]=/proposals/feed.atom [measure]=/measures/5-1)
# Tables whose sequential scan means the cost grows with the data.
BIG_TABLES='proposals|proposal_measures|proposal_transitions|proposal_supports|proposal_follows|comments'

check_settings "$DURATION" "$WARMUP"

# The globals tests/bench/lib.sh works with; set per scale.
APP_PID=""
PG_SOCK=""
PG_PORT=""
CLUSTER=""
PG_LOG=""
OUT=""
CAPTURING=0
bench_start proposals

declare -A RPS P50 P99 ERRORS TPS PG_P50 PG_P99 STATEMENTS SEQSCANS GENERATED

run_scale() { # small | full
    local scale=$1 proposals comments started
    if [ "$scale" = small ]; then
        proposals=$SMALL_PROPOSALS comments=$SMALL_COMMENTS
    else
        proposals=$FULL_PROPOSALS comments=$FULL_COMMENTS
    fi
    OUT="$ROOT_OUT/$scale"
    mkdir -p "$OUT"
    start_app "$BENCH_DIR/$scale"
    say "$scale: generating $proposals proposals and $comments comments ($HOT_COMMENTS on the hot one)"
    started=$(date +%s)
    "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo \
        -v proposals="$proposals" -v comments="$comments" -v hot_comments="$HOT_COMMENTS" \
        -f "$GENERATOR" >"$OUT/generate.txt" 2>&1 || {
        cat "$OUT/generate.txt" >&2
        die "the generator failed"
    }
    GENERATED[$scale]="$proposals proposals, $comments comments in $(($(date +%s) - started)) s"
    say "  ${GENERATED[$scale]}"
    psql_kyodo -c "CHECKPOINT" >/dev/null

    local hot page=/proposals
    hot=$(psql_kyodo -c "SELECT id FROM proposals WHERE title = '$HOT_TITLE'")
    [ -n "$hot" ] || die "no hot proposal titled $HOT_TITLE"
    PATHS[hot]="/proposals/$hot"
    for _ in 1 2 3 4; do
        page=$(next_page "$page")
        [ -n "$page" ] || die "/proposals has fewer than five pages"
    done
    PATHS[list-page5]=$page
    {
        echo "scale: $scale (${GENERATED[$scale]})"
        for name in "${NAMES[@]}"; do echo "$name: ${PATHS[$name]}"; done
    } >"$OUT/targets.txt"

    local name
    for name in "${NAMES[@]}"; do
        measure_target "$scale" "$name" "big tables"
    done
    stop_app
    if [ "$KEEP_DATA" != 1 ]; then rm -rf "${BENCH_DIR:?}/$scale"; fi
}

{
    describe_machine
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$ROOT_OUT/machine.txt"

for scale in $SCALES; do
    run_scale "$scale"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$ROOT_OUT/machine.txt"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
{
    echo "# Kyodo proposals benchmark $STAMP"
    echo
    echo '```'
    cat "$ROOT_OUT/machine.txt"
    for scale in $SCALES; do echo "$scale: ${GENERATED[$scale]}"; done
    echo '```'
    echo
    echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up); pgbench -n"
    echo "-c$CONNECTIONS -j$THREADS -T$(seconds "$DURATION") -M prepared -f <the statements of the URL>."
    echo "Ratio: the URL's requests/s ÷ the pgbench tps of its statements. Seq scans: sequential"
    echo "scans of the big tables in EXPLAIN ANALYZE of the URL's statements (explain-*.txt)."
    echo
    echo "| Scale | Target | Statements | Requests/s | p50 (ms) | p99 (ms) | pgbench tps | pgbench p50 (ms) | Ratio | Seq scans | CPU others | Errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for scale in $SCALES; do
        for name in "${NAMES[@]}"; do
            key="$scale/$name"
            echo "| $scale | $name | ${STATEMENTS[$key]} | ${RPS[$key]:--} | ${P50[$key]:--} | ${P99[$key]:--} | ${TPS[$key]:--} | ${PG_P50[$key]:--} | $(ratio "${RPS[$key]:-0}" "${TPS[$key]:-0}") | ${SEQSCANS[$key]} | ${OTHERS[$key]:--} | ${ERRORS[$key]:-none} |"
        done
    done
    if [[ " $SCALES " == *" small "* && " $SCALES " == *" full "* ]]; then
        echo
        echo "Flat cost: p50 at full scale against p50 at small scale."
        echo
        echo "| Target | p50 small (ms) | p50 full (ms) | full ÷ small | statements small / full |"
        echo "|---|---:|---:|---:|---|"
        for name in "${NAMES[@]}"; do
            echo "| $name | ${P50[small/$name]:--} | ${P50[full/$name]:--} | $(ratio "${P50[full/$name]:-0}" "${P50[small/$name]:-0}") | ${STATEMENTS[small/$name]} / ${STATEMENTS[full/$name]} |"
        done
    fi
} >"$ROOT_OUT/summary.md"

echo
cat "$ROOT_OUT/summary.md"
echo
say "raw outputs in $ROOT_OUT/"
