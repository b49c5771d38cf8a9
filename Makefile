# iommu-stress: kernel module + userspace tool.
#
#   make                  module (against KDIR) and tool
#   make module KDIR=...  the module for another kernel's build tree
#   make tool             tool/iommu-stress
#   make tool-static      tool/iommu-stress.static, for the VM's initramfs
#   make check            unit tests of the tool and the test harness, the
#                         ABI table on a model of the module, the errno
#                         contract's checks (no kernel needed)
#   make test             unit tests, module builds, the VM, report,
#                         packaging and host-run suites, and on the debug
#                         kernel its negative controls, the hardening,
#                         fail-nth, NUMA, patterns, dmaengine and
#                         dirty-tracking suites and a short stateful-
#                         fuzzer run, side by side on the CPUs
#                         (TEST_JOBS=N: on N; tests/run-all)
#   make test-debug       only the debug kernel's: a KASAN/lockdep/kmemleak
#                         kernel (kernels/build --debug), its negative
#                         controls, then the stateful fuzzer's million
#                         calls, the race suite and make test's other
#                         suites on it
#   make test-long        what make test leaves out for CI's 90 minutes:
#                         those two, sid's dirty-tracking run (its own
#                         kernel build) and 5.10's hardening suite
#   make repro            the published reproducer in a QEMU VM, and its
#                         negative control (results in out/repro)
#   make matrix           every pattern and its negative control on each
#                         kernel x vIOMMU, then its report (scripts/matrix,
#                         MATRIX_ARGS; results/runs/DATE-ID)
#   make test-seed        the 2021 bug itself: QEMU with a paging-structure
#                         cache, 6.12 with and without the fix (qemu/, kernels/)
#   make man              the man pages in doc/ from their scdoc sources
#   make install          the module into /lib/modules/<KDIR's release>/updates/module
#                         (modules_install, then depmod), the tool,
#                         scripts/host-run as iommu-stress-host-run, the man
#                         pages, the record's schema, log-problems.sh and
#                         the bash completion under PREFIX (/usr/local);
#                         DESTDIR honoured (no depmod then).
#                         install-module and install-tool do each half.
#   make uninstall        takes back what make install put there
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
CC ?= cc
CFLAGS ?= -O2 -g
# The tool's layers, each using only those below it: lib/ (the module's
# ioctls, JSON, statistics, signatures), core/ (options, targets, NUMA
# placement, sessions, the engine and its workers, the pattern registry),
# patterns/ and report/; bench/ (the bench command) on those; main.c and
# info.c on top.
TOOL_DIRS := tool tool/lib tool/core tool/report tool/bench
TOOL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	       -Iinclude/uapi -Iinclude $(addprefix -I,$(TOOL_DIRS)) $(CFLAGS)
# libnuma for --node/--cpus; its static archive comes with libnuma-dev.
TOOL_LDLIBS := -lnuma -lpthread -lm
TOOL_SRCS := $(filter-out tool/main.c,$(wildcard $(addsuffix /*.c,$(TOOL_DIRS)) tool/patterns/*.c))
TOOL_HDRS := $(wildcard $(addsuffix /*.h,$(TOOL_DIRS)) tool/patterns/*.h) \
	     include/uapi/linux/iommu_stress.h include/iommu_stress_errno.h \
	     include/iommu_stress_backends.h
# The test harness of the unit tests and of the hardening programs, with
# what they take from the tool: errno names and the random-number generator.
KTEST := tests/lib/ktest.c tests/lib/ktest.h
KTEST_TOOL := tool/lib/errname.c tool/lib/errname.h tool/lib/rng.c tool/lib/rng.h
# The hardening programs' ABI table runs in the unit tests too, against the
# fake module (tests/unit/fake-module.c) instead of the kernel's.
UNIT_SRCS := $(wildcard tests/unit/*.c) tests/lib/ktest.c tests/hardening/abi.c
UNIT_HDRS := $(wildcard tests/unit/*.h) tests/lib/ktest.h tests/hardening/common.h
# The patterns' files, each named after the one pattern it registers: the
# unit tests hold the registry to them.
PATTERN_NAMES := $(sort $(notdir $(basename $(wildcard tool/patterns/*.c))))
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: all module probes tool tool-static check test test-debug test-long test-seed repro matrix hardening clean \
	man install install-module install-tool install-dkms-src uninstall uninstall-module uninstall-tool

all: module tool

probes:
	@MAKE="$(MAKE)" module/probes/run "$(KDIR)" module/generated/probes.h

module: probes
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=1 modules

tool: tool/iommu-stress
tool-static: tool/iommu-stress.static

# CPPFLAGS and LDFLAGS: a distribution's hardening flags (dpkg-buildflags).
tool/iommu-stress: tool/main.c $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ tool/main.c $(TOOL_SRCS) $(TOOL_LDLIBS)

# ld warns that libnuma.a's numa_affinity() uses getaddrinfo (for network
# device names): that path is never taken here.
tool/iommu-stress.static: tool/main.c $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) -static -o $@ tool/main.c $(TOOL_SRCS) $(TOOL_LDLIBS)

# Unit tests run under AddressSanitizer and UBSan (LeakSanitizer checks
# each test as its process ends).
tests/unit/run-unit: $(UNIT_SRCS) $(UNIT_HDRS) $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) -Itests/unit -Itests/lib $(SANITIZE) \
		-DHARDENING_ON_FAKE_MODULE -DPATTERN_NAMES='"$(PATTERN_NAMES)"' \
		-o $@ $(UNIT_SRCS) $(TOOL_SRCS) $(TOOL_LDLIBS)

# The harness's tests of itself, most of them failing on purpose.
tests/lib/ktest-selftest: tests/lib/ktest-selftest.c $(KTEST) $(KTEST_TOOL)
	$(CC) $(TOOL_CFLAGS) -Itests/lib $(SANITIZE) -o $@ $< $(filter %.c,$(KTEST) $(KTEST_TOOL))

check: tests/unit/run-unit tests/lib/ktest-selftest tool/iommu-stress
	tests/lib/ktest-check
	tests/unit/run-unit
	tests/unit/json-check
	tests/unit/bench-check
	tests/unit/bench-chart-check
	tests/unit/ktap-check
	tests/unit/errno-contract-check
	tests/unit/backend-table-check
	tests/unit/log-problems-check
	tests/unit/kmemleak-check

# Empty: as many suites at a time as there are CPUs.
TEST_JOBS ?=
test:
	tests/run-all $(if $(TEST_JOBS),-j $(TEST_JOBS))

test-debug:
	tests/run-all --debug $(if $(TEST_JOBS),-j $(TEST_JOBS))

test-long:
	tests/run-all --long $(if $(TEST_JOBS),-j $(TEST_JOBS))

test-seed:
	scripts/setup
	tests/seed/run

# Every pattern, stock and with its negative control, on each kernel x
# vIOMMU, one VM boot per pair; cells whose key did not change are taken
# over from earlier runs. E.g. MATRIX_ARGS="--kernels 6.1 --iommus intel -j 1".
MATRIX_ARGS ?=
matrix:
	scripts/setup
	scripts/matrix --report $(MATRIX_ARGS)

# The VM has 1 GiB: the 3 GiB range of the report is scaled down to 256M.
REPRO_ARGS ?= --size 256M --iterations 100
repro:
	scripts/setup
	scripts/vm-run --out out/repro -- sh -c '\
	  iommu-stress info; \
	  iommu-stress repro longpeng $(REPRO_ARGS) --json /out/longpeng.json; \
	  echo "stock kernel: exit $$?"; \
	  iommu-stress repro longpeng $(REPRO_ARGS) --inject skip-flush \
	    --json /out/longpeng-skip-flush.json; \
	  echo "negative control (skip-flush): exit $$?"'

# Static test programs the hardening VM test puts on the guest's PATH.
HARDENING := $(patsubst tests/hardening/%.c,tests/hardening/hardening-%,\
	       $(wildcard tests/hardening/*.c))
hardening: $(HARDENING)
tests/hardening/hardening-%: tests/hardening/%.c $(wildcard tests/hardening/*.h) \
		$(KTEST) $(KTEST_TOOL) include/uapi/linux/iommu_stress.h include/iommu_stress_errno.h \
		include/iommu_stress_backends.h
	$(CC) $(TOOL_CFLAGS) -Itests/lib -static -pthread -o $@ $< $(filter %.c,$(KTEST) $(KTEST_TOOL))

MANPAGES := doc/iommu-stress.1 doc/iommu-stress-host-run.1
man: $(MANPAGES)
doc/%.1: doc/%.1.scd
	@command -v scdoc >/dev/null || { echo "scdoc is missing (Debian: apt-get install scdoc)" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@

# Installation. DESTDIR stages it (packages); depmod runs only without it,
# on the machine whose /lib/modules it changed.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/iommu-stress
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# The release KDIR builds for, and so where its modules live.
KRELEASE = $(shell cat "$(KDIR)/include/config/kernel.release" 2>/dev/null)
MODULES := iommu_stress istress_edu_dma
# What DKMS needs to build the module: the sources, their probes and the
# top-level Makefile's probes target (dkms.conf says how).
DKMS_SRCS := Makefile Kbuild module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.[ch])) \
	     module/probes/Kbuild module/probes/exports module/probes/run \
	     $(wildcard module/probes/*.c include/*.h include/uapi/linux/*.h)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf 2>/dev/null)

install: install-module install-tool

install-module: module
	@[ -n "$(KRELEASE)" ] || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" INSTALL_MOD_PATH="$(DESTDIR)" \
		INSTALL_MOD_DIR=updates modules_install
	[ -n "$(DESTDIR)" ] || depmod -a "$(KRELEASE)"

install-tool: tool man
	install -D -m 755 tool/iommu-stress "$(DESTDIR)$(BINDIR)/iommu-stress"
	install -D -m 755 scripts/host-run "$(DESTDIR)$(BINDIR)/iommu-stress-host-run"
	install -D -m 644 -t "$(DESTDIR)$(MANDIR)/man1" $(MANPAGES)
	install -D -m 644 results/schema.json "$(DESTDIR)$(DATADIR)/schema.json"
	install -D -m 644 scripts/lib/log-problems.sh "$(DESTDIR)$(DATADIR)/log-problems.sh"
	install -D -m 644 completion/iommu-stress "$(DESTDIR)$(COMPLETIONDIR)/iommu-stress"

# The module's sources as DKMS takes them: /usr/src/iommu-stress-VERSION.
install-dkms-src:
	@[ -n "$(VERSION)" ] || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	for f in $(DKMS_SRCS) dkms.conf; do \
		install -D -m "$$([ -x "$$f" ] && echo 755 || echo 644)" "$$f" \
			"$(DESTDIR)/usr/src/iommu-stress-$(VERSION)/$$f" || exit 1; \
	done

uninstall: uninstall-module uninstall-tool

# modules_install keeps the module's folder in the tree: updates/module/.
uninstall-module:
	@[ -n "$(KRELEASE)" ] || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	rm -f $(foreach m,$(MODULES),"$(DESTDIR)/lib/modules/$(KRELEASE)/updates/module/$(m).ko"*)
	rmdir "$(DESTDIR)/lib/modules/$(KRELEASE)/updates/module" \
		"$(DESTDIR)/lib/modules/$(KRELEASE)/updates" 2>/dev/null || true
	[ -n "$(DESTDIR)" ] || depmod -a "$(KRELEASE)"

uninstall-tool:
	rm -f "$(DESTDIR)$(BINDIR)/iommu-stress" "$(DESTDIR)$(BINDIR)/iommu-stress-host-run" \
		$(foreach m,$(MANPAGES),"$(DESTDIR)$(MANDIR)/man1/$(notdir $(m))") \
		"$(DESTDIR)$(DATADIR)/schema.json" "$(DESTDIR)$(DATADIR)/log-problems.sh" \
		"$(DESTDIR)$(COMPLETIONDIR)/iommu-stress"
	rmdir "$(DESTDIR)$(DATADIR)" 2>/dev/null || true

clean:
	-[ -d "$(KDIR)" ] && $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean
	rm -rf module/generated module/probes/*.o module/probes/probes.log
	rm -f tool/iommu-stress tool/iommu-stress.static tests/unit/run-unit \
		tests/lib/ktest-selftest $(HARDENING) $(MANPAGES)
