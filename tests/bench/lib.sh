#!/usr/bin/env bash
# Shared by the scripts in tests/bench/ but people.sh (sourced, never run): the build,
# the app with its private cluster, the SQL a request sends (captured from PostgreSQL's log),
# the load of a target and the CPU accounting of a run.
# Uses the caller's globals: PG_BIN, PG_SOCK, PG_PORT, PG_LOG, BASE, OUT, CLUSTER, APP_PID,
# CAPTURING; start_app also APP and BENCH_PORT.

# A script that takes no argument: --help prints its header comment (up to `set -euo`), anything
# else is refused.
no_arguments() { # "$@" of the script
    case "${1:-}" in
        "") ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[-1]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $1 (try --help)" >&2
            exit 2
            ;;
    esac
}

# Messages name the script that sourced this file: "[all] …", "[outbox] …".
say() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# Refuses a malformed duration (each argument: 30s, 1m, 0) or scale (small, full) at once,
# before anything is built or started.
check_settings() {
    local d scale
    for d in "$@"; do
        [[ $(seconds "$d") =~ ^[0-9]+$ ]] || die "durations look like 30s, 1m or 0, not $d"
    done
    for scale in ${SCALES:-}; do
        [[ $scale =~ ^(small|full)$ ]] || die "SCALES holds small and/or full, not $scale"
    done
}

# "30s" → 30, "2m" → 120, "45" → 45.
seconds() {
    case "$1" in
        *m) echo $((${1%m} * 60)) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}

# What a run was measured on, for the top of machine.txt (the load comes last, just before
# the runs start).
describe_machine() {
    echo "date: $(date -u '+%F %T UTC')"
    echo "built: $BUILT"
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), nproc $(nproc)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "postgres: $("$PG_BIN/postgres" --version)"
}

psql_kyodo() {
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo "$@"
}

# --- the statements each URL sends, from PostgreSQL's log --------------------------------------
#
# How one request's statements are told apart from everything else in the log, without relying
# on any statement the app happens to send (there used to be a pool check-out `SELECT 1` to
# split at; it may go, and a page may send very few statements, or none):
#   - During a capture session the cluster logs every statement (log_statement = 'all') with
#     log_line_prefix '%m [%p] %v <%a> ': the backend pid, the virtual transaction id and the
#     application name. Statements sharing pid and virtual transaction are one transaction of
#     one connection — a "unit": a statement on its own, or BEGIN … COMMIT. psql and pgbench
#     (application names psql, pgbench) are this script's own and are ignored.
#   - The app also works when nobody asks: the email worker claims due outbox rows once a
#     second (a pool check-out: the pool's own statements if it sends any, then BEGIN; SELECT …
#     FOR UPDATE SKIP LOCKED; COMMIT), a listener may LISTEN. A session starts with an idle
#     window of IDLE_WINDOW seconds without requests; there, what one connection does in one go
#     (its units, until a pause of EPISODE_GAP ms) is an "episode" of background work. In a
#     request's window, every run of consecutive units of one connection that equals such an
#     episode (same SQL, parameters aside) is left out, as is any LISTEN/UNLISTEN. Whole
#     episodes are matched, not single statements, so a request's own BEGIN or check-out
#     statement is never taken for the worker's, even when the pool hands the request the
#     connection the worker has just used.
#   - A request's window is the log lines written between just before it is sent and shortly
#     after it is answered; every statement of the request is logged before it runs, so before
#     the answer. The URL is first requested once without looking at the log (caches warm,
#     connections open), then again until two requests in a row leave the same statements
#     (literals too, instants and UUIDs aside: masked): a background unit the idle window
#     missed, a worker's episode cut by the window, or a one-off cannot pass for the page.
# The statements are written as a pgbench script, the logged bind parameters ($1 …) written in
# as literals, so that pgbench -M prepared runs what the page runs.

IDLE_WINDOW=${IDLE_WINDOW:-2.2}
EPISODE_GAP=${EPISODE_GAP:-250}
# log_line_prefix of a capture session: pid, virtual transaction id, application name.
CAPTURE_PREFIX='%m [%p] %v <%a> '

set_statement_logging() { # all | reset
    if [ "$1" = all ]; then
        psql_kyodo -c "ALTER SYSTEM SET log_statement = 'all'" \
            -c "ALTER SYSTEM SET log_line_prefix = '$CAPTURE_PREFIX'" -c "SELECT pg_reload_conf()" >/dev/null
    else
        psql_kyodo -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_line_prefix" \
            -c "SELECT pg_reload_conf()" >/dev/null
    fi
}

# stdin: log lines prefixed "I " (idle window) or "R " (one request's window). stdout: the
# request window's units that are not background work, in order, as a pgbench script with the
# parameters written in as literals; $1: file for their raw log lines; stderr: "kept left-out".
units_of_request() {
    awk -v raw="$1" -v gap="$EPISODE_GAP" '
        BEGIN {                                          # mawk has no {n} repetitions
            h = "[0-9a-f]"; h4 = h h h h; uuid = h4 h4 "-" h4 "-" h4 "-" h4 "-" h4 h4 h4
            uuids = "^\047[{]" uuid "(," uuid ")*[}]\047$"
        }
        # $n → the logged literal of parameter n (longest digit run, so $10 is not $1).
        function substitute(s,    out, i, c, j, n) {
            out = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c == "$" && substr(s, i + 1, 1) ~ /[0-9]/) {
                    j = i + 1
                    while (substr(s, j, 1) ~ /[0-9]/) j++
                    n = substr(s, i + 1, j - i - 1)
                    if (n in param) { out = out param[n]; i = j - 1; continue }
                }
                out = out c
            }
            return out
        }
        # "$1 = '\''6-1'\'', $2 = NULL" → param[1] = "'\''6-1'\''", param[2] = "NULL"
        function parse_params(s,    i, c, n, v) {
            delete param
            i = 1
            while (i <= length(s)) {
                if (substr(s, i, 1) != "$") { i++; continue }
                i++; n = ""
                while (substr(s, i, 1) ~ /[0-9]/) { n = n substr(s, i, 1); i++ }
                i += 3                                   # " = "
                v = ""
                if (substr(s, i, 1) == "'\''") {
                    v = "'\''"; i++
                    while (i <= length(s)) {
                        c = substr(s, i, 1)
                        if (c == "'\''" && substr(s, i + 1, 1) == "'\''") { v = v "'\'''\''"; i += 2; continue }
                        v = v c; i++
                        if (c == "'\''") break
                    }
                } else {
                    while (i <= length(s) && substr(s, i, 1) != ",") { v = v substr(s, i, 1); i++ }
                }
                # The log does not say a parameter'"'"'s type, and a literal has none: where the
                # SQL does not tell it either (unnest(…)), an array of UUIDs gets its own.
                if (v ~ uuids) v = v "::uuid[]"
                param[n] = v
            }
        }
        {
            win = substr($0, 1, 1); line = substr($0, 3)
            # A statement over several lines: the log continues it on lines that begin with a tab.
            if (substr(line, 1, 1) == "\t" && last != "") {
                shape[last, count[last]] = shape[last, count[last]] "\n" substr(line, 2)
                stmt[last, count[last]] = stmt[last, count[last]] "\n" substr(line, 2)
                lines[last] = lines[last] line "\n"
                next
            }
            last = ""
            if (!match(line, /\[[0-9]+\] [0-9]*\/?[0-9]* <[^>]*> (LOG|DETAIL):  /)) next
            head = substr(line, RSTART, RLENGTH)
            split(substr(line, 1, RSTART - 1), t, " ")  # date, time of day, time zone
            split(t[2], hms, ":")
            ms = ((hms[1] * 60 + hms[2]) * 60 + hms[3]) * 1000
            split(head, f, " ")                         # [pid] vxid <app> LOG:
            if (f[2] ~ /^</) { f[3] = f[2]; f[2] = "" } # no virtual transaction
            if (f[3] == "<psql>" || f[3] == "<pgbench>") next
            key = win SUBSEP f[1] SUBSEP f[2]
            s = substr(line, RSTART + RLENGTH)
            if (sub(/^statement: /, "", s) || sub(/^execute [^:]*: /, "", s)) {
                if (!(key in unit) || f[2] == "") {
                    unit[key] = ++n; window[n] = win; pid[n] = f[1]; first[n] = ms
                }
                k = unit[key]
                lastms[k] = ms
                count[k]++
                shape[k, count[k]] = s
                stmt[k, count[k]] = s
                lines[k] = lines[k] line "\n"
                last = k
            } else if (sub(/^parameters: /, "", s) && (key in unit)) {
                k = unit[key]
                parse_params(s)
                stmt[k, count[k]] = substitute(stmt[k, count[k]])
                lines[k] = lines[k] line "\n"
            }
        }
        END {
            for (k = 1; k <= n; k++) {
                for (i = 1; i <= count[k]; i++) {
                    sql[k] = sql[k] shape[k, i] ";\n"
                    text[k] = text[k] stmt[k, i] ";\n"
                }
                # Each connection (pid) of each window: its units in order.
                c = window[k] SUBSEP pid[k]
                if (!(c in units)) { conns[++nconns] = c }
                order[c, ++units[c]] = k
            }
            # The idle window: the units of a connection are one episode until a gap of gap ms.
            for (x = 1; x <= nconns; x++) {
                c = conns[x]
                if (substr(c, 1, 1) != "I") continue
                e = ""
                for (j = 1; j <= units[c]; j++) {
                    k = order[c, j]
                    if (j > 1 && first[k] - lastms[order[c, j - 1]] >= gap) { background[e] = 1; e = "" }
                    e = e sql[k] "\036"
                }
                if (e != "") background[e] = 1
            }
            # The request window: on each connection, every run of units that is a background
            # episode, and every LISTEN/UNLISTEN, is left out.
            for (x = 1; x <= nconns; x++) {
                c = conns[x]
                if (substr(c, 1, 1) != "R") continue
                for (j = 1; j <= units[c]; j++) {
                    k = order[c, j]
                    if (toupper(sql[k]) ~ /^(UN)?LISTEN /) drop[k] = 1
                    if (k in drop) continue
                    e = ""
                    for (i = j; i <= units[c]; i++) {
                        e = e sql[order[c, i]] "\036"
                        if (e in background) { for (m = j; m <= i; m++) drop[order[c, m]] = 1; break }
                    }
                }
            }
            for (k = 1; k <= n; k++) {
                if (window[k] != "R") continue
                if (k in drop) { left++; continue }
                printf "%s", text[k]
                printf "%s", lines[k] > raw
                kept++
            }
            printf "%d %d\n", kept, left > "/dev/stderr"
        }
    '
}

# A capture session: statement logging on, then the idle window (background work only).
capture_begin() {
    CAPTURING=1
    set_statement_logging all
    sleep 0.3
    local start
    start=$(wc -l <"$PG_LOG")
    sleep "$IDLE_WINDOW"
    IDLE_LOG=$(tail -n +"$((start + 1))" "$PG_LOG")
}

capture_end() {
    set_statement_logging reset
    CAPTURING=0
    [ "$(psql_kyodo -c 'SHOW log_statement')" = none ] || die "log_statement is still on"
}

# The log lines of one request to $1: from just before it is sent to shortly after its answer.
request_window() {
    local start
    start=$(wc -l <"$PG_LOG")
    curl -s -o /dev/null "$BASE$1"
    sleep 0.2
    tail -n +"$((start + 1))" "$PG_LOG"
}

# What may differ between two requests of the same page, and between runs, without the page's
# SQL changing: instants (the clock, rows generated "now() - interval …") and UUIDs (random
# ids of seeded rows), and how many UUIDs a list holds (the rows of a page at each scale).
# Everything else — statements, their order, other literals — must match.
masked() {
    sed -E -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<uuid>/g' \
        -e 's/<uuid>(,<uuid>)+/<uuid>/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([+-][0-9]{2}(:?[0-9]{2})?|Z)?)?/<time>/g'
}

# Within a session: the statements of one request to $1 as a pgbench script on stdout, their raw
# log lines in $2. Requests until two in a row send the same statements (at most 5 tries).
capture_request() {
    local path=$1 raw=$2 try previous="" current kept left n=0
    curl -s -o /dev/null "$BASE$path"
    for try in 1 2 3 4 5; do
        current=$({ sed 's/^/I /' <<<"$IDLE_LOG"; request_window "$path" | sed 's/^/R /'; } |
            units_of_request "$raw.$try" 2>"$raw.counts")
        if [ "$try" -gt 1 ] && [ "$(masked <<<"$current")" = "$(masked <<<"$previous")" ]; then
            read -r kept left <"$raw.counts"
            mv "$raw.$try" "$raw" 2>/dev/null || : >"$raw"
            rm -f "$raw".[0-9] "$raw.counts"
            [ -z "$current" ] || n=$(grep -c ';$' <<<"$current")
            say "$path: $n statement(s) in $kept transaction(s); $left transaction(s) of background work left out"
            [ -z "$current" ] || printf '%s\n' "$current"
            return 0
        fi
        previous=$current
    done
    die "$path: no two requests in a row sent the same statements (log lines in $raw.*)"
}

# Outside a session: logs every statement for one request to $1 and prints them as a pgbench
# script; the raw log lines go to $2.
capture() {
    capture_begin
    capture_request "$@"
    capture_end
}

# The statements of a pgbench script, without comments and blank lines.
statements_of() { grep -vE '^[[:space:]]*(--|$)' "$1"; }

# wrk prints 812.00us, 1.23ms, 1.02s, 1.50m; → milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) print "?"; else printf "%.2f", n * f
    }'
}

# CPU accounting, in clock ticks, to tell how much of the machine the benchmark did NOT have:
# every busy tick of the machine minus the ticks of the app, its PostgreSQL (postmaster, live
# backends, and reaped ones through the postmaster's cutime) and the load generator.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { # pid [with reaped children]
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        echo 0
        return
    }
    # Fields after "(comm) ": state is token 1, utime 12, stime 13, cutime 14, cstime 15.
    awk -v all="${2:-}" '{ print $12 + $13 + (all ? $14 + $15 : 0) }' <<<"${stat##*) }"
}
# → TICKS=(app PostgreSQL load-generator); not in a subshell: `times` must run in this shell.
ours_ticks() {
    local postmaster pg child
    postmaster=$(sed -n 1p "$CLUSTER/postmaster.pid")
    pg=$(proc_ticks "$postmaster" all)
    for child in $(pgrep -P "$postmaster"); do pg=$((pg + $(proc_ticks "$child"))); done
    # The load generator is this shell's child: `times` reports reaped children's CPU.
    times >"$OUT/.times"
    TICKS=("$(proc_ticks "$APP_PID" all)" "$pg" "$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
        split($1, u, /[ms]/); split($2, k, /[ms]/)
        printf "%d\n", (u[1] * 60 + u[2] + k[1] * 60 + k[2]) * hz }' "$OUT/.times")")
    rm -f "$OUT/.times"
}
declare -A OTHERS SPLIT RSS
# Runs "$@" and records, in % of all cores over the run, the CPU of the app, its PostgreSQL and
# the load generator (SPLIT[$label]) and what other processes (compilers, tests …) used
# meanwhile (OTHERS[$label]).
accounted() {
    local label=$1 busy0 total0 busy1 total1 before status=0
    shift
    read -r busy0 total0 < <(machine_ticks)
    ours_ticks
    before=("${TICKS[@]}")
    "$@" || status=$?
    read -r busy1 total1 < <(machine_ticks)
    ours_ticks
    local app=$((TICKS[0] - before[0])) pg=$((TICKS[1] - before[1])) gen=$((TICKS[2] - before[2]))
    local busy=$((busy1 - busy0)) total=$((total1 - total0))
    echo "$label: machine busy $busy of $total ticks; app $app, PostgreSQL $pg, load generator $gen" >>"$OUT/cpu-ticks.txt"
    read -r OTHERS[$label] SPLIT[$label] < <(awk -v b="$busy" -v t="$total" -v a="$app" -v p="$pg" -v g="$gen" 'BEGIN {
        x = (b - a - p - g) / t * 100; if (x < 0) x = 0
        printf "%.0f%% %.0f/%.0f/%.0f\n", x, a / t * 100, p / t * 100, g / t * 100 }')
    return "$status"
}


# --- one app per scale (tests/bench/proposals.sh, tests/bench/comments.sh) --------------------

stop_app() {
    if [ "$CAPTURING" = 1 ] && [ -n "$PG_SOCK" ]; then
        set_statement_logging reset
        CAPTURING=0
    fi
    if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
        say "stopping the app (pid $APP_PID) and its PostgreSQL cluster"
        kill -TERM "$APP_PID"
        wait "$APP_PID" || true
    fi
    APP_PID=""
    if [ -n "$CLUSTER" ] && [ -f "$CLUSTER/postmaster.pid" ]; then
        say "PostgreSQL still runs in $CLUSTER; stopping it"
        local owner
        owner=$(stat -c %U "$CLUSTER")
        if [ "$(id -u)" -eq 0 ] && [ "$owner" != root ]; then
            runuser -u "$owner" -- "$PG_BIN/pg_ctl" -D "$CLUSTER" -m fast -w stop >/dev/null
        else
            "$PG_BIN/pg_ctl" -D "$CLUSTER" -m fast -w stop >/dev/null
        fi
    fi
}

start_app() { # data dir
    local data=$1 ready=0
    CLUSTER="$data/postgres"
    PG_LOG="$data/postgres.log"
    say "starting $APP serve on $BASE (data in $data)"
    env -u DATABASE_URL KYODO_DATA_DIR="$data" KYODO_LISTEN="127.0.0.1:$BENCH_PORT" RUST_LOG=warn \
        "$APP" serve >"$OUT/app.log" 2>&1 &
    APP_PID=$!
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
    [ -f "$CLUSTER/postmaster.pid" ] || die "no $CLUSTER/postmaster.pid"
    PG_PORT=$(sed -n 4p "$CLUSTER/postmaster.pid")
    PG_SOCK=$(sed -n 5p "$CLUSTER/postmaster.pid")
}

# The href of the page's rel="next" link, unescaped and without its #fragment.
next_page() {
    curl -s "$BASE$1" | grep -o '<a href="[^"]*" rel="next"' | head -n 1 |
        sed 's/^<a href="//; s/" rel="next"$//; s/&amp;/\&/g; s/&#x3D;/=/g; s/#.*$//'
}

# EXPLAIN (ANALYZE, BUFFERS) of each SELECT in a captured script (not r2d2's SELECT 1). A
# statement may span lines; each ends with ";" at the end of a line.
explain_all() { # statements.sql → stdout
    local line statement=""
    while IFS= read -r line; do
        statement+="$line"$'\n'
        [[ $line == *";" ]] || continue
        case "$statement" in
            "SELECT 1;"$'\n') ;;
            SELECT* | WITH* | select* | with*)
                printf -- '-- %s' "$statement"
                psql_kyodo -c "EXPLAIN (ANALYZE, BUFFERS) ${statement%;*}"
                echo
                ;;
        esac
        statement=""
    done < <(statements_of "$1")
}

percentiles() { # pgbench log files → "n p50 p99" in ms
    cat "$@" | awk '{print $3}' | sort -n | awk '
        { v[NR] = $1 }
        END {
            i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
            i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
            printf "%d %.2f %.2f\n", NR, v[i50] / 1000, v[i99] / 1000
        }'
}

# --- the set-up proposals.sh and comments.sh share ---------------------------------------------

# The tools, the binary, the output folder target/bench/<name>-<stamp> (target/bench/<stamp>
# without a name), a free port and data folder, and the clean-up at exit. The binary: APP when
# given; else BENCH_REV, a commit exported with git archive and built in target/bench/ (other
# people's unfinished edits neither break the build nor end up in the figures); else the working
# tree, built in release.
# Sets PG_BIN, COMMIT, APP, BUILT, STAMP and ROOT_OUT; uses BASE, BENCH_DIR and KEEP_DATA.
# PostgreSQL's client programs (psql, and pgbench for the ceiling): PG_BIN.
find_pg_bin() { # tools needed, e.g. psql pgbench
    local tool
    PG_BIN=$(pg_config --bindir 2>/dev/null || true)
    if [ ! -x "$PG_BIN/$1" ]; then
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    for tool in "$@"; do
        [ -x "$PG_BIN/$tool" ] ||
            die "$tool not found (pg_config --bindir, /usr/lib/postgresql/*/bin); apt-get install postgresql"
    done
}

# The binary measured: APP as given, BENCH_REV exported and built, or the working tree built.
# Sets APP, COMMIT and BUILT.
build_app() {
    if [ -n "${APP:-}" ]; then
        COMMIT=$(git rev-parse --short HEAD)
        BUILT="$APP (given as APP)"
    elif [ -n "${BENCH_REV:-}" ]; then
        COMMIT=$(git rev-parse --short "$BENCH_REV^{commit}")
        local src="target/bench/src-$COMMIT"
        if [ ! -f "$src/Cargo.toml" ]; then
            rm -rf "$src"
            mkdir -p "$src"
            git archive "$COMMIT" | tar -x -C "$src"
        fi
        say "building the release binary of $COMMIT (git archive in $src)"
        (cd "$src" && CARGO_TARGET_DIR="$PWD/../target" cargo build --release --locked --quiet)
        APP=target/bench/target/release/kyodo
        BUILT="commit $COMMIT, exported with git archive (BENCH_REV=$BENCH_REV)"
    else
        COMMIT=$(git rev-parse --short HEAD)
        say "building the release binary of the working tree"
        cargo build --release --quiet
        APP="${CARGO_TARGET_DIR:-target}/release/kyodo"
        BUILT="working tree on $COMMIT ($(git status --porcelain | wc -l) files changed or added)"
    fi
}

bench_start() { # [name]
    command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
    command -v curl >/dev/null || die "curl is needed"
    find_pg_bin pgbench psql
    build_app

    STAMP=$(date -u +%Y%m%dT%H%M%SZ)
    ROOT_OUT="target/bench/${1:+$1-}$STAMP"
    mkdir -p "$ROOT_OUT"
    if curl -s -o /dev/null --max-time 2 "$BASE/"; then
        die "something already answers on $BASE; stop it or set BENCH_PORT"
    fi
    [ -e "$BENCH_DIR" ] && die "$BENCH_DIR exists; remove it or set BENCH_DIR"
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

bench_cleanup() {
    local status=$?
    set +e
    stop_app
    if [ "$KEEP_DATA" != 1 ] && [ -d "$BENCH_DIR" ]; then
        rm -rf "$BENCH_DIR"
    fi
    exit "$status"
}

# One target of a scale: the statements of its URL (captured, counted, explained, sequential
# scans of BIG_TABLES counted), then its load (load_target). Uses PATHS and EXPLAIN_ONLY.
measure_target() { # scale name label-of-the-big-tables
    local scale=$1 name=$2 label=$3
    local key="$scale/$name" code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE${PATHS[$name]}")
    [ "$code" = 200 ] || die "${PATHS[$name]} answers $code, not 200"
    capture "${PATHS[$name]}" "$OUT/statements-$name.log" >"$OUT/statements-$name.sql"
    STATEMENTS[$key]=$(grep -c ";$" "$OUT/statements-$name.sql" || true)
    explain_all "$OUT/statements-$name.sql" >"$OUT/explain-$name.txt"
    SEQSCANS[$key]=$(grep -cE "Seq Scan on ($BIG_TABLES)( |$)" "$OUT/explain-$name.txt" || true)

    if [ "$EXPLAIN_ONLY" = 1 ]; then
        say "  $name: ${STATEMENTS[$key]} statements; seq scans of $label: ${SEQSCANS[$key]} (explain-$name.txt)"
        return
    fi
    load_target "$scale" "$name"
    say "  seq scans of $label: ${SEQSCANS[$key]}"
}

# The app's resident memory now, in MiB (VmRSS of /proc/<pid>/status).
app_rss() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$APP_PID/status"; }

# wrk on the URL of a target, then pgbench on the statements captured in
# $OUT/statements-<name>.sql (none: no ceiling, TPS "—"), into the caller's RPS, P50, P99,
# ERRORS, RSS (the app's VmRSS right after wrk), TPS, PG_P50 and PG_P99 under "<scale>/<name>";
# the CPU split of each run in SPLIT and OTHERS under the same key (pgbench: "<key>/pgbench").
# Uses PATHS, WARMUP, DURATION, THREADS and CONNECTIONS.
load_target() { # scale name
    local scale=$1 name=$2
    local key="$scale/$name" url f non2xx sock n
    url="$BASE${PATHS[$name]}"
    if [ "$(seconds "$WARMUP")" -gt 0 ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >"$OUT/warmup-$name.txt"
    fi
    say "$scale: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    accounted "$key" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$OUT/wrk-$name.txt"
    RSS[$key]=$(app_rss)
    f="$OUT/wrk-$name.txt"
    RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
    P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$f")
    ERRORS[$key]="${non2xx:+non-2xx $non2xx }${sock:+socket errors: $sock}"

    if ! grep -q ';$' "$OUT/statements-$name.sql"; then
        TPS[$key]="—" PG_P50[$key]="—" PG_P99[$key]="—"
        say "  ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms; no statement, no ceiling; CPU others ${OTHERS[$key]} ${ERRORS[$key]}"
        return
    fi
    local pgbench=("$PG_BIN/pgbench" -n -c"$CONNECTIONS" -j"$THREADS" -M prepared
        -f "$OUT/statements-$name.sql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres)
    if [ "$(seconds "$WARMUP")" -gt 0 ]; then
        "${pgbench[@]}" -T"$(seconds "$WARMUP")" kyodo >"$OUT/warmup-pgbench-$name.txt" 2>&1
    fi
    accounted "$key/pgbench" "${pgbench[@]}" -T"$(seconds "$DURATION")" --log \
        --log-prefix="$OUT/pgbench-$name" kyodo >"$OUT/pgbench-$name.txt" 2>&1 || {
        cat "$OUT/pgbench-$name.txt" >&2
        die "pgbench failed on the statements of ${PATHS[$name]}"
    }
    TPS[$key]=$(awk '/^tps = / {printf "%.0f", $3; exit}' "$OUT/pgbench-$name.txt")
    read -r n PG_P50[$key] PG_P99[$key] < <(percentiles "$OUT"/pgbench-"$name".*[0-9])
    gzip -q "$OUT"/pgbench-"$name".*[0-9]
    say "  ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms; pgbench ${TPS[$key]} tps ($n), p50 ${PG_P50[$key]} ms; CPU app/pg/wrk ${SPLIT[$key]}, others ${OTHERS[$key]} ${ERRORS[$key]}"
}
