#!/usr/bin/env bash
# Kyodo (協働) benchmark: every public page and its API twin, at two scales, in one table (issue
# 12). Not a test: nothing in the test suite runs it, and it asserts no timing; but it fails when
# a page's SQL is no longer what tests/bench/sql/<target>.sql records (drift is an error).
#
# Builds the release binary (or BENCH_REV, or takes APP), then for each scale starts it the way a
# user does (`kyodo serve`, no DATABASE_URL: its private PostgreSQL cluster in a scratch folder,
# migrated and seeded by the app), fills it with tests/bench/proposals-data.sql and
# tests/bench/comments-data.sql, and:
#   1. captures the SQL one request of each target sends, from PostgreSQL's own log (how the
#      request's statements are told from the app's background work: tests/bench/lib.sh,
#      "the statements each URL sends"), and compares it with tests/bench/sql/<target>.sql;
#   2. for each target: wrk (requests/s, p50, p99, the CPU split from /proc, the app's VmRSS
#      after the run), then pgbench -M prepared of the target's own statements: the ceiling
#      the page could reach if HTTP, the pool, decoding and rendering cost nothing.
# Scales: "small" is the seeded plan with SMALL_PROPOSALS proposals, SMALL_COMMENTS comments
# and SMALL_OPINIONS opinions; "full" is FULL_PROPOSALS, FULL_COMMENTS and FULL_OPINIONS. At both,
# the hot proposal holds HOT_COMMENTS comments and measure 5-1 one in a hundred of the comments.
# Writes ONE table (markdown) to stdout and target/bench/<timestamp>/summary.md, raw outputs
# beside it; then exits 1 if any target's SQL differs from its recorded file (diffs printed).
#
# Usage:
#   tests/bench/all.sh                            # both scales, about 15 minutes on 2 cores
#   DURATION=2s WARMUP=1s SCALES=small tests/bench/all.sh   # a quick check of the script
#   tests/bench/all.sh --capture                  # rewrite tests/bench/sql/*.sql (small scale)
#
# Settings (environment):
#   DURATION=4s  WARMUP=1s   each measured run (wrk, then pgbench) and its unrecorded warm-up
#   CONNECTIONS=32  THREADS=2   wrk connections / pgbench clients, and their threads
#   SCALES="small full"
#   TARGETS="name …"   only these targets (names of tests/bench/sql/<name>.sql, e.g.
#                      TARGETS="proposals-measure api-proposals-measure"); default: all
#   SMALL_PROPOSALS=1000 SMALL_COMMENTS=10000 SMALL_OPINIONS=50
#   FULL_PROPOSALS=100000 FULL_COMMENTS=1000000 FULL_OPINIONS=5000
#   HOT_COMMENTS=500
#   BENCH_PORT=8095
#   BENCH_DIR=/tmp/kyodo-bench   one KYODO_DATA_DIR per scale below it; removed afterwards
#                                unless KEEP_DATA=1
#   BENCH_REV=HEAD   measure a commit (git archive, built in target/bench/) instead of the
#                    working tree;  APP=path   measure that binary
#   IDLE_WINDOW=2.2  seconds of log without requests that show the app's background work
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

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

DURATION=${DURATION:-4s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SCALES=${SCALES:-small full}
TARGETS=${TARGETS:-}
SMALL_PROPOSALS=${SMALL_PROPOSALS:-1000}
SMALL_COMMENTS=${SMALL_COMMENTS:-10000}
SMALL_OPINIONS=${SMALL_OPINIONS:-50}
FULL_PROPOSALS=${FULL_PROPOSALS:-100000}
FULL_COMMENTS=${FULL_COMMENTS:-1000000}
FULL_OPINIONS=${FULL_OPINIONS:-5000}
HOT_COMMENTS=${HOT_COMMENTS:-500}
BENCH_PORT=${BENCH_PORT:-8095}
BENCH_DIR=${BENCH_DIR:-/tmp/kyodo-bench}
KEEP_DATA=${KEEP_DATA:-0}
APP=${APP:-}
BENCH_REV=${BENCH_REV:-}
# The recorded SQL is that of the small scale.
[ "$MODE" = capture ] && SCALES=small

BASE="http://127.0.0.1:${BENCH_PORT}"
SQL_DIR=tests/bench/sql
HOT_TITLE='（ベンチマーク）コメントの多い提案'
CONSULTATION_TITLE='（ベンチマーク）意見の多い意見公募'
# 子ども: in the titles of three proposals in ten (proposals-data.sql's topics).
SEARCH='%E5%AD%90%E3%81%A9%E3%82%82'

# seconds, psql_kyodo, capture_begin/capture_request/capture_end, masked, load_target, …
source tests/bench/lib.sh

check_settings "$DURATION" "$WARMUP"

# The targets: name (also of tests/bench/sql/<name>.sql) and the URL as the table shows it; the
# URLs with ids are completed once the data exists (set_paths). Each page, then its API twin
# (the twin of / is the list of plans it shows).
NAMES=()
declare -A SHOWN PATHS
target() { # name shown-url
    NAMES+=("$1")
    SHOWN[$1]=$2
    PATHS[$1]=$2
}
target home /
target api-plans /api/v1/plans
for code in 6-1 5-1; do
    target "measure-$code" "/measures/$code"
    target "api-measure-$code" "/api/v1/measures/$code"
done
# Every order and every filter of the list (src/proposals/handlers.rs ListQuery), and its
# second page (the keyset cursor of the "next" link).
for prefix in "" api-; do
    base=/proposals
    [ -z "$prefix" ] || base=/api/v1/proposals
    target "${prefix}proposals" "$base"
    target "${prefix}proposals-supported" "$base?sort=supported"
    target "${prefix}proposals-decided" "$base?sort=decided"
    target "${prefix}proposals-state" "$base?state=adopted"
    target "${prefix}proposals-measure" "$base?measure=5-1"
    # The organisation with the most public proposals.
    target "${prefix}proposals-organisation" "$base?organisation={organisation}"
    target "${prefix}proposals-search" "$base?q=子ども"
    target "${prefix}proposals-page-2" "$base?before={cursor}"
done
target proposal "/proposals/{hot}"
target api-proposal "/api/v1/proposals/{hot}"
target consultation "/consultations/{id}"
target api-consultation "/api/v1/consultations/{id}"
target consultation-result "/consultations/{id}/result"
target api-consultation-result "/api/v1/consultations/{id}/result"
if [ -n "$TARGETS" ]; then
    chosen=()
    for name in $TARGETS; do
        [ -n "${SHOWN[$name]:-}" ] || die "TARGETS: no target named $name (see tests/bench/sql/)"
        chosen+=("$name")
    done
    NAMES=("${chosen[@]}")
fi

APP_PID=""
PG_SOCK=""
PG_PORT=""
CLUSTER=""
PG_LOG=""
OUT=""
CAPTURING=0
bench_start

declare -A RPS P50 P99 ERRORS TPS PG_P50 PG_P99 STATEMENTS SAME GENERATED IDLE_RSS PEAK_RSS
DRIFTED=()

# The "next" link of an API list page.
api_next() { curl -s "$BASE$1" | grep -o '"next": *"[^"]*"' | head -n 1 | sed 's/^"next": *"//; s/"$//'; }

set_paths() {
    local hot organisation consultation
    hot=$(psql_kyodo -c "SELECT id FROM proposals WHERE title = '$HOT_TITLE'")
    [ -n "$hot" ] || die "no hot proposal titled $HOT_TITLE"
    organisation=$(psql_kyodo -c "SELECT organisation_id FROM proposals WHERE organisation_id IS NOT NULL
        AND submitted_at IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    [ -n "$organisation" ] || die "no public proposal in an organisation's name"
    consultation=$(psql_kyodo -c "SELECT id FROM consultations WHERE title = '$CONSULTATION_TITLE'")
    [ -n "$consultation" ] || die "no consultation titled $CONSULTATION_TITLE"
    local name path
    for name in "${NAMES[@]}"; do
        path=${SHOWN[$name]//\{hot\}/$hot}
        path=${path//\{organisation\}/$organisation}
        path=${path//\{id\}/$consultation}
        path=${path//子ども/$SEARCH}
        PATHS[$name]=$path
    done
    PATHS[proposals-page-2]=$(next_page /proposals)
    PATHS[api-proposals-page-2]=$(api_next /api/v1/proposals)
    [ -n "${PATHS[proposals-page-2]}" ] && [ -n "${PATHS[api-proposals-page-2]}" ] ||
        die "/proposals has a single page: no cursor to follow"
    for name in "${NAMES[@]}"; do echo "$name: ${PATHS[$name]}"; done >"$OUT/targets.txt"
}

generate() { # scale
    local proposals comments opinions started
    if [ "$1" = small ]; then
        proposals=$SMALL_PROPOSALS comments=$SMALL_COMMENTS opinions=$SMALL_OPINIONS
    else
        proposals=$FULL_PROPOSALS comments=$FULL_COMMENTS opinions=$FULL_OPINIONS
    fi
    say "$1: generating $proposals proposals, $comments comments ($HOT_COMMENTS on the hot one," \
        "$((comments / 100)) on measure 5-1) and a consultation with $opinions opinions"
    started=$(date +%s)
    {
        "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo \
            -v proposals="$proposals" -v comments="$comments" -v hot_comments="$HOT_COMMENTS" \
            -f tests/bench/proposals-data.sql &&
            "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo \
                -v measure=5-1 -v comments="$((comments / 100))" -v opinions="$opinions" \
                -f tests/bench/comments-data.sql
    } >"$OUT/generate.txt" 2>&1 || {
        cat "$OUT/generate.txt" >&2
        die "the generator failed"
    }
    psql_kyodo -c "CHECKPOINT" >/dev/null
    GENERATED[$1]="$proposals proposals, $((comments + comments / 100)) comments, $opinions opinions (generated in $(($(date +%s) - started)) s)"
    say "  ${GENERATED[$1]}"
}

# The recorded file of a target: a comment header, then the statements (none: only the header).
record() { # name
    local name=$1 file="$SQL_DIR/$1.sql"
    {
        echo "-- The SQL statements GET ${SHOWN[$name]} sends, in order, as one pgbench script"
        echo "-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page)."
        echo "-- Captured from PostgreSQL's log by \`tests/bench/all.sh --capture\` on $(date -u +%F), at the small scale."
        echo "-- built: $BUILT."
        echo "-- The bind parameters (\$1 …) are written in as the literals the log shows."
        echo "-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside)."
        grep -q ';$' "$OUT/statements-$name.sql" || echo "-- No statement: the page answers from memory."
        cat "$OUT/statements-$name.sql"
    } >"$file"
}

# Compares a target's captured statements with its recorded file; a difference is drift.
check_recorded() { # scale name
    local key="$1/$2" file="$SQL_DIR/$2.sql"
    if [ ! -f "$file" ]; then
        SAME[$key]="**no file**"
        DRIFTED+=("$key: $file is missing (tests/bench/all.sh --capture writes it)")
    elif diff -u --label "$file" --label "GET ${PATHS[$2]} ($1 scale)" \
        <(statements_of "$file" | masked) <(masked <"$OUT/statements-$2.sql") >"$OUT/drift-$2.diff"; then
        SAME[$key]=same
        rm -f "$OUT/drift-$2.diff"
    else
        SAME[$key]="**differs**"
        DRIFTED+=("$key: $OUT/drift-$2.diff")
    fi
}

run_scale() { # small | full
    local scale=$1 name
    OUT="$ROOT_OUT/$scale"
    mkdir -p "$OUT"
    start_app "$BENCH_DIR/$scale"
    generate "$scale"
    set_paths
    for name in "${NAMES[@]}"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE${PATHS[$name]}")
        [ "$code" = 200 ] || die "${PATHS[$name]} answers $code, not 200"
    done

    say "$scale: capturing the SQL of each target"
    capture_begin
    for name in "${NAMES[@]}"; do
        capture_request "${PATHS[$name]}" "$OUT/statements-$name.log" >"$OUT/statements-$name.sql"
        STATEMENTS[$scale/$name]=$(grep -c ';$' "$OUT/statements-$name.sql" || true)
    done
    capture_end
    if [ "$MODE" = capture ]; then
        mkdir -p "$SQL_DIR"
        for name in "${NAMES[@]}"; do record "$name"; done
        say "wrote ${#NAMES[@]} files in $SQL_DIR/"
    else
        for name in "${NAMES[@]}"; do check_recorded "$scale" "$name"; done
        IDLE_RSS[$scale]=$(app_rss)
        for name in "${NAMES[@]}"; do load_target "$scale" "$name"; done
        PEAK_RSS[$scale]=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$APP_PID/status")
    fi
    stop_app
    if [ "$KEEP_DATA" != 1 ]; then rm -rf "${BENCH_DIR:?}/$scale"; fi
}

{
    describe_machine
    echo "wrk: $(wrk -v 2>&1 | head -n 1 || true)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$ROOT_OUT/machine.txt"

for scale in $SCALES; do
    run_scale "$scale"
done
if [ "$MODE" = capture ]; then
    rm -rf "$ROOT_OUT"
    exit 0
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$ROOT_OUT/machine.txt"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 == 0 || b + 0 == 0) print "—"; else printf "%.2f", a / b }'; }
{
    echo "# Kyodo benchmark $STAMP"
    echo
    echo '```'
    cat "$ROOT_OUT/machine.txt"
    for scale in $SCALES; do echo "$scale: ${GENERATED[$scale]}"; done
    echo '```'
    echo
    echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, then pgbench -n -c$CONNECTIONS -j$THREADS"
    echo "-T$(seconds "$DURATION") -M prepared -f <the target's statements> (each after a $WARMUP warm-up)."
    echo "Ceiling: pgbench tps of the statements one request sends; ratio: req/s ÷ ceiling. CPU: share of"
    echo "all $(nproc) cores during the wrk run: app / PostgreSQL / wrk / other processes (%). RSS: the"
    echo "app's VmRSS after the wrk run. Cost: small-scale req/s ÷ this scale's (1 = flat with the data)."
    echo "SQL: the statements compared with tests/bench/sql/<target>.sql (instants and UUIDs aside)."
    echo
    echo "| Target | Scale | Statements | SQL | Req/s | Ceiling (tps) | Ratio | p50 (ms) | p99 (ms) | CPU app/PG/wrk/other (%) | RSS (MiB) | Cost vs small | Errors |"
    echo "|---|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---|"
    for name in "${NAMES[@]}"; do
        for scale in $SCALES; do
            key="$scale/$name"
            cost="—"
            [ "$scale" = small ] || cost=$(ratio "${RPS[small/$name]:-0}" "${RPS[$key]}")
            echo "| \`${SHOWN[$name]}\` | $scale | ${STATEMENTS[$key]} | ${SAME[$key]} | ${RPS[$key]} | ${TPS[$key]} |" \
                "$(ratio "${RPS[$key]}" "${TPS[$key]}") | ${P50[$key]} | ${P99[$key]} | ${SPLIT[$key]}/${OTHERS[$key]%\%} |" \
                "${RSS[$key]} | $cost | ${ERRORS[$key]:-none} |"
        done
    done
    echo
    for scale in $SCALES; do
        echo "RSS of the app, $scale scale: ${IDLE_RSS[$scale]} MiB idle (after start, data and capture), ${PEAK_RSS[$scale]} MiB at most (VmHWM)."
    done
    echo
    if [ "${#DRIFTED[@]}" -eq 0 ]; then
        echo "Every target sends the SQL recorded in tests/bench/sql/."
    else
        echo "SQL drift (the run fails): ${#DRIFTED[@]} target(s) no longer send what tests/bench/sql/ records."
    fi
} >"$ROOT_OUT/summary.md"

echo
cat "$ROOT_OUT/summary.md"
echo
say "raw outputs in $ROOT_OUT/"
if [ "${#DRIFTED[@]}" -gt 0 ]; then
    for line in "${DRIFTED[@]}"; do
        say "SQL drift: $line"
        f=${line#*: }
        [ ! -f "$f" ] || cat "$f" >&2
    done
    say "error: the SQL of ${#DRIFTED[@]} target(s) differs from tests/bench/sql/; if that is intended," \
        "record it with tests/bench/all.sh --capture and say why in the commit"
    exit 1
fi
