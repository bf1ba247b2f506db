# kite's guest init and its test command: static x86-64 Linux programs
# (glibc's static libc, nothing else), built without sanitizers whatever
# SAN says: they run in the guest, not in kite. kite-init is linked into
# kite itself (blob.S), so `kite sandbox` needs no file at run time.

INIT_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	       -Iinclude -static
INIT_PROGS  := $(O)/guest/init/kite-init $(O)/guest/init/kite-probe

guests: $(INIT_PROGS)

$(O)/guest/init/kite-init: guest/init/init.c include/sandbox-proto.h
$(O)/guest/init/kite-probe: guest/init/probe.c guest/init/probe-tcp.c guest/init/probe.h
$(INIT_PROGS):
	@mkdir -p $(dir $@)
	@echo "  STATIC  $@"
	$(Q)$(CC) $(INIT_CFLAGS) -o $@ $(filter %.c,$^) && strip $@

$(O)/guest/init/blob.o: guest/init/blob.S $(O)/guest/init/kite-init
	@echo "  AS      $@"
	$(Q)$(CC) -c -DKITE_INIT_PATH='"$(O)/guest/init/kite-init"' -o $@ $<
