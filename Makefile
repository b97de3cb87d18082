# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
ARCH := $(shell uname -m)
MODEL_DIR := app/model
HOST_LIB := app/native/build/$(ARCH)/libmodel.so
# The Lambda images run Python 3.12: use it here too, wherever it is installed.
PYTHON ?= $(shell tools/find-python 3.12)

.PHONY: help venv scanner model lib demo test clean
help:
	@echo "make demo    set up, train, run both functions locally and compare them"
	@echo "make test    set up and run the test suite"
	@echo "make model   (re)train the model and write app/model/"
	@echo "make lib     build the model library for this machine ($(ARCH))"
	@echo "make bench   benchmark naive vs xgboost engine vs compiled engine"

$(VENV)/.installed: requirements/*.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@
venv: $(VENV)/.installed

SCANNER_VENV ?= .venv-checkov
$(SCANNER_VENV)/.installed: requirements/security.txt
	test -x $(SCANNER_VENV)/bin/python || $(PYTHON) -m venv $(SCANNER_VENV)
	$(SCANNER_VENV)/bin/python -m pip install --quiet -r requirements/security.txt
	touch $@
scanner: $(SCANNER_VENV)/.installed

$(MODEL_DIR)/metadata.json: $(VENV)/.installed train-code/*.py
	$(PY) train-code/train.py --output-dir $(MODEL_DIR)
model: $(MODEL_DIR)/metadata.json

$(HOST_LIB): $(MODEL_DIR)/metadata.json app/native/*.c app/native/*.h app/native/Makefile
	$(MAKE) -s -C app/native check
lib: $(HOST_LIB)

demo: venv model
	$(PY) tools/demo.py

test: venv scanner model lib
	CHECKOV=$(CURDIR)/$(SCANNER_VENV)/bin/checkov $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(SCANNER_VENV) app/native/build .pytest_cache .local-runtime .bench

PORT ?= 3001
FUNCTION ?= XGBoostInferenceArm64Function
EVENT ?= events/event.json
.PHONY: start-lambda invoke
EMULATE_ARM64 ?=
start-lambda: venv model
	$(PY) -m local_lambda $(if $(EMULATE_ARM64),--emulate-arm64) start-lambda --port $(PORT)

invoke: venv model
	$(PY) -m local_lambda invoke $(FUNCTION) --event $(EVENT)

.PHONY: bench
bench: venv model
	$(PY) bench/benchmark.py
