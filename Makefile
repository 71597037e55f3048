# nam-web: two commands for a fresh machine —  `make serve`  and  `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8765

.PHONY: serve test install install-python install-node install-pyodide-extra install-official install-browser lint pytest browser-test bench bench-browser clean

serve: install
	$(PY) -m server --host $(HOST) --port $(PORT)

test: install install-browser install-official lint pytest browser-test

install: install-python install-node install-pyodide-extra

install-python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[server,train,plot,dev]'
	$(PY) -m nam_web.train.loudness_clip
	touch $@

install-node: node_modules/.installed
node_modules/.installed: package.json
	npm install --no-audit --no-fund
	touch $@

# micropip for a local Pyodide package folder: pure Python, from PyPI, the version npm's Pyodide
# lock names, into ~/.cache/nam-web/pyodide-extra (kept once there; see server/packages.py).
install-pyodide-extra: install-python install-node
	$(PY) -m server.packages

# The official neural-amp-modeler package, in a venv of its own (never a project dependency): the
# interop test checks that it loads our exported .nam files and plays them as our engine does.
OFFICIAL := .venv-official
install-official: $(OFFICIAL)/.installed
$(OFFICIAL)/.installed:
	$(PYTHON) -m venv $(OFFICIAL)
	$(OFFICIAL)/bin/python -m pip install -q torch==2.13.0 neural-amp-modeler==0.13.0
	touch $@

# Debian's chromium for the Playwright tests (Playwright's own browser download cannot work here).
install-browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
	  echo "chromium is missing and this user cannot apt-get install it: browser tests will skip"

lint:
	$(VENV)/bin/ruff check py tests server bench

pytest:
	$(PY) -m pytest -q

browser-test:
	npx playwright test

# Realtime factors: engines (CPython, Pyodide under Node, beside @opendaw/nam-wasm) and the amp chain.
bench: install
	$(PY) bench/engine.py
	$(PY) bench/chain.py --pyodide

# The live page in headless Chromium: worker load, dropouts and latency per block size, vs @opendaw/nam-wasm.
bench-browser: install install-browser
	node bench/browser.mjs

clean:
	rm -rf $(VENV) $(OFFICIAL) node_modules build dist py/*.egg-info
