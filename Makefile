# The two commands of the README are `make run` and `make test`.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-sanitize

.PHONY: deps build run test sanitize sanitize-build bench tempest clean

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# etc/vmforge.conf: SQLite in ./var, the fake hypervisor's domains in
# ./var/fake-hypervisor, the API on 127.0.0.1:8774.
run: build
	$(BUILD)/bin/vmforged --config etc/vmforge.conf

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(SAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMFORGE_SANITIZE=ON

# The C++ suite (unit, protocol, functional) and the daemon's integration
# tests under ASan+UBSan; not the benches' smokes nor the two Keystone
# tests, nor the real guests booted under TCG (labels bench, keystone and
# guest, see CMakeLists.txt; ASan still covers the libvirt networking through
# libvirt_network): make test runs them.
sanitize-build: deps $(SAN_BUILD)/CMakeCache.txt
	cmake --build $(SAN_BUILD) -j $(JOBS)

sanitize: sanitize-build
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -LE '^(bench|keystone|guest)$$'

# Tempest through a real Keystone (../shared/tempest-harness); its own
# packages are installed by the harness's setup.
tempest: build
	scripts/tempest $(BUILD)/bin/vmforged

# The pipeline in process, the API under wrk, a restart with 100,000
# instances (run-pipeline.sh runs all three), then vmforge-bench's suite
# per driver: bench/results/<date>-<host>*.md, about 9 minutes in all.
bench: build
	bench/run-pipeline.sh $(BUILD)/bin/vmforge-bench-pipeline
	bench/run-bench.sh $(BUILD)/bin 10 10000 \
	  bench/results/$$(date -u +%Y-%m-%d)-$$(hostname -s).md

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
