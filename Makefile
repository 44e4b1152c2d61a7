# Custos: set-up, build, test and demo on a fresh Debian machine.
# `make demo` and `make test` install what they need (as root), then build and run.

SWIFT        ?= swift
# The C libraries the package links against, and the tools the server tests call (curl in the
# README's tour, openssl for a test certificate).
SYSTEM_PKGS  := libsodium-dev libsqlite3-dev pkg-config curl openssl
CUSTOS       := .build/debug/custos
SEED_POLICY  := policies/invorderingsbedrijf

.PHONY: all deps build test demo demo-postgres check clean man completions bench torture readme-check server-check web-check browser-deps screenshots docs library-check postgres-check

all: build

# Installs the Debian packages named, only those missing (as root).
define install-missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "custos: error: need root to install$$missing (or install them yourself)" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

# Installs the system packages above, only when one is missing.
deps:
	$(call install-missing,$(SYSTEM_PKGS))

build: deps
	$(SWIFT) build --product custos

# Each stage's start is printed with the time (UTC), so a slow CI run shows where it went.
test: deps
	@echo "== $$(date -u +%T) build"
	$(SWIFT) build --build-tests
	@echo "== $$(date -u +%T) swift test"
	$(SWIFT) test --skip-build --skip CustosPostgresTests
	@for stage in postgres-check check torture readme-check server-check web-check docs library-check; do \
	  echo "== $$(date -u +%T) $$stage"; \
	  $(MAKE) --no-print-directory $$stage || exit 1; \
	done
	@echo "== $$(date -u +%T) done"

# The library's documentation (Sources/Custos/Custos.docc, swift-docc-plugin): the public surface
# of `import Custos` and two getting-started articles. A warning (an unresolved link, a symbol
# that is no longer public) fails it. Open the archive with `docc preview`, or add
# --transform-for-static-hosting to publish it.
# The PostgreSQL backend on a real server: Debian's postgresql (installed when missing), a
# throwaway cluster on a free loopback port, CustosPostgresTests against it (Tests/postgres).
# Only the SQLite part: swift test --skip CustosPostgresTests (the suites under OnBothBackends
# then run on SQLite only; here they run again on PostgreSQL).
postgres-check: deps .venv/bin/schemathesis browser-deps .venv/bin/web-tools
	$(call install-missing,postgresql)
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) SCHEMATHESIS=$(CURDIR)/.venv/bin/schemathesis PYTHON=$(CURDIR)/.venv/bin/python Tests/postgres/run.sh

# The main job and the scale-out demo on a throwaway PostgreSQL cluster (Tests/postgres/demo.sh):
# the officer's day with its simulation vault in PostgreSQL, then a vault on
# PostgreSQL, three custos serve processes on it, consent across them, load and a SIGKILL.
demo-postgres: deps
	$(call install-missing,postgresql)
	$(SWIFT) build --product custos
	$(SWIFT) build --product CustosBench
	Tests/postgres/demo.sh

# A service outside the package (Tests/library) links the library and runs the getting-started
# article's calls: it compiles only against the public surface.
library-check: deps
	cd Tests/library && $(SWIFT) build && .build/debug/LibraryGuide

docs: deps
	$(SWIFT) package generate-documentation --target Custos --warnings-as-errors
	@echo "documentation: .build/plugins/Swift-DocC/outputs/Custos.doccarchive"

# custos serve on a free loopback port over a fresh vault: the live API and AuthZEN tests, the
# Python example client end to end, a SIGTERM drain and a SIGKILL under load (Tests/server/run.sh).
server-check: build .venv/bin/schemathesis
	SCHEMATHESIS=$(CURDIR)/.venv/bin/schemathesis Tests/server/run.sh

# The privacy centre and the officer's console in a real browser: Selenium on Debian's headless chromium and
# chromium-driver (installed here when missing), axe-core on every page (Tests/web/run.sh, run_console.sh).
web-check: build browser-deps .venv/bin/web-tools
	PYTHON=$(CURDIR)/.venv/bin/python Tests/web/run.sh
	PYTHON=$(CURDIR)/.venv/bin/python Tests/web/run_console.sh

# The screenshots README links: the same browser tests, writing into docs/screenshots.
screenshots: build browser-deps .venv/bin/web-tools
	SCREENSHOTS=$(CURDIR)/docs/screenshots PYTHON=$(CURDIR)/.venv/bin/python Tests/web/run.sh
	SCREENSHOTS=$(CURDIR)/docs/screenshots PYTHON=$(CURDIR)/.venv/bin/python Tests/web/run_console.sh

BROWSER_PKGS := chromium chromium-driver
browser-deps:
	$(call install-missing,$(BROWSER_PKGS))

# Selenium, a JOSE library to verify receipts with, and axe-core (the script only: the package
# that carries it would pull in Playwright, which these tests do not use).
.venv/bin/web-tools:
	test -x .venv/bin/pip || python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check selenium==4.50.0 jwcrypto==1.6.1
	.venv/bin/pip install --quiet --disable-pip-version-check --no-deps axe-playwright-python==0.1.8
	touch $@

# Python test tools from PyPI, in a virtual environment of the project's own.
.venv/bin/schemathesis:
	test -x .venv/bin/pip || python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check schemathesis==4.32.5

# Every command of README.md, in order, in a fresh copy of the clone (Tests/readme/walk.py).
readme-check: build
	python3 Tests/readme/walk.py

# Fault injection (Tests/torture/run.sh): SIGKILL of imports (TORTURE_KILLS, default 30), a full
# disk under the vault (a small tmpfs: needs root), /dev/full outputs and file modes.
torture: build
	Tests/torture/run.sh

# The seed policy must always validate and pass its own tests; CI runs this through `make test`.
check: build
	$(CUSTOS) policy check $(SEED_POLICY)
	$(CUSTOS) policy test $(SEED_POLICY)

# The main job: validates the seed policy, summarises it, runs its policy tests, decides two
# sample requests on supplied facts, then runs a privacy officer's day on a fresh simulation
# vault in demo/ (synthetic population, requests of every type, retention sweep, every report).
DEMO := demo

demo: build
	$(CUSTOS) policy check $(SEED_POLICY)
	$(CUSTOS) policy show $(SEED_POLICY)
	$(CUSTOS) policy test $(SEED_POLICY)
	@echo; echo "A creditor update that carries a health note: the note is withheld (exit 3 = partial)."
	@$(CUSTOS) decide --policies $(SEED_POLICY) --request examples/creditor-update.request.json \
	  --facts examples/debtor.facts.json --at 2025-06-02T09:00:00+02:00; test $$? -eq 3
	@echo; echo "A fourth foreign procedure in twelve months: not occasional (exit 2 = deny)."
	@$(CUSTOS) decide --policies $(SEED_POLICY) --request examples/foreign-lawyer.request.json \
	  --facts examples/debtor.facts.json --at 2025-06-02T09:00:00+02:00; test $$? -eq 2
	@echo; echo "== A privacy officer's day on a simulation vault in $(DEMO)/"
	$(CUSTOS) demo --folder $(DEMO) --policies $(SEED_POLICY)

# Benchmarks (release builds; minutes, not for CI): the library benchmarks, then the same
# requests through custos decide --batch, Cedar and Rego. BENCH_SUBJECTS (default 1000000) sizes
# the vault, BENCH_REQUESTS (default 1000000) the batch. Results: BENCHMARKS.md.
BENCH_REQUESTS ?= 1000000
bench: deps
	$(SWIFT) build -c release --product CustosBench
	$(SWIFT) build -c release --product custos
	.build/release/CustosBench
	@echo "peers, $(BENCH_REQUESTS) requests:"
	Benchmarks/peers/run.sh $(BENCH_REQUESTS)
	@command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
	@echo "custos serve under wrk:"
	Benchmarks/server/run.sh 10
	$(call install-missing,postgresql)
	@echo "the decision log on PostgreSQL, 1-3 processes:"
	Benchmarks/postgres/run.sh 10

# The man page, from argument-parser's generate-manual plugin: man/custos.1 (man -l man/custos.1).
man: build
	$(SWIFT) package plugin generate-manual --configuration debug --authors "The Custos developers"
	mkdir -p man && cp .build/plugins/GenerateManual/outputs/CustosCLI/custos.1 man/custos.1

# Shell completions from argument-parser: completions/custos.{bash,zsh,fish}.
completions: build
	mkdir -p completions
	for shell in bash zsh fish; do $(CUSTOS) --generate-completion-script $$shell > completions/custos.$$shell; done

clean:
	rm -rf .build
