# lrlessons: `make lab` to learn, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The environment is rebuilt whenever the pins change: the stamp's name carries
# a hash of the files that define it.
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt requirements-lock.txt | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
export KERAS_BACKEND := torch
PYTEST := $(BIN)/python -m pytest

.PHONY: lab test venv browser notebooks nav bench clean

LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

lab: venv $(LAB_SETTINGS) ## set up (if needed) and open the course in JupyterLab, at lesson 00
	cd notebooks && ../$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) \
	    --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/00_start_here.ipynb

test: venv $(LAB_SETTINGS) browser ## set up (if needed), then every test: unit, property, browser, nbval
	LRLESSONS_PROGRESS=0 $(PYTEST) tests -n 2 -q
	LRLESSONS_PROGRESS=0 $(PYTEST) --nbval notebooks -n 2 --dist loadfile -q \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg

venv: $(STAMP)

# JupyterLab without the news and update pop-ups (they would try to reach the internet)
$(LAB_SETTINGS): tools/jupyterlab-overrides.json $(STAMP)
	mkdir -p $(dir $@) && cp $< $@

$(STAMP):
	@if [ -d $(VENV) ]; then echo "== pinned requirements changed: rebuilding $(VENV)"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt -c requirements-lock.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

browser: ## Debian's chromium for the lesson 07 browser test (root only; skipped otherwise)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian's chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "== could not install chromium: the browser test will be skipped"; \
	else echo "== chromium missing and not root: the browser test will be skipped"; fi

notebooks: venv ## re-execute every lesson in place (outputs stored for nbval)
	$(BIN)/python tools/nb.py run --all

nav: venv ## regenerate navigation lines and course maps
	$(BIN)/python tools/nb.py nav

bench: venv ## print the figures the issues ask for
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV)
