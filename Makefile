# Local development entry points. Run `make` (or `make help`) to list them.
#
# Everything runs from the virtualenv in .venv, which is (re)built whenever
# requirements.txt or requirements-dev.txt change. bin/stack.py brings up
# DynamoDB Local, Redis and RabbitMQ itself, so `make run` and `make test` need
# no other setup.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The interpreter that builds .venv. Override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

VENV := .venv
INSTALLED := $(VENV)/.installed

# Extra pytest arguments for `make test`, e.g. `make test ARGS="-k waitlist -x"`.
ARGS ?=

.PHONY: help run test check lint bench clean

help: ## List the targets.
	@echo "usage: make <target>"
	@echo
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-8s %s\n", $$1, $$2}'

run: $(INSTALLED) ## Start the stores, migrate, seed demo data once, then serve web + worker on http://127.0.0.1:8000.
	$(VENV)/bin/python bin/stack.py run

test: $(INSTALLED) ## Run the test suite against private stores (pass pytest options with ARGS="...").
	$(VENV)/bin/python bin/stack.py test $(ARGS)

bench: $(INSTALLED) ## Registration-day benchmark on a private stack of its own (options: ARGS="--students 300").
	$(VENV)/bin/python bin/stack.py bench $(ARGS)

check: $(INSTALLED) ## ruff check, ruff format --check and mypy: what CI (.ci/run) and pre-commit run before the tests.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

lint: $(INSTALLED) ## Run ruff (`make check` also checks formatting and types).
	$(VENV)/bin/ruff check .

clean: ## Delete var/: local databases, logs, generated JWT keys, DynamoDB Local. Stop `make run` first.
	rm -rf var/

# The marker is newer than both requirements files once they are installed, so
# nothing is reinstalled until one of them changes.
$(INSTALLED): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: no python3.11 or python3 on PATH; install Python >= 3.11 or pass PYTHON=/path/to/python3" >&2; \
		exit 1; \
	fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); this project needs >= 3.11 (pass PYTHON=/path/to/python3.11)" >&2; \
		exit 1; \
	}
	@if [ ! -x $(VENV)/bin/python ] && ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
		if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
			sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
			echo "$(PYTHON) cannot create virtualenvs: installing python3-venv ..." >&2; \
			$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; \
		else \
			echo "error: $(PYTHON) cannot create virtualenvs (the venv/ensurepip modules are missing); install them (on Debian/Ubuntu: sudo apt-get install python3-venv) and run make again" >&2; \
			exit 1; \
		fi; \
	fi
	@if [ ! -x $(VENV)/bin/python ]; then \
		echo "$(PYTHON) -m venv $(VENV)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(VENV)/bin/pip install --upgrade pip
	$(VENV)/bin/pip install -r requirements-dev.txt
	@touch $@
