// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one mapping, shown to the guest as up to two banks either
 * side of the 32-bit MMIO hole (see kvm.h). Private and anonymous unless
 * a back-end in another process must see it (cfg->shared_ram): then a
 * memfd mapped shared, one fd for both banks at their offsets in it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

/* What the host could give us: physical RAM plus swap, as a sanity bound. */
static u64 host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (u64)pages * psz : 0;
}

#define HUGE_PAGE	(2 * MiB)

/*
 * A mapping whose start is `align`-aligned: guest-physical 2M pages then
 * sit on host 2M pages, so THP (and a nested hypervisor's page tables)
 * can back them with huge pages. Over-map, then trim both ends. fd < 0:
 * private anonymous memory; else fd's first `size` bytes, shared.
 */
static void *map_aligned(u64 size, u64 align, int fd)
{
	u8 *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	u8 *start;

	if (p == MAP_FAILED)
		return NULL;
	start = (u8 *)ALIGN_UP((uintptr_t)p, align);
	if (fd >= 0 && mmap(start, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0) == MAP_FAILED) {
		int e = errno;

		munmap(p, size + align);
		errno = e;
		return NULL;
	}
	if (start > p)
		munmap(p, start - p);
	munmap(start + size, p + align - start);
	return start;
}

/* The memfd shared guest RAM lives in: -1 with errno on failure. */
static int ram_memfd(u64 size)
{
	int fd = memfd_create("kite-guest-ram", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, size) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void add_bank(struct vm *vm, u64 gpa, u64 size, u8 *hva)
{
	vm->banks[vm->nr_banks++] = (struct mem_bank){ .gpa = gpa, .size = size, .hva = hva };
}

int vm_register_memory(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->nr_banks; i++) {
		const struct mem_bank *b = &vm->banks[i];
		struct kvm_userspace_memory_region region = {
			.slot = i,
			.guest_phys_addr = b->gpa,
			.memory_size = b->size,
			.userspace_addr = (u64)(uintptr_t)b->hva,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
			int e = errno;

			pr_err("cannot give %llu MiB of RAM at 0x%llx to the guest: %s",
			       (unsigned long long)(b->size >> 20), (unsigned long long)b->gpa,
			       strerror(e));
			return -e;
		}
	}
	return 0;
}

int vm_init_memory(struct vm *vm, u64 ram_size)
{
	u64 host = host_memory(), low;
	bool shared = vm->cfg && vm->cfg->shared_ram;
	int fd = -1;
	void *ram;

	if (ram_size < 2 * MiB) {
		pr_err("--mem %llu bytes is too small: the guest needs at least 2M",
		       (unsigned long long)ram_size);
		return -EINVAL;
	}
	if (host && ram_size > host) {
		pr_err("--mem %lluM is more than this host has (%lluM)",
		       (unsigned long long)(ram_size >> 20), (unsigned long long)(host >> 20));
		return -EINVAL;
	}
	if (!IS_ALIGNED(ram_size, 4096)) {
		pr_err("--mem must be a multiple of 4K");
		return -EINVAL;
	}
	/*
	 * MAP_NORESERVE: guest RAM is touched lazily, so a 5G guest that uses
	 * 100M costs the host 100M. THP makes the guest's page walks cheaper.
	 */
	if (shared && (fd = ram_memfd(ram_size)) < 0) {
		pr_err("cannot create %lluM of shareable guest RAM (memfd): %s",
		       (unsigned long long)(ram_size >> 20), strerror(errno));
		return -ENOMEM;
	}
	ram = map_aligned(ram_size, HUGE_PAGE, fd);
	if (!ram) {
		pr_err("cannot map %lluM of guest RAM: %s",
		       (unsigned long long)(ram_size >> 20), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	madvise(ram, ram_size, MADV_HUGEPAGE);
	vm->ram = ram;
	vm->ram_fd = fd;
	vm->ram_size = ram_size;

	low = MIN(ram_size, MMIO_HOLE_START);
	add_bank(vm, 0, low, vm->ram);
	if (ram_size > low)
		add_bank(vm, MMIO_HOLE_END, ram_size - low, vm->ram + low);
	return 0;
}

void *guest_ptr(struct vm *vm, u64 gpa, u64 len)
{
	unsigned i;

	for (i = 0; i < vm->nr_banks; i++) {
		const struct mem_bank *b = &vm->banks[i];

		if (gpa >= b->gpa && range_ok(gpa - b->gpa, len, b->size))
			return b->hva + (gpa - b->gpa);
	}
	return NULL;
}

int guest_write(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	u8 *dst = guest_ptr(vm, gpa, len);
	const u8 *p = src;
	u64 off;

	if (!dst)
		return -EINVAL;
	if (vm->ram_fd < 0) {
		memcpy(dst, src, len);
		return 0;
	}
	/* The memfd's pages come from the write, not one fault per 4K page. */
	for (off = dst - (u8 *)vm->ram; len;) {
		ssize_t n = pwrite(vm->ram_fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			memcpy(dst, p, len);	/* the mapping still works */
			return 0;
		}
		p += n, dst += n, off += n, len -= n;
	}
	return 0;
}

u64 vm_low_ram_end(struct vm *vm)
{
	return vm->nr_banks ? vm->banks[0].size : 0;
}

u64 vm_high_ram_size(struct vm *vm)
{
	return vm->nr_banks > 1 ? vm->banks[1].size : 0;
}
