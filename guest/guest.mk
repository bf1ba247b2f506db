# Tiny freestanding test guests: 32-bit, entered through PVH
# (XEN_ELFNOTE_PHYS32_ENTRY), linked at 1 MiB. Each guest/<name>.c with
# guest/start.S and guest/lib.c becomes $(O)/guest/<name>.elf.
# They run under PVM's instruction emulator (~0.7 M instr/s): keep them tiny.

GUEST_CFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		-fno-asynchronous-unwind-tables -mgeneral-regs-only -Os -Wall -Wextra -Werror \
		-Iguest -nostdinc -isystem $(shell $(CC) -print-file-name=include)
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -T guest/guest.ld --build-id=none -z noexecstack --no-warn-rwx-segments

GUEST_PROGS := $(filter-out guest/lib.c,$(wildcard guest/*.c))
GUEST_ELFS  := $(GUEST_PROGS:guest/%.c=$(O)/guest/%.elf) $(O)/guest/hello-ld.elf
GUEST_COMMON := $(O)/guest/start.o $(O)/guest/lib.o

guests: $(GUEST_ELFS)

$(O)/guest/%.o: guest/%.c guest/guest.h
	@mkdir -p $(dir $@)
	@echo "  GCC32   $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(O)/guest/start.o: guest/start.S
	@mkdir -p $(dir $@)
	@echo "  AS32    $<"
	$(Q)$(CC) -m32 -c -o $@ $<

$(O)/guest/%.elf: $(O)/guest/%.o $(GUEST_COMMON) guest/guest.ld
	@echo "  LD32    $@"
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(GUEST_COMMON) $<

# hello linked the usual way: ld -Ttext=0x100000 and ld's default script,
# not guest.ld. ld then puts the ELF and program headers in a first
# PT_LOAD at 0xff000, below 1 MiB, and the Xen note (an orphan section
# under the default script) in a PT_LOAD of its own at 0x8048000 + headers:
# what a freestanding kernel built without a linker script looks like.
$(O)/guest/hello-ld.elf: $(O)/guest/hello.o $(GUEST_COMMON)
	@echo "  LD32    $@"
	$(Q)ld -m elf_i386 -nostdlib -static -Ttext=0x100000 --build-id=none -z noexecstack \
		-o $@ $(GUEST_COMMON) $<
