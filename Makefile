# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLES := corpora/samples
JOBS ?= 2

.PHONY: setup samples demo test bench clean screenshots

$(STAMP): pyproject.toml
	sh scripts/setup_outputs.sh
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	bash scripts/setup_ocr.sh

# The sample reports and ledger are generated from sources in corpora/sources (never committed as binaries).
samples: setup
	$(BIN)/python corpora/build_samples.py --out $(SAMPLES)

demo: samples
	$(BIN)/analyzer run $(SAMPLES) --ledger $(SAMPLES)/台账.xlsx --out outputs/demo --jobs $(JOBS) --force
	@echo "结果已写入 outputs/demo：核查结果.xlsx、问题汇总报告.docx、报告.html、flags.json，每个文件的 JSON 在 documents/"

screenshots: samples
	sh scripts/setup_outputs.sh --office
	$(BIN)/python scripts/make_screenshots.py

test: samples
	$(BIN)/python -m pytest

bench: samples
	$(BIN)/python scripts/bench.py --jobs $(JOBS) --repeat 3
	$(BIN)/python scripts/bench.py --n 200 --jobs $(JOBS) --scale10 --no-readers
	$(BIN)/python scripts/bench_readers.py
	$(BIN)/python scripts/bench_facts.py $(SAMPLES) corpora/facts/reports

clean:
	rm -rf $(VENV) outputs $(SAMPLES) build *.egg-info
