// SPDX-License-Identifier: GPL-2.0
/*
 * A PVH ELF kernel file: elf_pvh_parse, then for what it accepts
 * elf_pvh_load into a 4 MiB VM with the regions the PVH path writes
 * itself kept out, as boot_load_kernel calls them.
 */
#include "boot.h"
#include "fuzz.h"

#define FUZZ_RAM	(4 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vm vm;
	static struct vm_config cfg;
	struct boot_region taken[BOOT_PVH_REGIONS];
	char err[256];
	unsigned n;
	u32 entry;
	u64 end;
	u8 *buf;

	if (!vm.ram) {
		FUZZ_CHECK(vm_init_bare(&vm, &cfg) == 0);
		FUZZ_CHECK(vm_init_memory(&vm, FUZZ_RAM) == 0);
		vm.nr_cpus = 1;
	}
	buf = malloc(size ? size : 1);	/* exactly the file: ASan sees overreads */
	FUZZ_CHECK(buf);
	memcpy(buf, data, size);
	if (!elf_pvh_parse(buf, size, &entry, err, sizeof(err))) {
		n = boot_pvh_regions(&vm, strlen(BOOT_DEFAULT_CMDLINE), taken);
		if (!elf_pvh_load(&vm, buf, size, taken, n, &end, err, sizeof(err)))
			FUZZ_CHECK(end <= FUZZ_RAM);
	}
	free(buf);
	return 0;
}
