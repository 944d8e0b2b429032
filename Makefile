# Two commands: `make demo` runs the product offline, `make test` runs the whole suite
# (`make test-fast`: all but the tests that start programs).
# Both create .venv and install the project on first use (only python3 ≥ 3.11 and make needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast run bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tierbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install your system's venv package (Debian: apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## chat with the bot offline on the seeded demo book (data/demo.db)
	$(BIN)/tierbot console $(ARGS)

test: $(STAMP)  ## the whole suite (PostgreSQL tests need TIERBOT_TEST_DATABASE_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)  ## the suite without the tests that start programs (tierbot, lint-imports, pg_dump)
	$(BIN)/python -m pytest -m "not processes" $(PYTEST_ARGS)

run: $(STAMP)  ## the real bot (needs TELEGRAM_BOT_TOKEN)
	$(BIN)/tierbot run

lint: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
