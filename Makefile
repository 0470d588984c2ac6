# datenmt: every target runs with the project's own venv (.venv/bin/python).
PY := .venv/bin/python
SETUP_STAMP := .venv/.datenmt-installed

.PHONY: setup test lint run bench lock clean

## setup: make .venv with the locked stack (idempotent; a second run only checks).
setup:
	@bash scripts/setup_env.sh

## test: the whole test suite (sets up first if needed).
test: setup
	$(PY) -m pytest

## lint: ruff over the whole tree (configuration in pyproject.toml).
lint: setup
	$(PY) -m ruff check .

## run: the main job, the whole pipeline on its embedded defaults.
run: setup
	$(PY) -m pipeline.local_runner

## bench: figures of the latest pushed model and the last run (after `make run`).
bench: setup
	$(PY) -m serving.cli bench

## lock: re-pin constraints.txt from the current venv (after changing pyproject.toml).
lock:
	$(PY) -m pip freeze --exclude-editable > constraints.txt

clean:
	rm -rf outputs .pytest_cache
