# Cloud vendor reliability report. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUILD := .build
SETUP_STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(BUILD)/.system-packages
REPORT_STAMP := $(BUILD)/report.stamp
PARAMS_FILE := $(BUILD)/report.params
SYSTEM_PACKAGES := chromium poppler-utils

# Report options (quoted and passed as data: a value with spaces, quotes or $(...) is safe).
VENDOR ?=
START ?= 2023-01-01
END ?=
FORMAT ?= both
DATA ?=
VENDORS ?=
ORG_FILE ?=
SLA ?= 0
MIN_INCIDENTS ?= 3
SKIP_INVALID ?=
VERBOSE ?=
LAB_PORT ?= 8888
# make import: the feed's format and file, and DRY_RUN=1 to write nothing.
FEED ?=
FILE ?=
DRY_RUN ?=
# make would expand these (running any $(...) in them) when it hands them to a recipe's
# environment; only the REPORT_* copies below, taken verbatim with $(value), are passed on.
unexport VENDOR START END FORMAT DATA VENDORS ORG_FILE SLA MIN_INCIDENTS SKIP_INVALID VERBOSE \
  LAB_PORT FEED FILE DRY_RUN
export REPORT_VENDOR := $(value VENDOR)
export REPORT_START := $(value START)
export REPORT_END := $(value END)
export REPORT_FORMAT := $(value FORMAT)
export REPORT_DATA := $(value DATA)
# ORG_FILE names the organisation file (data/organisation.toml by default); VENDORS is the
# same option under its older name (a bare vendor CSV), ORG_FILE winning when both are set.
export REPORT_VENDORS := $(if $(value ORG_FILE),$(value ORG_FILE),$(value VENDORS))
export REPORT_SLA := $(value SLA)
export REPORT_MIN := $(value MIN_INCIDENTS)
export REPORT_SKIP := $(if $(value SKIP_INVALID),--skip-invalid,)
export REPORT_VERBOSE := $(if $(value VERBOSE),--verbose,)
export LAB_PORT_VALUE := $(value LAB_PORT)
export IMPORT_FEED := $(value FEED)
export IMPORT_FILE := $(value FILE)
export IMPORT_DRY_RUN := $(value DRY_RUN)
export IMPORT_RECORD := $(value RECORD)

# The options in force, kept in a file that changes only when they do, so that make's own
# dependency tracking re-renders on a new option and does nothing otherwise. Only a report
# run writes it: the options of another target (make validate DATA=...) must not make the
# next report look out of date. make's file functions read and write it without a shell,
# so no value is ever interpreted.
PARAMS_TEXT := $(value VENDOR)|$(value START)|$(value END)|$(value FORMAT)|$(value DATA)|$(value VENDORS)|$(value ORG_FILE)|$(value SLA)|$(value MIN_INCIDENTS)|$(value SKIP_INVALID)
export REPORT_PARAMS_TEXT := $(value PARAMS_TEXT)
# A link or anything but a regular file planted at its name is removed first, never written
# through (make's file function would follow it).
ifneq ($(filter report $(REPORT_STAMP),$(MAKECMDGOALS)),)
$(shell if [ -L "$(PARAMS_FILE)" ] || { [ -e "$(PARAMS_FILE)" ] && [ ! -f "$(PARAMS_FILE)" ]; }; then rm -rf "$(PARAMS_FILE)"; fi)
ifneq ($(file < $(PARAMS_FILE)),$(PARAMS_TEXT))
$(shell mkdir -p $(BUILD))
$(file > $(PARAMS_FILE),$(PARAMS_TEXT))
endif
endif

SOURCES := $(shell find src/incidents -name "*.py" -o -path "*/templates/*" -type f)
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
DATA_FILES := data/incidents.csv data/vendors.csv
RENDERED_NOW := $(BUILD)/.rendered-now
INPUTS_STAMP := $(BUILD)/inputs.stamp

## help: list the targets and their options (this page)
.PHONY: help
help:
	@awk 'BEGIN {FS = ": "} /^## / {sub(/^## /, ""); printf "  \033[1m%-8s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Options (make VARIABLE=value target):"
	@echo "  report   VENDOR=\"Microsoft 365\"   one vendor's deep dive, published in report/<vendor>/"
	@echo "           START=2023-01-01 END=    window, inclusive UTC days (empty END: where the data ends)"
	@echo "           FORMAT=both              html, pdf or both"
	@echo "           SLA=0                    availability objective as a fraction (0.999); 0: each vendor's own"
	@echo "           MIN_INCIDENTS=3          below this count rates are shown as bounds only"
	@echo "           SKIP_INVALID=1           leave out invalid rows (listed in the report's appendix)"
	@echo "           VERBOSE=1                list every file written"
	@echo "  report, validate   DATA=path/to/incidents.csv ORG_FILE=path/to/organisation.toml"
	@echo "                     (VENDORS=path: the same option under its older name, for a bare vendor CSV)"
	@echo "  import   FEED=statuspage|msgraph|gcloud FILE=feed.json [VENDOR=name] [DRY_RUN=1]"
	@echo "  lab      LAB_PORT=8888"

## setup: create .venv, install the pinned requirements, the package and system packages
.PHONY: setup
setup: $(SETUP_STAMP) $(SYSTEM_STAMP)

$(SETUP_STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: $(PYTHON) is missing or older than Python 3.11; install Python 3.11+ or pass PYTHON=python3.12"; exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version)..."
	@$(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned Python packages into $(VENV) (about 850 MB; 30 s with a warm pip cache, a few minutes without)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@echo "Installing the incidents package (editable)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@
	@echo "Python set-up done."

$(SYSTEM_STAMP):
	@mkdir -p $(BUILD)
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	  if [ -z "$$missing" ]; then touch $@; exit 0; fi; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null; then sudo="sudo"; \
	  else echo "warning: not root and no sudo: install$$missing yourself for the PDF (FORMAT=html needs neither)"; exit 0; fi; \
	  echo "Installing system packages for the PDF with apt-get:$$missing (a minute or two, depending on the network)..."; \
	  echo "  apt-get update..."; \
	  if $$sudo apt-get update -qq && echo "  apt-get install$$missing fonts-dejavu-core..." && \
	     DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	       --no-install-recommends $$missing fonts-dejavu-core >/dev/null; then touch $@; echo "System packages installed."; \
	  else echo "warning: could not install$$missing: the PDF and browser checks will be skipped (FORMAT=html works)"; fi

## report: render the report into report/ (HTML and A4 PDF); options below
.PHONY: report
report: setup $(REPORT_STAMP)
	@if [ -f $(RENDERED_NOW) ]; then rm -f $(RENDERED_NOW); else \
	  echo "report/ is up to date: no input, notebook, source or option changed since it was rendered on $$(date -u -r $(REPORT_STAMP) '+%Y-%m-%d %H:%M UTC')."; fi

$(REPORT_STAMP): $(PARAMS_FILE) $(DATA_FILES) $(INPUTS_STAMP) $(NOTEBOOKS) $(SOURCES) | $(SETUP_STAMP) $(SYSTEM_STAMP)
	@$(PY) -m incidents report --vendor="$$REPORT_VENDOR" --start="$$REPORT_START" \
	  --end="$$REPORT_END" --format="$$REPORT_FORMAT" --data="$$REPORT_DATA" \
	  --vendors="$$REPORT_VENDORS" --sla-target="$$REPORT_SLA" \
	  --min-incidents="$$REPORT_MIN" $$REPORT_SKIP $$REPORT_VERBOSE
	@if [ -L $@ ]; then rm -f $@; fi; touch $@ $(RENDERED_NOW); \
	  if [ "$$(cat $(PARAMS_FILE) 2>/dev/null)" != "$$REPORT_PARAMS_TEXT" ]; then \
	    touch $(PARAMS_FILE); fi
# (Two runs at once: the one that finishes last checks that the options file still holds
# its own options; if another run wrote it meanwhile, the file is made newer than the stamp,
# so the next make renders again instead of trusting a report made with other options.)

# Every file the report reads (the incident file, records.csv and each record file it lists,
# events, SLAs, published uptime, the service map, the organisation file and its vendor
# table), listed by the package itself, one per line; DATA and ORG_FILE may name any file
# (spaces, colons or '$' included), so they are not make prerequisites (make would split
# them into words): this rule runs every time and touches its stamp when any is newer.
$(INPUTS_STAMP): FORCE | $(SETUP_STAMP)
	@mkdir -p $(BUILD); if [ -L $@ ]; then rm -f $@; fi; \
	  [ -e $@ ] || touch $@; \
	  $(PY) -m incidents.data.inputs --data="$$REPORT_DATA" --vendors="$$REPORT_VENDORS" | \
	  while IFS= read -r file; do \
	    if [ "$$file" -nt $@ ]; then touch $@; break; fi; \
	  done

## test: run the tests and the linter
.PHONY: test
test: setup lint
	$(PY) -m pytest

## lint: ruff on the package, tests and notebooks; notebooks in sync with their .py
.PHONY: lint
lint: $(SETUP_STAMP)
	$(PY) -m ruff check src tests benchmarks notebooks/*.py

## sync: regenerate notebooks/*.ipynb from their paired .py scripts (outputs stripped)
.PHONY: sync
sync: $(SETUP_STAMP)
	cd notebooks && ../$(VENV)/bin/jupytext --sync *.py

## validate: check data/incidents.csv (or DATA=...), print every problem; refresh data/README.md
.PHONY: validate
validate: $(SETUP_STAMP)
	$(PY) -m incidents validate $${REPORT_VENDORS:+--vendors="$$REPORT_VENDORS"} -- $${REPORT_DATA:+"$$REPORT_DATA"}

## import: merge a status feed (FEED=... FILE=...) into data/incidents.csv, or with RECORD=id into that record's file; refresh data/README.md
.PHONY: import
import: $(SETUP_STAMP)
	@test -n "$$IMPORT_FEED" && test -n "$$IMPORT_FILE" || { echo "usage: make import FEED=statuspage|msgraph|gcloud FILE=path [RECORD=id] [VENDOR=name] [DRY_RUN=1]"; exit 2; }
	$(PY) -m incidents import $${REPORT_VENDOR:+--vendor="$$REPORT_VENDOR"} $${IMPORT_RECORD:+--record="$$IMPORT_RECORD"} $${IMPORT_DRY_RUN:+--dry-run} -- "$$IMPORT_FEED" "$$IMPORT_FILE"

## datadoc: regenerate the coverage and dictionary sections of data/README.md
.PHONY: datadoc
datadoc: $(SETUP_STAMP)
	$(PY) -m incidents.evidence.datadoc

# Jupyter refuses to run as root without --allow-root (containers, CI); a machine with no
# display has no browser to open, so there the server only prints its address.
## lab: start JupyterLab on notebooks/ with the project's kernel (LAB_PORT=8888)
.PHONY: lab
lab: $(SETUP_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port="$$LAB_PORT_VALUE" \
	  $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) \
	  $$([ -z "$$DISPLAY$$WAYLAND_DISPLAY" ] && echo --no-browser)

## bench: measure the report against its floor and the metrics at a million incidents
.PHONY: bench
bench: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(PY) -m benchmarks.bench --out report/bench.md

## clean: remove the virtualenv, build files and rendered report
.PHONY: clean
clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache .ruff_cache .hypothesis src/*.egg-info
	find report -mindepth 1 ! -name README.md -delete 2>/dev/null || true

.PHONY: FORCE
FORCE:
