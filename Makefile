# make scan   set up .venv from nothing, scan the bundled demo tenant, print where the reports are
# make test   set up .venv from nothing and run the whole test suite
# make lint   ruff + mypy
# make bench  wall time and peak memory of a full scan over synthetic tenants

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := fixtures/demo-tenant.snapshot.json
DEMO_CONFIG := fixtures/demo-tenant.acr-scan.yaml
OUT    ?= out/demo

.PHONY: scan test lint bench clean venv tools

# The same wheels pip would install, through uv (from PyPI into the venv), which resolves and
# installs them in a fraction of pip's time; pip itself if uv cannot be had.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv \
		&& $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]' \
		|| $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# python-hcl2 builds its grammar (3.5 s) on first use and caches it beside itself: build it
	@# here, once, so the first .tf scan (or test) does not pay for it.
	$(BIN)/python -c "import hcl2.parser; hcl2.parser.parser()"
	@touch $(STAMP)

venv: $(STAMP)

scan: $(STAMP)
	@mkdir -p $(OUT)
	@$(BIN)/acr-scan scan --snapshot $(DEMO) --config $(DEMO_CONFIG) --format table --color; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@$(BIN)/python fixtures/demo_history.py -o $(OUT)/history.db
	@$(BIN)/acr-scan scan --snapshot $(DEMO) --config $(DEMO_CONFIG) --format json,html,sarif,junit,markdown,csv,table --output-dir $(OUT) \
		--evidence $(OUT)/evidence.zip --history $(OUT)/history.db --quiet; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	@echo "Reports of the demo tenant scan:"
	@echo "  $(abspath $(OUT))/report.html    open in a browser: totals, filters, per-registry evidence and fixes"
	@echo "  $(abspath $(OUT))/results.sarif  SARIF 2.1.0 for GitHub code scanning / Azure DevOps"
	@echo "  $(abspath $(OUT))/results.json   every finding with evidence and remediation"
	@echo "  $(abspath $(OUT))/junit.xml      one test case per rule and subject"
	@echo "  $(abspath $(OUT))/summary.md     pull-request comment"
	@echo "  $(abspath $(OUT))/findings.csv   for spreadsheets"
	@echo "  $(abspath $(OUT))/summary.txt    terminal summary"
	@echo "  $(abspath $(OUT))/evidence.zip   audit evidence bundle (check it: acr-scan evidence verify)"
	@echo "  $(abspath $(OUT))/history.db     15 nights of history, tonight last (acr-scan history trend $(OUT)/history.db)"
	@echo "(the demo tenant is built to fail on purpose: exit code 1 means findings, as in a pipeline)"

# Chromium and the SARIF Multitool, when this user can install them; the tests that drive
# them skip with a note otherwise (and fail instead under ACR_SCAN_REQUIRE_TOOLS=1, as in CI).
tools:
	@scripts/install-test-tools.sh || echo "make: test tools not installed; the browser and Multitool tests will skip"

# The suite starts many interpreters (the CLI's process-level tests, the readers' hostile corpora):
# like an installed package, they should find the bytecode compiled once, not compile the whole
# scanner again each time, so PYTHONDONTWRITEBYTECODE (set in some CI images) is dropped here.
# Four workers on two cores: many tests wait (on a browser, a child process, an emulated
# service), and a waiting worker leaves its core to the others.
test: $(STAMP) tools
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 4

lint: $(STAMP)
	$(BIN)/ruff check scanner tests fixtures bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench.py --sizes 1000 5000 50000

clean:
	rm -rf $(VENV) .tools out .pytest_cache .mypy_cache .ruff_cache
