#!/usr/bin/env bash
# Runs a command (the test suite) next to throwaway PostgreSQL and Redis servers.
#
#   scripts/test-services.sh .venv/bin/pytest
#
# Installs the Debian packages when missing (as root, as CI runs), starts both on free
# loopback ports with their files in a temporary folder and nothing kept on disk, passes
# TEST_DATABASE_URL and TEST_REDIS_URL to the command, and stops both when it ends.
set -euo pipefail

pg_bin() {
    find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1
}

install_missing() {
    local wanted=()
    [[ -n "$(pg_bin)" ]] || wanted+=(postgresql)
    command -v redis-server >/dev/null || wanted+=(redis-server)
    ((${#wanted[@]})) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "tests need ${wanted[*]}: sudo apt-get install ${wanted[*]}" >&2
        exit 1
    fi
    echo "installing ${wanted[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${wanted[@]}" >/dev/null
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb and postgres refuse to run as root: root hands them to the postgres user.
as_db_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local port=$1
    mkdir "$work/pg"
    [[ $(id -u) -ne 0 ]] || chown postgres: "$work/pg"
    as_db_owner "$bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    as_db_owner "$bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -s start \
        -o "-h 127.0.0.1 -p $port -k $work/pg -c fsync=off -c full_page_writes=off"
}

start_redis() {
    local port=$1
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
        --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
    for _ in $(seq 100); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.05
    done
    echo "redis-server did not start: $(cat "$work/redis.log")" >&2
    exit 1
}

stop_all() {
    set +e
    [[ -f "$work/redis.pid" ]] && kill "$(cat "$work/redis.pid")"
    [[ -f "$work/pg/postmaster.pid" ]] && as_db_owner "$bin/pg_ctl" -D "$work/pg" -m immediate -s stop
    rm -rf "$work"
}

install_missing
bin=$(pg_bin)
work=$(mktemp -d)
chmod 755 "$work"
trap stop_all EXIT
pg_port=$(free_port)
redis_port=$(free_port)
start_postgres "$pg_port"
start_redis "$redis_port"
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
"$@"
