# Every target sets up what it needs: a fresh clone runs `make up` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CHECKOV_STAMP := .cache/checkov-venv/.installed-stamp

.PHONY: up down test test-fast lint fmt bench proto venv checkov system-packages clean

up: $(STAMP)  ## Deploy the quick start into the local AWS emulator and print the endpoints
	$(BIN)/finfocus-ecs up $(ARGS)

down: $(STAMP)  ## Destroy the quick start and stop the emulator
	$(BIN)/finfocus-ecs down $(ARGS)

test: $(STAMP) $(CHECKOV_STAMP) system-packages  ## The whole suite: static, plan, e2e, netns, rehearsal, scan, cli, docs
	$(BIN)/pytest -n 4 --dist loadfile $(ARGS)

test-fast: $(STAMP)  ## Everything that needs no emulator, namespaces or checkov
	$(BIN)/pytest -n 4 --dist loadfile -m "not e2e and not netns and not rehearsal and not scan" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check tools tests bench policies
	$(BIN)/ruff format --check tools tests bench policies
	terraform fmt -check -recursive

fmt: $(STAMP)
	$(BIN)/ruff check --fix tools tests bench policies
	$(BIN)/ruff format tools tests bench policies
	terraform fmt -recursive

bench: $(STAMP) $(CHECKOV_STAMP) system-packages  ## Benchmarks: prints a table, writes bench/results/latest.json
	$(BIN)/python -m bench $(ARGS)

proto: $(STAMP)  ## Regenerate the Python code of tools/finfocus_ecs/proto/**/*.proto
	$(BIN)/python -m finfocus_ecs.proto.generate

venv: $(STAMP)
system-packages: $(STAMP)  ## Debian packages the rehearsal and bridge tests rebuild the images from (installed when root)
	@sh tools/system-packages.sh $(BIN)/python
checkov: $(CHECKOV_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --disable-pip-version-check -e '.[test]'
	touch $@

$(CHECKOV_STAMP): $(STAMP) tools/finfocus_ecs/checkov-requirements.txt
	$(BIN)/finfocus-ecs scan --setup

clean:
	rm -rf $(VENV) .cache .finfocus
