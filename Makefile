# Two commands for a fresh machine: `make serve` and `make test`. Both build .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: serve test lint bench clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

## Start the server on 127.0.0.1:$(PORT) with demo data (SQLite, ./mira.db); prints a key and a curl line.
serve: $(BIN)/.installed
	$(BIN)/mira demo --base-url http://127.0.0.1:$(PORT)
	$(BIN)/mira serve --port $(PORT)

## Run the whole test suite (SQLite; PostgreSQL too when MIRA_TEST_POSTGRES_URL is set).
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Print coach throughput and `mira demo` wall time, and with MIRA_BENCH_POSTGRES_URL the
## dialer's calls and webhook deliveries per second with 1 and 4 workers on PostgreSQL, the
## server against its bare-Flask floor over HTTP at 1M meetings, and the lists' and team
## statistics' latency at 10k, 100k and 1M meetings (these two need wrk; about 40 minutes), and
## the adversarial run: slow clients, header bombs, floods, bursts, restarts and kills (8 minutes).
bench: $(BIN)/.installed
	$(BIN)/python -m bench.coach
	$(BIN)/python -m bench.dialer
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.hostile

clean:
	rm -rf $(VENV) mira.db mira.db-shm mira.db-wal
