#!/usr/bin/env bash
# What `make bench` needs besides the test suite's tools: PostgreSQL's server and pgbench
# (Debian's postgresql package) and pyarrow for the in-process lower bound.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pgbench >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib
    else
        echo "bench needs PostgreSQL's server and pgbench: install Debian's postgresql package" >&2
        exit 1
    fi
fi
.venv/bin/pip install --quiet pyarrow
