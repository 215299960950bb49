# The two commands of the README, and what they need.
#   make run    install everything, start Beacon with demo data
#   make test   install everything, run the lint (as make lint) and the whole test suite
#   make lint   ruff (lint, import order) and the import layers (.importlinter) alone
#   make bench  the benchmarks: the notification list, realtime against nginx + nchan (see README)
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cat requirements/bench.txt | cksum | cut -d' ' -f1)

.PHONY: install run test lint bench services-down

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Beacon needs Python 3.10 or newer; found " + sys.version.split()[0]) if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(VENV)/bin/python -m dev run

test: lint
	$(VENV)/bin/python -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The benchmarks' own extra (matplotlib, for the realtime plots): requirements/bench.txt.
$(BENCH_STAMP): requirements/bench.txt $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	rm -f $(VENV)/.bench-installed-*
	touch $@

bench: $(BENCH_STAMP)
	$(VENV)/bin/python -m bench

services-down:
	$(VENV)/bin/python -m dev down
