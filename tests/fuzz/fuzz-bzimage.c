// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel file kite is told to boot: the bzImage setup-header validator,
 * then, for a header it accepts, placement in low RAM and the zero page
 * (the input's 8 last bytes pick the RAM size and initrd/cmdline sizes).
 */
#include "boot.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct bzimage_info info;
	struct bzimage_layout lay;
	struct boot_mem_range map[BOOT_MEM_MAX];
	static u8 zp[BOOT_ZERO_PAGE_SIZE];
	char err[256];
	u64 low_end, initrd, cmdline;
	int nr;

	/* A buffer of exactly `size` bytes: ASan sees any read past the file. */
	u8 *buf = malloc(size ? size : 1);

	FUZZ_CHECK(buf);
	memcpy(buf, data, size);
	if (!bzimage_probe(buf, size) || bzimage_parse(buf, size, &info, err, sizeof(err))) {
		free(buf);
		return 0;
	}
	FUZZ_CHECK(info.header_end <= size && info.setup_size + info.kernel_size <= size);
	/* Low RAM as kite lays it out: past 1 MiB, up to the PCI hole. */
	low_end = size >= 8 ? ((u64)data[size - 1] << 24 | (u64)data[size - 2] << 16) : 256 * MiB;
	low_end = MAX(MIN(low_end, MMIO_HOLE_START), 2 * MiB);
	initrd = size >= 8 ? (u64)data[size - 3] << 20 : 0;
	cmdline = size >= 8 ? data[size - 4] * 64ULL : 32;
	if (!bzimage_place(&info, low_end, initrd, cmdline, &lay, err, sizeof(err))) {
		/* What bzimage_load copies must be RAM, and apart. */
		FUZZ_CHECK(lay.kernel_addr + info.kernel_size <= low_end);
		FUZZ_CHECK(!lay.initrd_size ||
			   (lay.initrd_addr >= lay.kernel_addr + info.kernel_size &&
			    lay.initrd_addr + lay.initrd_size <= low_end));
		nr = boot_memmap_layout(low_end, 0, map, BOOT_MEM_MAX);
		FUZZ_CHECK(nr > 0);
		bzimage_fill_zero_page(zp, buf, &info, &lay, map, nr, 0xe0000);
	}
	free(buf);
	return 0;
}
