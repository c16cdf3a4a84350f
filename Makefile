# Every target sets up what it needs: a fresh clone runs `make up` or `make test`.
# Environments are installed by uv from the committed, hash-pinned lock files in requirements/
# (what CI tested); uv itself comes from PyPI into .cache/uv. Nothing is written to $HOME.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
UV     := .cache/uv/bin/uv
# What the command line needs (`make up`, `make install`), then everything (the scan extra, the test tools).
UP_STAMP := $(VENV)/.up-stamp
STAMP    := $(VENV)/.installed-stamp
CHECKOV_STAMP := .cache/checkov-venv/.installed-stamp

export UV_CACHE_DIR := $(CURDIR)/.cache/uv-cache
export UV_PYTHON_DOWNLOADS := never
export UV_NO_CONFIG := 1
# Nothing under $HOME: Terraform run directly (lint, fmt) would write its version check there.
export CHECKPOINT_DISABLE := 1
# pip compiles bytecode at install and uv does not unless asked. Where PYTHONDONTWRITEBYTECODE is set
# (this machine, many container images) every process would then compile every module it imports,
# each time: 0.6 s of CPU in a 1 s `price` command. The project's own modules are compiled before
# every target that runs them (an editable install is never compiled; compileall skips fresh ones).
UV_INSTALL := $(UV) pip install -q --compile-bytecode
# `finfocus-ecs scan --setup` installs checkov's environment with this uv.
export FINFOCUS_UV := $(CURDIR)/$(UV)

.PHONY: up down install test test-fast lint fmt bench proto venv checkov lock system-packages compiled clean

up: compiled  ## Deploy the quick start into the local AWS emulator and print the endpoints
	$(BIN)/finfocus-ecs up $(ARGS)

down: compiled  ## Destroy the quick start and stop the emulator
	$(BIN)/finfocus-ecs down $(ARGS)

install: compiled  ## Only install the command line into .venv/bin (what `make up` installs), e.g. on a host in the VPC
	@echo "installed: $(CURDIR)/$(BIN)/finfocus-ecs"

test: $(STAMP) $(CHECKOV_STAMP) system-packages compiled  ## The whole suite: static, plan, e2e, netns, rehearsal, scan, cli, docs
	$(BIN)/pytest -n 4 --dist loadfile --no-loadscope-reorder $(ARGS)

test-fast: $(STAMP) compiled  ## Everything that needs no emulator, namespaces or checkov
	$(BIN)/pytest -n 4 --dist loadfile --no-loadscope-reorder -m "not e2e and not netns and not rehearsal and not scan" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check tools tests bench policies
	$(BIN)/ruff format --check tools tests bench policies
	terraform fmt -check -recursive

fmt: $(STAMP)
	$(BIN)/ruff check --fix tools tests bench policies
	$(BIN)/ruff format tools tests bench policies
	terraform fmt -recursive

bench: $(STAMP) $(CHECKOV_STAMP) system-packages compiled  ## Benchmarks: prints a table, writes bench/results/latest.json
	$(BIN)/python -m bench $(ARGS)

proto: $(STAMP)  ## Regenerate the Python code of tools/finfocus_ecs/proto/**/*.proto
	$(BIN)/python -m finfocus_ecs.proto.generate

venv: $(STAMP)
compiled: $(UP_STAMP)
	@$(BIN)/python -m compileall -q tools tests bench
system-packages: $(STAMP)  ## Debian packages the rehearsal and bridge tests rebuild the images from, and Chromium (installed when root)
	@sh tools/system-packages.sh $(BIN)/python
checkov: $(CHECKOV_STAMP)

# Re-resolve every lock from pyproject.toml and checkov-requirements.txt (needs the package index).
lock: $(UV)  ## Update requirements/*.txt and checkov's lock to the newest releases the pins allow
	$(UV) pip compile -q --universal --generate-hashes --all-extras pyproject.toml -o requirements/dev.txt
	$(UV) pip compile -q --universal --generate-hashes --extra plugin -c requirements/dev.txt pyproject.toml -o requirements/up.txt
	$(UV) pip compile -q --universal --generate-hashes --python-version 3.11 \
	  tools/finfocus_ecs/checkov-requirements.txt -o tools/finfocus_ecs/checkov-lock.txt

$(UV):
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-cache-dir --target .cache/uv uv==$(UV_VERSION)

$(VENV)/bin/python: | $(UV)
	$(UV) venv -q --python $(PYTHON) $(VENV)

$(UP_STAMP): requirements/up.txt pyproject.toml | $(VENV)/bin/python
	$(UV_INSTALL) --python $(BIN)/python -r requirements/up.txt
	$(UV_INSTALL) --python $(BIN)/python --no-deps -e .
	touch $@

$(STAMP): requirements/dev.txt $(UP_STAMP)
	$(UV_INSTALL) --python $(BIN)/python -r requirements/dev.txt
	touch $@

$(CHECKOV_STAMP): $(STAMP) tools/finfocus_ecs/checkov-lock.txt
	$(BIN)/finfocus-ecs scan --setup

clean:
	rm -rf $(VENV) .cache .finfocus
