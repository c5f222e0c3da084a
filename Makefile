# kontextd — `make demo` runs the main job end to end on the embedded Runware simulator;
# `make test` runs every test. Both install the Debian packages they need first.
SWIFT ?= swift
CONFIGURATION ?= debug

.PHONY: all deps build release test demo bench verify-unit fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIGURATION)

release: deps
	$(SWIFT) build -c release

# `make demo ARGS=--keep` keeps the daemon running afterwards so the dashboard can be looked at.
demo: deps
	$(SWIFT) build -c $(CONFIGURATION) --product kontextd
	$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/kontextd demo $(ARGS)

# Tests that drive Python tools (moto, boto3, runware-sdk, selenium, schemathesis) find them through
# KONTEXTD_TEST_VENV, the virtualenv scripts/test-env.sh creates; under CI=true a missing tool fails.
test: deps verify-unit
	$(SWIFT) build --build-tests
	KONTEXTD_TEST_VENV=$$(./scripts/test-env.sh) $(SWIFT) test --skip-build

# systemd-analyze checks that ExecStart's binary exists: verify a copy pointing at an existing one.
# The security assessment must stay at or below 1.0 (--threshold is in tenths: 10 = 1.0).
verify-unit: deps
	@d=$$(mktemp -d) && sed 's#/usr/local/bin/kontextd#/bin/true#' systemd/kontextd.service > $$d/kontextd.service \
	  && systemd-analyze verify --man=no $$d/kontextd.service && echo "systemd/kontextd.service: systemd-analyze verify OK" \
	  && systemd-analyze security --offline=true --threshold=10 --no-pager $$d/kontextd.service > $$d/security.txt \
	  && tail -1 $$d/security.txt && echo "systemd/kontextd.service: systemd-analyze security exposure <= 1.0 OK"; \
	  rc=$$?; rm -rf $$d; exit $$rc

# libFuzzer targets (Fuzz/Targets), each run FUZZ_SECONDS (default 60) from Fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

bench: deps
	$(SWIFT) build -c release --product kontextd-bench
	KONTEXTD_TEST_VENV=$$(./scripts/test-env.sh) $$($(SWIFT) build -c release --show-bin-path)/kontextd-bench $(ARGS)

clean:
	rm -rf .build
