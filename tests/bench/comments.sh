#!/usr/bin/env bash
# Kyodo (協働) benchmark of comments and consultations (issue 6). Not a test: nothing in the test
# suite runs it, and it asserts no timing.
#
# For each scale (small, then full) it starts `kyodo serve` with a private PostgreSQL cluster in
# a scratch folder (migrated and seeded by the app itself), fills it with
# tests/bench/comments-data.sql — measure MEASURE with N comments, a consultation with a
# published result and M opinions — then:
#   1. for each page (the measure, a deep page of its comments, the consultation's result, a
#      deep page of its opinions; the deep pages found by following the rel="next" links):
#      the SQL one request sends (from PostgreSQL's log, as all.sh does), EXPLAIN (ANALYZE,
#      BUFFERS) of each SELECT with the sequential scans of comments and opinions counted, wrk
#      (requests/s, p50, p99) and pgbench with those statements (the ceiling);
#   2. comment submission: wrk with tests/bench/comment.lua POSTing new comments to
#      MEASURE's comments as signed-in residents (sessions made by the generator), then the
#      comments and outbox rows written are counted; and the same with the city's answers (a
#      staff member of the measure's department replying, one outbox row per answer).
# The summary prints every run, and p50 at full scale against small scale: a page whose cost
# is flat with the number of comments has a ratio near 1.
# Raw outputs and summary.md go to target/bench/comments-<timestamp>/.
#
# Usage:
#   tests/bench/comments.sh
#   SCALES=small DURATION=3s WARMUP=0 tests/bench/comments.sh   # a quick check of the script
#
# Settings (environment):
#   SCALES="small full"     which scales to run, in order
#   SMALL_COMMENTS=100 SMALL_OPINIONS=50
#   FULL_COMMENTS=10000 FULL_OPINIONS=5000
#   MEASURE=5-1             the measure that gets the comments
#   DURATION=30s  WARMUP=5s  CONNECTIONS=32  THREADS=2   as in all.sh, for the pages
#   POST_DURATION=20s       length of each comment-posting run
#   BENCH_PORT=8097
#   BENCH_DIR=/tmp/kyodo-bench-comments   one KYODO_DATA_DIR per scale below it; removed
#                           afterwards unless KEEP_DATA=1
#   APP=path                a kyodo binary to measure instead of building the working tree
#   EXPLAIN_ONLY=1          data, statements and EXPLAIN ANALYZE only: no wrk, no pgbench
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
no_arguments "$@"

SCALES=${SCALES:-small full}
SMALL_COMMENTS=${SMALL_COMMENTS:-100}
SMALL_OPINIONS=${SMALL_OPINIONS:-50}
FULL_COMMENTS=${FULL_COMMENTS:-10000}
FULL_OPINIONS=${FULL_OPINIONS:-5000}
MEASURE=${MEASURE:-5-1}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
POST_DURATION=${POST_DURATION:-20s}
BENCH_PORT=${BENCH_PORT:-8097}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench-comments}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
EXPLAIN_ONLY=${EXPLAIN_ONLY:-0}

BASE="http://127.0.0.1:${BENCH_PORT}"
GENERATOR=tests/bench/comments-data.sql
POST_LUA=tests/bench/comment.lua
CONSULTATION_TITLE='（ベンチマーク）意見の多い意見公募'
# Residents with a session (comments-data.sql's submitters).
SUBMITTERS=64
# name → path; the consultation's and the deep pages are found once the data exists.
NAMES=(measure measure-deep result result-deep)
declare -A PATHS=([measure]="/measures/$MEASURE")
# Tables whose sequential scan means the cost grows with the data.
BIG_TABLES='comments|consultation_comments'

check_settings "$DURATION" "$WARMUP" "$POST_DURATION"
[[ $MEASURE =~ ^[0-9]+-[0-9]+$ ]] || die "MEASURE is a measure's code like 5-1, not $MEASURE"

# The globals tests/bench/lib.sh works with; set per scale.
APP_PID=""
PG_SOCK=""
PG_PORT=""
CLUSTER=""
PG_LOG=""
OUT=""
CAPTURING=0
bench_start comments

# Follows rel="next" from $1 to the last page; → "path pages" (pages = 1 when there is none).
deepest_page() {
    local page=$1 next pages=1
    while next=$(next_page "$page") && [ -n "$next" ]; do
        page=$next
        pages=$((pages + 1))
        [ "$pages" -le 1000 ] || die "more than 1000 pages after $1: a next link that loops?"
    done
    echo "$page $pages"
}

declare -A RPS P50 P99 ERRORS TPS PG_P50 PG_P99 STATEMENTS SEQSCANS GENERATED DEPTH
declare -A POST_RPS POST_P50 POST_P99 POST_STATUSES POST_COMMENTS POST_OUTBOX POST_RATE POST_LIMITS

# One wrk run of comment.lua; then what it wrote. $1 scale, $2 resident | staff, $3 parent.
post_run() {
    local scale=$1 mode=$2 parent=${3:-} key="$1/post-$2" f before_c before_o before_a after_c after_o after_a
    local label=residents
    [ "$mode" = staff ] && label="city answers"
    f="$OUT/wrk-post-$mode.txt"
    read -r before_c before_o before_a < <(psql_kyodo -F ' ' -c "SELECT
        (SELECT count(*) FROM comments), (SELECT coalesce(max(id), 0) FROM outbox),
        (SELECT coalesce(sum(hits), 0) FROM rate_limits)")
    say "$scale: POST $MEASURE comments ($label): wrk -t$THREADS -c$CONNECTIONS -d$POST_DURATION --latency -s $POST_LUA"
    accounted "$key" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$POST_DURATION" --latency -s "$POST_LUA" \
        "$BASE" -- "/measures/$MEASURE/comments" "$mode" "$SUBMITTERS" "$parent" >"$f"
    read -r after_c after_o after_a < <(psql_kyodo -F ' ' -c "SELECT
        (SELECT count(*) FROM comments), (SELECT coalesce(max(id), 0) FROM outbox),
        (SELECT coalesce(sum(hits), 0) FROM rate_limits)")
    POST_RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
    POST_P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    POST_P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    POST_STATUSES[$key]=$(sed -n 's/^statuses: //p' "$f")
    POST_COMMENTS[$key]=$((after_c - before_c))
    POST_OUTBOX[$key]=$(psql_kyodo -c "SELECT count(*) FROM outbox WHERE id > $before_o AND id <= $after_o")
    POST_RATE[$key]=$(awk -v n="${POST_COMMENTS[$key]}" -v s="$(seconds "$POST_DURATION")" \
        'BEGIN { printf "%.0f", n / s }')
    # No limit of src/auth/rate_limit.rs applies to comments: the runs must count no hit.
    if [ "$after_a" = "$before_a" ]; then
        POST_LIMITS[$key]="none counted"
    else
        POST_LIMITS[$key]="$((after_a - before_a)) hits counted"
    fi
    say "  ${POST_RPS[$key]} req/s, p50 ${POST_P50[$key]} ms, p99 ${POST_P99[$key]} ms; statuses ${POST_STATUSES[$key]};" \
        "${POST_COMMENTS[$key]} comments (${POST_RATE[$key]}/s), ${POST_OUTBOX[$key]} outbox rows; rate limits: ${POST_LIMITS[$key]}; CPU others ${OTHERS[$key]}"
    grep '^non-303 sample:' "$f" >&2 || true
}

run_scale() { # small | full
    local scale=$1 comments opinions started
    if [ "$scale" = small ]; then
        comments=$SMALL_COMMENTS opinions=$SMALL_OPINIONS
    else
        comments=$FULL_COMMENTS opinions=$FULL_OPINIONS
    fi
    OUT="$ROOT_OUT/$scale"
    mkdir -p "$OUT"
    start_app "$BENCH_DIR/$scale"
    say "$scale: generating $comments comments on $MEASURE and a consultation with $opinions opinions"
    started=$(date +%s)
    "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo \
        -v measure="$MEASURE" -v comments="$comments" -v opinions="$opinions" \
        -v submitters="$SUBMITTERS" -f "$GENERATOR" >"$OUT/generate.txt" 2>&1 || {
        cat "$OUT/generate.txt" >&2
        die "the generator failed"
    }
    GENERATED[$scale]="$comments comments, $opinions opinions in $(($(date +%s) - started)) s"
    say "  ${GENERATED[$scale]}"
    psql_kyodo -c "CHECKPOINT" >/dev/null

    local consultation deep pages
    consultation=$(psql_kyodo -c "SELECT id FROM consultations WHERE title = '$CONSULTATION_TITLE'")
    [ -n "$consultation" ] || die "no consultation titled $CONSULTATION_TITLE"
    PATHS[result]="/consultations/$consultation/result"
    read -r deep pages < <(deepest_page "${PATHS[measure]}")
    [ "$pages" -gt 1 ] || die "${PATHS[measure]} has a single page of comments: nothing deep to measure"
    PATHS[measure-deep]=$deep
    DEPTH[$scale/measure-deep]="page $pages of $pages"
    read -r deep pages < <(deepest_page "${PATHS[result]}")
    if [ "$pages" -gt 1 ]; then
        PATHS[result-deep]=$deep
        DEPTH[$scale/result-deep]="page $pages of $pages"
    else
        # Fewer opinions than a page: a cursor at the middle one, the same query a next link makes.
        PATHS[result-deep]="${PATHS[result]}?after=$(psql_kyodo -c "SELECT id FROM consultation_comments
            WHERE consultation_id = $consultation ORDER BY id OFFSET $((opinions / 2)) LIMIT 1")"
        DEPTH[$scale/result-deep]="one page only: cursor at the middle opinion"
    fi
    {
        echo "scale: $scale (${GENERATED[$scale]})"
        for name in "${NAMES[@]}"; do echo "$name: ${PATHS[$name]} ${DEPTH[$scale/$name]:-}"; done
    } >"$OUT/targets.txt"

    local name
    for name in "${NAMES[@]}"; do
        measure_target "$scale" "$name" "comments/opinions"
    done

    if [ "$EXPLAIN_ONLY" != 1 ]; then
        # Last: the runs add comments to the measure the pages above showed.
        post_run "$scale" resident
        local parent
        parent=$(psql_kyodo -c "SELECT md5('cbench-comment1')::uuid")
        post_run "$scale" staff "$parent"
    fi
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
    echo "# Kyodo comments and consultations benchmark $STAMP"
    echo
    echo '```'
    cat "$ROOT_OUT/machine.txt"
    for scale in $SCALES; do echo "$scale: ${GENERATED[$scale]}"; done
    for scale in $SCALES; do sed 's/^/  /' "$ROOT_OUT/$scale/targets.txt"; done
    echo '```'
    echo
    echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up); pgbench -n"
    echo "-c$CONNECTIONS -j$THREADS -T$(seconds "$DURATION") -M prepared -f <the statements of the URL>."
    echo "Ratio: the URL's requests/s ÷ the pgbench tps of its statements. Seq scans: sequential"
    echo "scans of comments or consultation_comments in EXPLAIN ANALYZE of the URL's statements."
    echo
    echo "| Scale | Target | Depth | Statements | Requests/s | p50 (ms) | p99 (ms) | pgbench tps | pgbench p50 (ms) | Ratio | Seq scans | CPU others | Errors |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for scale in $SCALES; do
        for name in "${NAMES[@]}"; do
            key="$scale/$name"
            echo "| $scale | $name | ${DEPTH[$key]:-} | ${STATEMENTS[$key]} | ${RPS[$key]:--} | ${P50[$key]:--} | ${P99[$key]:--} | ${TPS[$key]:--} | ${PG_P50[$key]:--} | $(ratio "${RPS[$key]:-0}" "${TPS[$key]:-0}") | ${SEQSCANS[$key]} | ${OTHERS[$key]:--} | ${ERRORS[$key]:-none} |"
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
    if [ "$EXPLAIN_ONLY" != 1 ]; then
        echo
        echo "Comment submission: wrk -t$THREADS -c$CONNECTIONS -d$POST_DURATION -s $POST_LUA, POST"
        echo "/measures/$MEASURE/comments; residents: new top-level comments from $SUBMITTERS signed-in"
        echo "residents in turn; city answers: the measure's department replying to one comment (each"
        echo "reply writes one outbox row, the email to the comment's author). Comments/s = comments"
        echo "written ÷ $(seconds "$POST_DURATION") s. Rate limits: hits counted in rate_limits during the run."
        echo
        echo "| Scale | Run | Requests/s | p50 (ms) | p99 (ms) | Statuses | Comments written | Comments/s | Outbox rows | Rate limits | CPU others |"
        echo "|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|"
        for scale in $SCALES; do
            for mode in resident staff; do
                key="$scale/post-$mode"
                echo "| $scale | $mode | ${POST_RPS[$key]} | ${POST_P50[$key]} | ${POST_P99[$key]} | ${POST_STATUSES[$key]} | ${POST_COMMENTS[$key]} | ${POST_RATE[$key]} | ${POST_OUTBOX[$key]} | ${POST_LIMITS[$key]} | ${OTHERS[$key]} |"
            done
        done
    fi
} >"$ROOT_OUT/summary.md"

echo
cat "$ROOT_OUT/summary.md"
echo
say "raw outputs in $ROOT_OUT/"
