# Custos: set-up, build, test and demo on a fresh Debian machine.
# `make demo` and `make test` install what they need (as root), then build and run.

SWIFT        ?= swift
SYSTEM_PKGS  := libsodium-dev libsqlite3-dev pkg-config
CUSTOS       := .build/debug/custos
SEED_POLICY  := policies/invorderingsbedrijf

.PHONY: all deps build test demo check clean

all: build

# Installs the C libraries the package links against, only when one is missing.
deps:
	@missing=""; for p in $(SYSTEM_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "custos: error: need root to install$$missing (or install them yourself)" >&2; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build --product custos

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory check

# The seed policy must always validate and pass its own tests; CI runs this through `make test`.
check: build
	$(CUSTOS) policy check $(SEED_POLICY)
	$(CUSTOS) policy test $(SEED_POLICY)

# Until the full officer's day exists, the main job validates the seed policy, summarises it,
# runs its policy tests, decides two sample requests on supplied facts, then builds a vault in
# demo/ from a small synthetic dataset and reads, shares and audits through it.
DEMO := demo
DEMO_CUSTOS := cd $(DEMO) && ../$(CUSTOS)

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
	@echo; echo "== A vault in $(DEMO)/ (SQLite, encrypted fields, logged decisions)"
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@$(DEMO_CUSTOS) init --policies ../$(SEED_POLICY)
	@$(DEMO_CUSTOS) subject import ../examples/demo-subjects.csv
	@$(DEMO_CUSTOS) event record --subject D-1001 --name file-opened --effective 2025-01-10
	@$(DEMO_CUSTOS) event record --subject D-1002 --name file-opened --effective 2025-02-03
	@echo; echo "Collections reads a debtor (exit 0 = permit):"
	@$(DEMO_CUSTOS) read --subject D-1001 --purpose P-DEBT-COLLECT --fields person_name,email,bank_account --actor collections-service
	@echo; echo "Marketing may not use debtor data (exit 2 = deny):"
	@$(DEMO_CUSTOS) read --subject D-1001 --purpose P-CLIENT-MKT --fields email --actor marketing-service; test $$? -eq 2
	@echo; echo "The creditor gets a status update without the IBAN (exit 3 = partial):"
	@$(DEMO_CUSTOS) share --subject D-1002 --purpose P-DEBT-COLLECT --fields person_name,claim_details,bank_account --recipient R-CLIENT --actor collections-service; test $$? -eq 3
	@echo; echo "A Turkish lawyer for a named procedure (Art. 49(1)(e)):"
	@$(DEMO_CUSTOS) share --subject D-1002 --purpose P-DEBT-COLLECT --fields claim_details --recipient R-FOREIGN-LAWYER --destination TR --procedure "Istanbul 2025/311" --actor collections-service
	@echo; $(DEMO_CUSTOS) subject find --phone "+31 6 12345678"
	@echo; echo "== Rights requests: an access request (nothing before identity is verified), then fulfilled"
	@id=$$($(DEMO_CUSTOS) request open --subject D-1001 --type access --channel letter | cut -d' ' -f1) && echo "$$id opened" \
	  && ($(DEMO_CUSTOS) request fulfil $$id --out answers; test $$? -eq 2) \
	  && ($(DEMO_CUSTOS) request verify $$id --method "case number and postcode") \
	  && ($(DEMO_CUSTOS) request fulfil $$id --out answers)
	@echo; echo "A debtor asks for portability: collection does not rest on consent or contract (exit 2):"
	@id=$$($(DEMO_CUSTOS) request open --subject D-1002 --type portability --channel e-mail --identity-verified-by "e-mail matches data held" | cut -d' ' -f1) \
	  && ($(DEMO_CUSTOS) request fulfil $$id --out answers; test $$? -eq 2)
	@echo; echo "The retention sweep, as a dry run and as of 2031 (files closed in 2025 have run their five years):"
	@$(DEMO_CUSTOS) event record --subject D-1002 --name file-closed --effective 2025-06-30
	@$(DEMO_CUSTOS) retention sweep --dry-run
	@$(DEMO_CUSTOS) retention sweep --dry-run --at 2031-01-02T09:00:00+01:00
	@$(DEMO_CUSTOS) audit checkpoint --out checkpoint.json
	@$(DEMO_CUSTOS) audit verify --checkpoint checkpoint.json
	@echo; echo "demo vault, keyring, key and checkpoint are in $(DEMO)/"

clean:
	rm -rf .build
