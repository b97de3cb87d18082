# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
ARCH := $(shell uname -m)
# Not MODEL_DIR: that is the function's runtime variable, which a user may have exported.
MODEL_OUT := app/model
HOST_LIB := app/native/build/$(ARCH)/libmodel.so
# The Lambda images run Python 3.12: use it here too, wherever it is installed.
PYTHON ?= $(shell tools/find-python 3.12)

.PHONY: help venv scanner model lib demo test clean
help:
	@echo "make demo    set up, train, run both functions locally and compare them"
	@echo "make test    set up, lint (ruff, mypy) and run the test suite"
	@echo "make test-without-tools  the machine-dependent tests again, as on a fresh machine"
	@echo "make lint    ruff and mypy over every Python directory"
	@echo "make model   the demo model in $(MODEL_OUT)/ (retrained unless it is exactly the demo's)"
	@echo "make model MODEL=model.json  import your XGBoost model into $(MODEL_OUT)/ instead"
	@echo "                             (JSON, UBJSON, or the pre-2.0 binary .model/.bst/.bin)"
	@echo "make model LAYOUT=arrays      the compiled layout (ifelse|arrays; default: measured)"
	@echo "make legacy-converter  XGBoost 2.1.4 in .venv-legacy (the import installs it when needed)"
	@echo "make lib     build the model library for this machine ($(ARCH))"
	@echo "make bench   benchmark naive vs xgboost engine vs compiled engine"
	@echo "make bench-protocols  a 10k-row request per protocol, beside our own instances"
	@echo "make start-url  serve each function's Function URL on 127.0.0.1 (ports from URL_PORT=3101)"
	@echo "make compare ARGS='--endpoint-url http://127.0.0.1:3001'  run the compare tool"
	@echo "make fuzz    fuzz every C entry point, lambda_handler and the model importer (FUZZ_SECONDS each, needs clang)"
	@echo "make sam-e2e (root) sam build, sam local and the compare tool on a private Docker engine"

$(VENV)/.installed: requirements/*.txt pyproject.toml
	@echo "installing the pinned dependencies into $(VENV) (once; a few minutes)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $@
venv: $(VENV)/.installed

SCANNER_VENV ?= .venv-checkov
$(SCANNER_VENV)/.installed: requirements/security.txt
	@echo "installing the IaC scanner (checkov) into $(SCANNER_VENV) (once; about a minute)"
	test -x $(SCANNER_VENV)/bin/python || $(PYTHON) -m venv $(SCANNER_VENV)
	$(SCANNER_VENV)/bin/python -m pip install --quiet -r requirements/security.txt
	touch $@
scanner: $(SCANNER_VENV)/.installed

# XGBoost 2.1 in an environment of its own, only to convert a model in XGBoost's pre-2.0
# binary format (the import runs this target when it meets one); never in an image.
LEGACY_VENV ?= .venv-legacy
$(LEGACY_VENV)/.installed: requirements/legacy-converter.txt
	@echo "installing the legacy model converter (XGBoost 2.1) into $(LEGACY_VENV) (once)" >&2
	test -x $(LEGACY_VENV)/bin/python || $(PYTHON) -m venv $(LEGACY_VENV)
	$(LEGACY_VENV)/bin/python -m pip install --quiet --require-hashes --only-binary=:all: \
	  -r requirements/legacy-converter.txt
	touch $@
.PHONY: legacy-converter
legacy-converter: $(LEGACY_VENV)/.installed

# `make model MODEL=path/to/model.json [SAMPLE=rows.csv] [CLASSES=a,b,c] [FEATURES=x,y,z]`
# imports a user's XGBoost model instead of training the demo (CLASSES and FEATURES may
# also name a file with one name per line; CATEGORIES=names.json: a categorical model's
# category names when it does not store them, see docs/own-model.md; TARGETS=a,b,c names a
# multi-target model's targets).
MODEL ?=
SAMPLE ?=
CLASSES ?=
FEATURES ?=
CATEGORIES ?=
TARGETS ?=
# LAYOUT=ifelse|arrays: the compiled layout; by default both are measured and the faster kept.
LAYOUT ?=
$(MODEL_OUT)/metadata.json: $(VENV)/.installed train-code/*.py train-code/model_build/*.py \
  app/artifact_contract.py
	$(PY) train-code/train.py --output-dir $(MODEL_OUT) $(if $(LAYOUT),--layout $(LAYOUT))
# Without MODEL: the demo, retrained unless $(MODEL_OUT)/ is exactly its own output.
ifeq ($(MODEL),)
model: $(MODEL_OUT)/metadata.json
	@$(PY) -m model_build.demo_state $(MODEL_OUT) $(if $(LAYOUT),--layout $(LAYOUT)) \
	  || $(PY) train-code/train.py --output-dir $(MODEL_OUT) $(if $(LAYOUT),--layout $(LAYOUT))
else
model: venv
	$(PY) train-code/import_model.py '$(MODEL)' --output-dir $(MODEL_OUT) \
	  $(if $(SAMPLE),--sample '$(SAMPLE)') $(if $(CLASSES),--classes '$(CLASSES)') \
	  $(if $(FEATURES),--features '$(FEATURES)') $(if $(LAYOUT),--layout $(LAYOUT)) \
	  $(if $(CATEGORIES),--categories '$(CATEGORIES)') \
	  $(if $(TARGETS),--targets '$(TARGETS)')
endif

# What demo, start-lambda, invoke, compare and bench serve: $(MODEL_OUT)/ as it is, trained or
# imported (the demo is trained only when there is none; `make model` restores it).
.PHONY: artifacts
artifacts: venv
	@test -f $(MODEL_OUT)/metadata.json || $(MAKE) --no-print-directory model

# Rebuilt when the model's C source changes, whichever model wrote it.
$(HOST_LIB): $(wildcard $(MODEL_OUT)/c/main.c) app/native/*.c app/native/*.h app/native/Makefile \
             | artifacts
	$(MAKE) -s -C app/native check OUT=$(abspath $(dir $(HOST_LIB)))
lib: $(HOST_LIB)

demo: venv artifacts
	$(PY) -m tools.demo $(if $(SAMPLE),--sample '$(SAMPLE)')

# ruff and mypy over every Python file. app/ is the Lambda task root (top-level modules `app`
# and `inference`) and gets a mypy run of its own; tests/ a run where fixtures need no hints.
LINT_CODE := lambda_compare local_lambda devkit train-code tools bench e2e fuzz invoke_x86_64_arm64_lambdas.py
LINT_APP ?= app/app.py app/envelopes.py app/artifact_contract.py app/inference
.PHONY: lint
lint: venv
	$(VENV)/bin/ruff check $(LINT_CODE) tests $(LINT_APP)
	$(VENV)/bin/mypy $(LINT_CODE)
	$(VENV)/bin/mypy --allow-untyped-defs tests
	$(if $(LINT_APP),$(VENV)/bin/mypy $(LINT_APP))

test: venv scanner model lib lint
	CHECKOV=$(CURDIR)/$(SCANNER_VENV)/bin/checkov $(PY) -m pytest $(PYTEST_ARGS)

# The tests marked `machine` (their outcome depends on the cross compiler, qemu, debootstrap,
# clang or Docker) once more with those tools hidden from PATH: what a fresh machine sees.
.PHONY: test-without-tools
test-without-tools: venv model lib
	tools/without-tools $(PY) -m pytest -m machine $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(SCANNER_VENV) $(LEGACY_VENV) app/native/build .pytest_cache .local-runtime .bench

PORT ?= 3001
FUNCTION ?=
EVENT ?= events/event.json
.PHONY: start-lambda start-url invoke
EMULATE_ARM64 ?=
LOGS_ENDPOINT ?=
start-lambda: venv artifacts
	$(PY) -m local_lambda $(if $(EMULATE_ARM64),--emulate-arm64) start-lambda --port $(PORT) \
	  $(if $(LOGS_ENDPOINT),--logs-endpoint-url $(LOGS_ENDPOINT))

# Each function's Function URL as plain HTTP on 127.0.0.1, from URL_PORT on (one per function).
URL_PORT ?= 3101
start-url: venv artifacts
	$(PY) -m local_lambda $(if $(EMULATE_ARM64),--emulate-arm64) start-url --port $(URL_PORT)

# Through a running `make start-lambda` on PORT when there is one; else starts the function.
invoke: venv artifacts
	$(PY) -m tools.invoke $(FUNCTION) --event $(EVENT) --port $(PORT)

# The compare tool with the project's environment: make compare ARGS='--endpoint-url ...'
.PHONY: compare
compare: venv artifacts
	$(VENV)/bin/lambda-compare $(ARGS)

.PHONY: bench bench-protocols
$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements/bench.txt
	touch $@
bench: venv lib $(VENV)/.bench-installed
	$(PY) -m bench.benchmark

# A 10,000-row request in each protocol (our JSON, v2 JSON and binary tensors, text/csv).
bench-protocols: venv lib
	$(PY) -m bench.protocols

# libFuzzer + ASan + UBSan on the C reader, predictor and writer; atheris on lambda_handler
# and on the importer's model checks (fuzz/regressions/import/ is replayed first).
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-toolchain
# Before anything is installed (also under `make -n`): clang and its libFuzzer runtime.
fuzz-toolchain:
	+@$(PYTHON) -m fuzz.run --check-toolchain
$(VENV)/.fuzz-installed: requirements/fuzz.txt $(VENV)/.installed | fuzz-toolchain
	$(PY) -m pip install --quiet -r requirements/fuzz.txt
	touch $@
fuzz: fuzz-toolchain $(VENV)/.fuzz-installed lib
	$(PY) -m fuzz.run --seconds $(FUZZ_SECONDS)

# Needs root: starts its own Docker engine (no bridge network) and arm64 emulation, stops both.
.PHONY: sam-e2e
sam-e2e: venv artifacts
	e2e/system-packages --install
	$(PY) -m e2e
