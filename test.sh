#!/usr/bin/env bash
# Kyodo's whole test suite: ./test.sh [extra args for the final `cargo test`, e.g. a filter]
#
# Installs what the tests need when it is missing (Chromium + chromedriver, PostgreSQL,
# libpq headers, Japanese fonts, axe-core, the Nu HTML checker and Java, Docker Compose,
# poppler-utils, aiosmtpd, icalendar, schemathesis), then runs rustfmt, clippy and every test.
# A tool that cannot be installed makes this script fail; no test is ever skipped.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

banner() {
    if [ -t 1 ]; then printf '\n\033[1m==> %s\033[0m\n' "$*"; else printf '\n==> %s\n' "$*"; fi
}
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installing what is missing

APT_LOG="${TMPDIR:-/tmp}/kyodo-test-apt.$$.log"
APT_UPDATED=0

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root to run '$*' (not root, and sudo is not installed)"
    fi
}

# apt_install PACKAGE... : installs Debian packages quietly, or fails with a clear message.
apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing: $* — this is not a Debian/Ubuntu system (no apt-get); install them by hand"
    echo "    installing Debian packages: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        if ! as_root apt-get update -qq >>"$APT_LOG" 2>&1; then
            tail -n 20 "$APT_LOG" >&2 || true
            die "apt-get update failed (log: $APT_LOG); cannot install: $*"
        fi
        APT_UPDATED=1
    fi
    if ! as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "$@" >>"$APT_LOG" 2>&1; then
        tail -n 20 "$APT_LOG" >&2 || true
        die "could not install Debian packages: $* (log: $APT_LOG)"
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

pg_server_present() {
    local bindir
    if have pg_config && bindir="$(pg_config --bindir 2>/dev/null)" && [ -x "$bindir/initdb" ]; then
        return 0
    fi
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

banner "Checking test prerequisites"

have cargo || die "cargo not found: install the Rust toolchain (https://rustup.rs), then rerun ./test.sh"
for component in rustfmt clippy; do
    sub="${component/rustfmt/fmt}"
    if ! cargo "$sub" --version >/dev/null 2>&1; then
        if have rustup; then
            echo "    adding rustup component $component"
            rustup component add "$component" >/dev/null 2>&1 || die "rustup could not add $component"
        else
            die "cargo $sub is missing: install the Rust component '$component'"
        fi
    fi
done
have cc || apt_install gcc libc6-dev

# Headless browser for the page tests.
if ! have chromium || ! have chromedriver; then
    apt_install chromium chromium-driver
fi
have chromium || die "chromium is still not on PATH after installing the Debian package 'chromium'"
have chromedriver || die "chromedriver is still not on PATH after installing the Debian package 'chromium-driver'"

# Japanese glyphs, so screenshots show text rather than boxes.
if ! have fc-list || [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
    apt_install fontconfig fonts-noto-cjk
    [ -n "$(fc-list :lang=ja 2>/dev/null)" ] || die "no Japanese font found even after installing fonts-noto-cjk"
fi

# PostgreSQL server binaries (tests start private clusters), unless a server is given.
if [ -z "${DATABASE_URL:-}" ] && ! pg_server_present; then
    # postgresql-contrib: pg_trgm (similar proposals); Debian's postgresql already ships it.
    apt_install postgresql postgresql-contrib
    pg_server_present || die "PostgreSQL server binaries (initdb) not found even after installing 'postgresql'"
fi

# libpq headers and library, for diesel's pq-sys.
if [ ! -f /usr/include/postgresql/libpq-fe.h ]; then
    apt_install libpq-dev
    [ -f /usr/include/postgresql/libpq-fe.h ] || die "libpq-fe.h not found even after installing libpq-dev"
fi

# Java, for the Nu HTML checker that tests/it/support/browser.rs runs over every page it checks.
have java || apt_install default-jre-headless
have java || die "java is still not on PATH after installing the Debian package 'default-jre-headless'"

# axe-core, injected into pages by tests/it/support/browser.rs, and the Nu HTML checker (vnu-jar).
# --ignore-scripts: vnu-jar's install script would download a Java of its own; Debian's is used.
AXE=tests/browser/node_modules/axe-core/axe.min.js
VNU=tests/browser/node_modules/vnu-jar/build/dist/vnu.jar
if [ ! -f "$AXE" ] || [ ! -f "$VNU" ]; then
    have npm || apt_install nodejs npm
    echo "    installing tests/browser node modules (axe-core, vnu-jar)"
    if [ -f tests/browser/package-lock.json ]; then
        npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null ||
            die "npm ci in tests/browser failed"
    else
        npm install --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null ||
            die "npm install in tests/browser failed"
    fi
    for file in "$AXE" "$VNU"; do
        [ -f "$file" ] || die "$file is missing after npm install"
    done
fi
# Docker Compose, to check docker-compose.yml (`docker compose config`; there is no engine to
# run it here): the compose plugin when the docker client has it, else Debian's docker-compose.
if ! docker compose version >/dev/null 2>&1 && ! have docker-compose; then
    apt_install docker-compose
    have docker-compose || die "docker-compose is still not on PATH after installing the Debian package 'docker-compose'"
fi
# PyYAML reads what `docker compose config` prints (Debian's docker-compose depends on it).
python3 -c 'import yaml' >/dev/null 2>&1 || apt_install python3-yaml

# poppler-utils (pdfinfo, pdftotext, pdftoppm): the print stylesheet test reads the PDFs
# Chromium prints (tests/it/print.rs).
if ! have pdfinfo || ! have pdftotext; then
    apt_install poppler-utils
    have pdftotext || die "pdftotext is still not on PATH after installing the Debian package 'poppler-utils'"
fi

# aiosmtpd: the real SMTP server on loopback that the mail tests deliver to (tests/it/mail.rs).
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    have python3 || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    echo "    installing aiosmtpd (pip)"
    PIP_LOG="${TMPDIR:-/tmp}/kyodo-test-pip.$$.log"
    # A Debian system Python refuses plain `pip install` (PEP 668); then install it anyway.
    python3 -m pip install --quiet aiosmtpd >>"$PIP_LOG" 2>&1 ||
        python3 -m pip install --quiet --break-system-packages aiosmtpd >>"$PIP_LOG" 2>&1 || true
    if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
        tail -n 20 "$PIP_LOG" >&2 || true
        die "could not install Python's aiosmtpd, the SMTP server of the mail tests (log: $PIP_LOG); try: python3 -m pip install aiosmtpd"
    fi
    rm -f "$PIP_LOG"
fi
# icalendar: a real calendar library reads the meetings' .ics files (tests/it/meetings_calendar.rs).
if ! python3 -c 'import icalendar' >/dev/null 2>&1; then
    have python3 || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    echo "    installing icalendar (pip)"
    PIP_LOG="${TMPDIR:-/tmp}/kyodo-test-pip.$$.log"
    python3 -m pip install --quiet icalendar >>"$PIP_LOG" 2>&1 ||
        python3 -m pip install --quiet --break-system-packages icalendar >>"$PIP_LOG" 2>&1 || true
    if ! python3 -c 'import icalendar' >/dev/null 2>&1; then
        tail -n 20 "$PIP_LOG" >&2 || true
        die "could not install Python's icalendar, which reads the meetings' calendar files in the tests (log: $PIP_LOG); try: python3 -m pip install icalendar"
    fi
    rm -f "$PIP_LOG"
fi
# prometheus_client: Prometheus' own Python client parses /metrics (tests/it/operations_metrics.rs).
if ! python3 -c 'import prometheus_client.parser' >/dev/null 2>&1; then
    have python3 || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    echo "    installing prometheus_client (pip)"
    PIP_LOG="${TMPDIR:-/tmp}/kyodo-test-pip.$$.log"
    python3 -m pip install --quiet prometheus_client >>"$PIP_LOG" 2>&1 ||
        python3 -m pip install --quiet --break-system-packages prometheus_client >>"$PIP_LOG" 2>&1 || true
    if ! python3 -c 'import prometheus_client.parser' >/dev/null 2>&1; then
        tail -n 20 "$PIP_LOG" >&2 || true
        die "could not install Python's prometheus_client, which parses /metrics in the tests (log: $PIP_LOG); try: python3 -m pip install prometheus_client"
    fi
    rm -f "$PIP_LOG"
fi
# schemathesis and openapi-spec-validator: the API against its OpenAPI document, and the
# document itself (tests/it/api_contract.rs). A user's pip puts commands in ~/.local/bin.
export PATH="$PATH:$HOME/.local/bin"
if ! have schemathesis || ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    echo "    installing schemathesis and openapi-spec-validator (pip)"
    PIP_LOG="${TMPDIR:-/tmp}/kyodo-test-pip.$$.log"
    python3 -m pip install --quiet schemathesis openapi-spec-validator >>"$PIP_LOG" 2>&1 ||
        python3 -m pip install --quiet --break-system-packages schemathesis openapi-spec-validator >>"$PIP_LOG" 2>&1 || true
    if ! have schemathesis || ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
        tail -n 20 "$PIP_LOG" >&2 || true
        die "could not install schemathesis and openapi-spec-validator, the API contract tests' tools (log: $PIP_LOG); try: python3 -m pip install schemathesis openapi-spec-validator"
    fi
    rm -f "$PIP_LOG"
fi
rm -f "$APT_LOG"

# ---------------------------------------------------------------- environment for the tests

export KYODO_PG_FAST=1
export RUST_BACKTRACE=1
export KYODO_CHROMIUM="${KYODO_CHROMIUM:-$(command -v chromium)}"
export KYODO_CHROMEDRIVER="${KYODO_CHROMEDRIVER:-$(command -v chromedriver)}"
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
fi
if [ -n "${DATABASE_URL:-}" ]; then
    echo "    using the PostgreSQL server in DATABASE_URL"
fi

# ---------------------------------------------------------------- the checks

# The benchmarks (tests/bench) are never run by the suite, only read: a syntax error in one
# would otherwise show only when someone measures.
banner "bash -n ./*.sh tests/bench/*.sh"
for script in ./*.sh tests/bench/*.sh; do
    bash -n "$script" || die "$script: syntax error"
done

banner "cargo fmt --all -- --check"
cargo fmt --all -- --check

banner "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

banner "cargo test --all-targets $*"
cargo test --all-targets "$@"

banner "All checks passed"
