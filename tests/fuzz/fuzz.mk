# tests/fuzz: one libFuzzer harness per surface a guest or a file
# controls, each linked against the real archives built by clang with
# -fsanitize=fuzzer-no-link,address,undefined (FUZZ=1, tree build-fuzz/).
# Seed corpora live in tests/fuzz/corpus/<harness>/.
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_ONLY=name]   fuzz each harness N s (60)
#   make check                                    replays every corpus
#                                                 (tests/fuzz/replay.sh)

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_DIR  := build-fuzz
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/tests/fuzz/%)
FUZZ_SECONDS ?= 60
HAVE_CLANG := $(shell command -v clang >/dev/null 2>&1 && echo 1)

ifeq ($(FUZZ),1)
fuzz-bins: $(FUZZ_BINS)

$(FUZZ_DIR)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/fuzz-virtio.h $(LIBS_ALL)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(LIBS_ALL) $(LIBS) $(LDFLAGS)
else
fuzz-bins:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 O=$(FUZZ_DIR) fuzz-bins
endif

# make check builds the harnesses when clang is there (replay.sh says
# SKIP when it is not).
ifeq ($(HAVE_CLANG),1)
fuzz-check-bins: fuzz-bins
else
fuzz-check-bins:
endif

fuzz: fuzz-bins
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_ONLY=$(FUZZ_ONLY) tests/fuzz/run.sh
