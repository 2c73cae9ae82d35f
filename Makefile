# leverlab: two commands do all set-up.
#   make serve   install what is missing, build the release bundle, serve it on 127.0.0.1:$(PORT)
#   make test    install what is missing, run the host tests, build the bundle, run the browser tests
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PORT ?= 8080
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

# Everything the release bundle is built from: rebuild only when one of these changed.
BUNDLE_INPUTS := $(shell find src static -type f 2>/dev/null) index.html Trunk.toml Cargo.toml Cargo.lock

.PHONY: serve test setup setup-browser bundle test-host test-browser test-python bench cli

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh --browser

dist/index.html: $(BUNDLE_INPUTS) | setup
	trunk build --release
	@touch dist/index.html

bundle: setup dist/index.html
	@node scripts/bundle-size.mjs dist

serve: bundle
	@echo "leverlab: open http://127.0.0.1:$(PORT)/"
	@node scripts/static-server.mjs dist $(PORT)

# The host suite; benches are compiled (so they cannot rot) but not run: they are figures.
test-host:
	cargo test
	cargo build --benches

test-browser: setup-browser bundle
	# Each test file gets at most 10 minutes, so a page that stops answering fails CI instead of hanging it.
	cd tests/e2e && node --test --test-concurrency=1 --test-timeout=600000

# The Python package: its wheel (maturin, abi3) built and installed into the project-local,
# git-ignored .venv with the pinned test tools, then its pytest suite. The venv is made once.
VENV := .venv
$(VENV)/.installed: python/requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt
	@touch $@

test-python: $(VENV)/.installed
	rm -rf target/wheels-test
	$(VENV)/bin/maturin build --release --quiet --out target/wheels-test --interpreter $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels-test/leverlab-*.whl
	cd python/tests && ../../$(VENV)/bin/python -m pytest -q

test: test-host test-python test-browser

# Not part of `make test`: benchmarks are figures, not pass/fail (see README, "Speed").
bench:
	cargo bench

cli:
	cargo build --release --bin leverlab
