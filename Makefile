# lrlessons: `make lab` to learn, `make test` to check everything.
# Every target calls tools/course.py, which does the same without make (Windows:
# `py tools\course.py lab`). It finds the newest Python 3.11.5-3.13 on the machine;
# `make lab PYTHON=python3.12` names one. Any Python 3.8+ can start the script.
SHELL := /bin/bash
BOOT := $(shell command -v python3 2>/dev/null || command -v python 2>/dev/null)
PYTHON ?=
COURSE = $(BOOT) tools/course.py
PYFLAG = $(if $(PYTHON),--python $(PYTHON),)
BIN := .venv/bin

.PHONY: lab test check venv venv-dev reset wheelhouse editions cheatsheet docs notebooks nav bench clean

lab: ## set up the learner's environment (if needed), your copy my-notebooks/, JupyterLab at lesson 00
	$(COURSE) lab $(PYFLAG)

test: ## set up the developer's environment (if needed), then unit tests, nbval, nbval on baseline kernels
	$(COURSE) test $(PYFLAG)

check: ## the pre-flight check: will the lessons run on this machine?
	$(COURSE) check $(PYFLAG)

venv: ## the learner's environment only
	$(COURSE) setup $(PYFLAG)

venv-dev: ## the developer's environment only (the learner's plus the test and docs tools)
	$(COURSE) setup --dev $(PYFLAG)

reset: ## your copy of a lesson back to the shipped one: make reset LESSON=07 (or LESSON=--all)
	$(COURSE) reset $(LESSON)

wheelhouse: ## offline wheels: make wheelhouse PLATFORM=windows_amd64 [PYVERSION=3.12]
	$(COURSE) wheelhouse --platform $(PLATFORM) $(if $(PYVERSION),--python-version $(PYVERSION),) $(PYFLAG)

editions: ## student and instructor editions, into build/editions/
	$(COURSE) editions

cheatsheet: ## docs/cheatsheet.md and docs/cheatsheet.html from the lessons
	$(COURSE) cheatsheet

docs: venv-dev ## the website, from the stored notebooks (not re-executed), into build/docs
	$(BIN)/python tools/site.py

notebooks: venv-dev ## re-execute every lesson in place (outputs stored for nbval)
	$(BIN)/python tools/nb.py run --all

nav: venv-dev ## regenerate navigation lines, install cells and course maps
	$(BIN)/python tools/nb.py nav

bench: venv-dev ## print the figures the issues ask for
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

clean:
	rm -rf .venv
