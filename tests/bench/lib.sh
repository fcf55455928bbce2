#!/usr/bin/env bash
# Shared by tests/bench/bench.sh, proposals.sh and comments.sh (sourced, never run): the SQL a
# request sends, captured from PostgreSQL's log, and the CPU accounting of a run.
# Uses the caller's globals: PG_BIN, PG_SOCK, PG_PORT, PG_LOG, BASE, OUT, CLUSTER, APP_PID,
# CAPTURING, and its say and die functions; start_app also APP and BENCH_PORT.

psql_kyodo() {
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d kyodo "$@"
}

set_statement_logging() { # all | reset
    if [ "$1" = all ]; then
        psql_kyodo -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
    else
        psql_kyodo -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
    fi
}


# --- the statements each URL sends, from PostgreSQL's log --------------------------------------
#
# With log_statement = 'all', every statement is logged as "<time> [<backend pid>] LOG:  …":
# simple-protocol ones as "statement: SQL", extended-protocol ones (diesel's) as
# "execute <name>: SQL with $1 …" followed by "DETAIL:  parameters: $1 = '…', …".
# Background work of the app (the email outbox worker polls every second) uses the same pool
# at the same time, so the log is cut into units of work on each backend — a backend's first
# statement in the window, a `BEGIN` (the worker's poll is one transaction), or the statement
# after a `COMMIT`/`ROLLBACK` starts one (pages send no transaction control) — and the units
# that also occur in a window without any request are the background's, not the request's.

# stdin: log lines prefixed "I " (idle window) or "R " (request window). stdout: the request
# window's other check-outs, in order, as a pgbench script with the parameters written in as
# literals; $1: file for their raw log lines; stderr: what was kept and left out.
checkouts_of_request() {
    awk -v raw="$1" '
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
                param[n] = v
            }
        }
        {
            win = substr($0, 1, 1); line = substr($0, 3)
            # A statement over several lines: the log continues it on lines that begin with a tab.
            if (substr(line, 1, 1) == "\t" && last != "") {
                k = cur[last]
                stmt[k, count[k]] = stmt[k, count[k]] "\n" substr(line, 2)
                lines[k] = lines[k] line "\n"
                next
            }
            last = ""
            if (!match(line, /\[[0-9]+\] (LOG|DETAIL):  /)) next
            pid = substr(line, RSTART + 1); pid = substr(pid, 1, index(pid, "]") - 1)
            key = win SUBSEP pid
            s = line
            if (sub(/.*\] LOG:  statement: /, "", s) || sub(/.*\] LOG:  execute [^:]*: /, "", s)) {
                if (!(key in cur) || ended[key] || s ~ /^BEGIN/) { n++; cur[key] = n; window[n] = win }
                ended[key] = (s ~ /^(COMMIT|ROLLBACK)/)
                k = cur[key]
                stmt[k, ++count[k]] = s
                lines[k] = lines[k] line "\n"
                last = key
            } else if (sub(/.*\] DETAIL:  parameters: /, "", s) && (key in cur)) {
                k = cur[key]
                parse_params(s)
                stmt[k, count[k]] = substitute(stmt[k, count[k]])
                lines[k] = lines[k] line "\n"
            }
        }
        END {
            for (k = 1; k <= n; k++) {
                for (i = 1; i <= count[k]; i++) text[k] = text[k] stmt[k, i] ";\n"
                if (window[k] == "I") background[text[k]] = 1
            }
            for (k = 1; k <= n; k++) {
                if (window[k] != "R") continue
                if (text[k] in background) { left++; continue }
                printf "%s", text[k]
                printf "%s", lines[k] > raw
                kept++
            }
            printf "%d %d\n", kept, left > "/dev/stderr"
        }
    '
}

# The log lines written while "$@" runs, between two marker statements.
log_window() {
    local start
    psql_kyodo -c "SELECT 'kyodo-bench window begins'" >/dev/null
    start=$(wc -l <"$PG_LOG")
    "$@"
    psql_kyodo -c "SELECT 'kyodo-bench window ends'" >/dev/null
    tail -n +"$((start + 1))" "$PG_LOG" | sed '/kyodo-bench window ends/,$d'
}

# Logs every statement for one request to $1 and prints them as a pgbench script; the raw log
# lines go to $2.
capture() {
    local path=$1 raw=$2 idle request counts kept left
    curl -s -o /dev/null "$BASE$path" # the pool connection exists before logging starts
    CAPTURING=1
    set_statement_logging all
    sleep 1
    idle=$(log_window sleep 2.5)
    request=$(log_window curl -s -o /dev/null "$BASE$path")
    set_statement_logging reset
    CAPTURING=0
    { sed 's/^/I /' <<<"$idle"; sed 's/^/R /' <<<"$request"; } |
        checkouts_of_request "$raw" 2>"$OUT/.counts"
    read -r kept left <"$OUT/.counts"
    rm -f "$OUT/.counts"
    [ "$kept" -gt 0 ] || die "no statement of $path found in $PG_LOG"
    say "$path: $kept pool check-out(s) of the request kept, $left of background work left out"
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
declare -A OTHERS SPLIT
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

# EXPLAIN (ANALYZE, BUFFERS) of each SELECT in a captured script (not a `SELECT 1`, such as an
# older script's r2d2 check). A statement may span lines; each ends with ";" at the end of a line.
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

# The tools, the binary (the working tree built in release, unless APP names one), the output
# folder target/bench/<name>-<stamp>, a free port and data folder, and the clean-up at exit.
# Sets PG_BIN, COMMIT, APP, BUILT, STAMP and ROOT_OUT; uses BASE, BENCH_DIR and KEEP_DATA.
bench_start() { # name
    command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
    command -v curl >/dev/null || die "curl is needed"
    PG_BIN=$(pg_config --bindir 2>/dev/null || true)
    if [ ! -x "$PG_BIN/pgbench" ]; then
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    [ -x "$PG_BIN/pgbench" ] && [ -x "$PG_BIN/psql" ] ||
        die "pgbench and psql not found (pg_config --bindir, /usr/lib/postgresql/*/bin); apt-get install postgresql"

    COMMIT=$(git rev-parse --short HEAD)
    if [ -n "$APP" ]; then
        BUILT="$APP (given as APP)"
    else
        say "building the release binary of the working tree"
        cargo build --release --quiet
        APP=target/release/kyodo
        BUILT="working tree on $COMMIT ($(git status --porcelain | wc -l) files changed or added)"
    fi

    STAMP=$(date -u +%Y%m%dT%H%M%SZ)
    ROOT_OUT="target/bench/$1-$STAMP"
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
# scans of BIG_TABLES counted), then wrk on the URL and pgbench on its statements, into the
# caller's RPS, P50, P99, ERRORS, TPS, PG_P50, PG_P99, STATEMENTS and SEQSCANS under
# "<scale>/<name>". Uses PATHS, EXPLAIN_ONLY, WARMUP, DURATION, THREADS and CONNECTIONS.
measure_target() { # scale name label-of-the-big-tables
    local scale=$1 name=$2 label=$3
    local key="$scale/$name" code url f non2xx sock n
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE${PATHS[$name]}")
    [ "$code" = 200 ] || die "${PATHS[$name]} answers $code, not 200"
    capture "${PATHS[$name]}" "$OUT/statements-$name.log" >"$OUT/statements-$name.sql"
    STATEMENTS[$key]=$(grep -c ";$" "$OUT/statements-$name.sql")
    explain_all "$OUT/statements-$name.sql" >"$OUT/explain-$name.txt"
    SEQSCANS[$key]=$(grep -cE "Seq Scan on ($BIG_TABLES)( |$)" "$OUT/explain-$name.txt" || true)

    if [ "$EXPLAIN_ONLY" = 1 ]; then
        say "  $name: ${STATEMENTS[$key]} statements; seq scans of $label: ${SEQSCANS[$key]} (explain-$name.txt)"
        return
    fi
    url="$BASE${PATHS[$name]}"
    if [ "$(seconds "$WARMUP")" -gt 0 ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >"$OUT/warmup-$name.txt"
    fi
    say "$scale: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    accounted "$key" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$OUT/wrk-$name.txt"
    f="$OUT/wrk-$name.txt"
    RPS[$key]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
    P50[$key]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    P99[$key]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    sock=$(sed -n 's/^ *Socket errors: *//p' "$f")
    ERRORS[$key]="${non2xx:+non-2xx $non2xx }${sock:+socket errors: $sock}"

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
    say "  ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms; pgbench ${TPS[$key]} tps ($n), p50 ${PG_P50[$key]} ms; seq scans of $label: ${SEQSCANS[$key]}; CPU others ${OTHERS[$key]} ${ERRORS[$key]}"
}
