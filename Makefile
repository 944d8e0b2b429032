# Two commands: `make demo` runs the product offline, `make test` runs the whole suite
# (`make test-fast`: all but the tests that start programs).
# Both create .venv and install the project on first use (only python3 ≥ 3.11 and make needed).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast run bench lint clean chromium screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tierbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install your system's venv package (Debian: apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## chat with the bot offline on the seeded demo book (data/demo.db)
	$(BIN)/tierbot console $(ARGS)

# The browser tests (tests/browser) drive Debian's chromium through Playwright, never a browser
# Playwright downloads: installed here with apt-get when missing. Without it (no apt-get, no
# root) this only says so, and those tests fail with the same message.
CHROMIUM := /usr/bin/chromium
APT_GET  := $(shell command -v apt-get 2>/dev/null)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ -n "$(APT_GET)" ]; then \
	  echo "installing Debian's chromium for the browser tests (apt-get install chromium fonts-noto-color-emoji)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null \
	    || echo "⚠ apt-get install chromium failed: install it as root (apt-get install chromium); tests/browser will fail until $(CHROMIUM) exists"; \
	else \
	  echo "⚠ $(CHROMIUM) is missing and apt-get is not available: install Chromium there; tests/browser will fail until it exists"; \
	fi

test: $(STAMP) chromium  ## the whole suite (PostgreSQL tests need TIERBOT_TEST_DATABASE_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) chromium  ## the suite without the tests that start programs (tierbot, lint-imports, pg_dump)
	$(BIN)/python -m pytest -m "not processes" $(PYTEST_ARGS)

screenshots: $(STAMP) chromium  ## docs/screenshots: the Mini App's views, zh/en, light/dark, at phone width
	$(BIN)/python -m tests.browser.screenshots

run: $(STAMP)  ## the real bot (needs TELEGRAM_BOT_TOKEN)
	$(BIN)/tierbot run

lint: $(STAMP)  ## import contracts, ruff's checks and format, mypy (settings in pyproject.toml)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core bot web

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info .mypy_cache .ruff_cache
