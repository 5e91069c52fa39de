# pgwire: build the DuckDB extension, run it on a demo database, test it.
#
#   make            release build -> build/release/pgwire.duckdb_extension
#   make debug      debug build   -> build/debug/pgwire.duckdb_extension
#   make run        build, then serve build/demo.duckdb on port $(PORT) from the DuckDB CLI
#   make test       unit tests, SQL-logic tests and client integration tests

PORT ?= 5432
EXT_VERSION := v$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
VENV := .venv
PY := $(VENV)/bin/python
DUCKDB_CLI := $(VENV)/bin/duckdb
# The versions we build for and test against (see DESIGN.md).
PY_PACKAGES := duckdb==2.0.1 duckdb-cli==1.5.6 "psycopg[binary]==3.3.*" psycopg2-binary asyncpg pytest "sqlalchemy==2.0.*" pandas "pgcli==4.3.*" "dbt-core==1.10.*" "dbt-postgres==1.9.*"

.PHONY: all release debug run test unit-test sql-test integration-test venv clean bench bench-quick bench-isolation exit-soak tls-cert

all: release

release: build/release/pgwire.duckdb_extension
debug: build/debug/pgwire.duckdb_extension

# Cargo decides what is stale; the packaging step is cheap.
build/release/pgwire.duckdb_extension: FORCE $(VENV)/.ready
	cargo build --release
	@mkdir -p build/release
	$(PY) scripts/package_extension.py target/release/libpgwire.so $@ --version $(EXT_VERSION) --platform "$$($(PY) scripts/duckdb_platform.py)"

build/debug/pgwire.duckdb_extension: FORCE $(VENV)/.ready
	cargo build
	@mkdir -p build/debug
	$(PY) scripts/package_extension.py target/debug/libpgwire.so $@ --version $(EXT_VERSION) --platform "$$($(PY) scripts/duckdb_platform.py)"

FORCE:

venv: $(VENV)/.ready
$(VENV)/.ready:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet $(PY_PACKAGES)
	@touch $@

# The demo database and its owner's password (random, made once, kept beside it) go together.
build/demo.duckdb: scripts/demo.sql $(VENV)/.ready
	@mkdir -p build
	rm -f $@ build/demo.password
	$(DUCKDB_CLI) $@ < scripts/demo.sql
	$(PY) -c "import secrets; print(secrets.token_urlsafe(18))" > build/demo.password

run: release build/demo.duckdb
	@echo
	@echo "Serving build/demo.duckdb on 127.0.0.1:$(PORT). Connect with:"
	@echo "    psql postgresql://duckdb:$$(cat build/demo.password)@127.0.0.1:$(PORT)/demo"
	@echo "In DuckDB: SELECT * FROM pgwire_sessions(); shows the sessions, .quit stops."
	@echo
	$(DUCKDB_CLI) -unsigned build/demo.duckdb \
		-cmd "LOAD 'build/release/pgwire.duckdb_extension'" \
		-cmd "SELECT host, port, \"user\", connection_string FROM pgwire_start($(PORT), password := '$$(cat build/demo.password)')"

test: unit-test sql-test integration-test

unit-test:
	cargo test --release --lib

sql-test: release
	$(PY) test/sqllogic.py build/release/pgwire.duckdb_extension test/sql

# The Rust client (tokio-postgres) is a small separate crate, built here for its test.
integration-test: release
	cargo build --release --quiet --manifest-path test/integration/tokio_client/Cargo.toml
	PGWIRE_EXTENSION=$(CURDIR)/build/release/pgwire.duckdb_extension $(PY) -m pytest -q test/integration

# A development CA and a server certificate it signed (localhost, 127.0.0.1, ::1) under
# build/tls/, for pgwire_start(tls_cert := 'build/tls/server.crt', tls_key := 'build/tls/server.key').
tls-cert:
	scripts/dev_cert.sh build/tls

# The long loop of the exit test (test/integration/test_exit.py): 2000 host exits with busy sessions.
exit-soak: release
	PGWIRE_EXIT_RUNS=2000 PGWIRE_EXTENSION=$(CURDIR)/build/release/pgwire.duckdb_extension $(PY) -m pytest -q test/integration/test_exit.py

# Benchmarks against PostgreSQL (bench/prepare.sh installs Debian's postgresql for initdb,
# pg_ctl and pgbench when it is missing) and in-process DuckDB; results under bench/results/.
# Not part of `make test`.
bench: release
	bench/prepare.sh
	$(VENV)/bin/python bench/run.py

bench-quick: release
	bench/prepare.sh
	$(VENV)/bin/python bench/run.py --quick

# What the isolation gateway costs a workspace session against an owner's (bench/isolation.py).
bench-isolation: release
	$(VENV)/bin/python bench/isolation.py

clean:
	rm -rf build target
