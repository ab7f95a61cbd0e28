# make run   — set up (venv, packages) and open the desktop app
# make test  — set up and run the whole test suite (what CI runs)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test setup setup-test lint strings check-strings bench clean

setup:
	@packaging/bootstrap.sh

setup-test:
	@FIELDAPP_WANT_POSTGRES=1 FIELDAPP_WANT_TEST_TOOLS=1 packaging/bootstrap.sh

run: setup
	$(PY) -m fieldapp.cli

test: setup-test
	$(VENV)/bin/ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check .

# Re-extract the message template and merge it into the catalogs.
strings: setup
	$(PY) -m fieldapp.tools.catalog update

check-strings: setup
	$(PY) -m fieldapp.tools.catalog check

bench: setup
	$(PY) benchmarks/store.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
