# kite: a minimal KVM virtual machine monitor.
#
#   make              build ./kite and the test guests
#   make check        build and run every test (unit, KVM integration, rig)
#   make check SAN=1  the same under ASan+UBSan (separate build tree)
#   make bench        benchmarks, printed as ratios against peers
#   make demo         boot a Linux guest to a shell (the README's main job)
#   make deps         install missing Debian build/test dependencies
#   make fuzz         libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS each
#
# Sources are discovered by directory: a new .c file in one of the folders
# below is part of kite, a new tests/unit/test-*.c is a new test program.
# The layers link as separate archives, so the build itself keeps the
# boundaries (ARCHITECTURE.md): util/ needs nothing, disk/ only util/,
# and `kite io` (cmd/io*.c) with the disk tests links those two alone.

CC      ?= gcc
SAN     ?= 0
V       ?= 0

ifeq ($(FUZZ),1)
# tests/fuzz: clang's libFuzzer over the real code, in its own tree.
override CC := clang
O       ?= build-fuzz
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end
else ifeq ($(SAN),1)
O       ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
O       ?= build
SANFLAGS :=
endif

ifeq ($(V),0)
Q := @
endif

CFLAGS   := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	    -Wno-missing-field-initializers -fno-strict-aliasing \
	    -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -pthread -MMD -MP \
	    $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS  := -pthread $(SANFLAGS)
LIBS     := -laio -luring -lfdt -lseccomp
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

objs_of    = $(patsubst %.c,$(O)/%.o,$(sort $(wildcard $(1))))
UTIL_OBJS := $(call objs_of,util/*.c)
DISK_OBJS := $(call objs_of,disk/*.c)
IO_OBJS   := $(call objs_of,cmd/io*.c)
VM_OBJS   := $(filter-out $(IO_OBJS),$(call objs_of,kvm/*.c hw/*.c virtio/*.c boot/*.c cmd/*.c))
LIBS_ALL  := $(O)/libkite-vm.a $(O)/libkite-io.a $(O)/libkite-disk.a $(O)/libkite-util.a
MAIN_OBJ  := $(O)/main.o
TEST_SRCS := $(sort $(wildcard tests/unit/test-*.c tests/kvm/test-*.c))
TEST_BINS := $(TEST_SRCS:%.c=$(O)/%)
TEST_HELPER_OBJS := $(patsubst %.c,$(O)/%.o,$(wildcard tests/lib/*.c))

# kite itself is always built at the top level as ./kite for users; the
# sanitizer build lives in its own tree so the two never mix objects.
ifeq ($(SAN),1)
KITE := $(O)/kite
else
KITE := kite
endif

all: $(KITE) guests

$(KITE): $(MAIN_OBJ) $(LIBS_ALL)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/libkite-util.a: $(UTIL_OBJS)
$(O)/libkite-disk.a: $(DISK_OBJS)
$(O)/libkite-io.a: $(IO_OBJS)
$(O)/libkite-vm.a: $(VM_OBJS) $(O)/guest/init/blob.o
$(O)/libkite-%.a:
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# kite's version (scripts/version.sh: git describe, a VERSION file, or
# "unknown") goes into version.h, rewritten only when it changes: then
# only util/version.c, its one user, is compiled again.
$(O)/include/version.h: FORCE
	@mkdir -p $(dir $@)
	$(Q)printf '#define KITE_VERSION "%s"\n' "$$(scripts/version.sh)" >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(O)/util/version.o: $(O)/include/version.h
$(O)/util/version.o: CFLAGS += -I$(O)/include

# A test links the layers its subject may use: the disk tests and kite
# io's the disk library alone, so a stray dependency on the VM fails here.
test_libs = $(if $(filter test-disk% test-cmd-io test-child test-util test-json test-diag test-term-out test-version,$(notdir $(1))),\
	$(O)/libkite-io.a $(O)/libkite-disk.a $(O)/libkite-util.a,$(LIBS_ALL))

.SECONDEXPANSION:
$(O)/tests/%: tests/%.c $(TEST_HELPER_OBJS) $$(call test_libs,$$*)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/lib -o $@ $< $(TEST_HELPER_OBJS) $(call test_libs,$*) $(LIBS) $(CHECK_LIBS) $(LDFLAGS)

include guest/guest.mk
include guest/init/init.mk
include tests/fuzz/fuzz.mk

tests: $(TEST_BINS)

check: $(KITE) guests tests fuzz-check-bins
	$(Q)O=$(O) KITE=$(abspath $(KITE)) SAN=$(SAN) tests/run-tests.sh tests/check-layout.sh \
		tests/fuzz/replay.sh tests/io/durable-kill.sh $(TEST_BINS)

bench: all
	$(Q)O=$(O) KITE=$(abspath $(KITE)) tests/bench/run.sh

# Dependencies first: on a fresh clone the build itself needs them.
demo:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)KITE=$(abspath $(KITE)) tests/rig/demo.sh

deps:
	$(Q)scripts/deps.sh

# The mini guest kernel (guest/linux): built once from Debian's
# linux-source, then cached; prints the bzImage and vmlinux paths.
mini-kernel:
	$(Q)guest/linux/build.sh

clean:
	rm -rf build build-san build-fuzz kite

FORCE:

.PHONY: all tests check bench demo deps clean guests mini-kernel fuzz fuzz-bins fuzz-check-bins FORCE
.SECONDARY:

-include $(shell find $(O) -name '*.d' 2>/dev/null)
