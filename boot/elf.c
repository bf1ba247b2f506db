// SPDX-License-Identifier: GPL-2.0
/*
 * ELF kernels entered through PVH: the ELF carries a Xen note
 * (XEN_ELFNOTE_PHYS32_ENTRY) naming a 32-bit protected-mode entry point.
 * Both ELF32 (kite's test guests) and ELF64 (Linux's vmlinux) are read;
 * every offset and size in the file is checked before use.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18

/* One program header, whatever the ELF class. */
struct phdr {
	u32 type;
	u64 offset, paddr, filesz, memsz;
};

struct elf_info {
	const u8 *buf;
	u64 size;
	bool is64;
	u64 phoff;
	u32 phnum;
};

#define fail(err, errlen, ...) ({ snprintf(err, errlen, __VA_ARGS__); -EINVAL; })

static int read_ehdr(const void *buf, u64 size, struct elf_info *e, char *err, size_t errlen)
{
	const Elf32_Ehdr *h32 = buf;
	const Elf64_Ehdr *h64 = buf;
	u64 phentsize;

	e->buf = buf;
	e->size = size;
	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return fail(err, errlen, "not an ELF file");
	if (h32->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "ELF is not little-endian");
	e->is64 = h32->e_ident[EI_CLASS] == ELFCLASS64;
	if (!e->is64 && h32->e_ident[EI_CLASS] != ELFCLASS32)
		return fail(err, errlen, "unknown ELF class %u", h32->e_ident[EI_CLASS]);
	if (size < (e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(err, errlen, "truncated ELF header");
	if (e->is64) {
		if (h64->e_machine != EM_X86_64)
			return fail(err, errlen, "ELF is not for x86 (machine %u)", h64->e_machine);
		e->phoff = h64->e_phoff;
		e->phnum = h64->e_phnum;
		phentsize = h64->e_phentsize;
	} else {
		if (h32->e_machine != EM_386 && h32->e_machine != EM_X86_64)
			return fail(err, errlen, "ELF is not for x86 (machine %u)", h32->e_machine);
		e->phoff = h32->e_phoff;
		e->phnum = h32->e_phnum;
		phentsize = h32->e_phentsize;
	}
	if (phentsize != (e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return fail(err, errlen, "bad ELF program header size %llu",
			    (unsigned long long)phentsize);
	if (!e->phnum || !range_ok(e->phoff, (u64)e->phnum * phentsize, size))
		return fail(err, errlen, "ELF program headers are missing or truncated");
	return 0;
}

/*
 * Program headers and notes sit wherever the file says, aligned or not:
 * copy them out rather than cast the file's bytes.
 */
static void read_phdr(const struct elf_info *e, u32 i, struct phdr *p)
{
	if (e->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, e->buf + e->phoff + (u64)i * sizeof(ph), sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, e->buf + e->phoff + (u64)i * sizeof(ph), sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
}

/*
 * A PT_LOAD with memsz 0 has nothing to load (linkers do emit them; QEMU
 * skips them too), wherever it claims to be.
 */
static bool loadable(const struct phdr *p)
{
	return p->type == PT_LOAD && p->memsz;
}

/* Are its file bytes in the file? Its offset means nothing without any. */
static bool in_file(const struct phdr *p, u64 size)
{
	return !p->filesz || range_ok(p->offset, p->filesz, size);
}

/*
 * Is segment p only notes, beyond RAM? ld's default script gives the
 * notes (the PVH entry among them) a PT_LOAD of their own at 128 MiB up;
 * they are read from the file, so a guest with less RAM needs none of
 * them in memory. QEMU drops a segment outside RAM silently; we drop
 * only this kind: any other segment missing would crash the guest later.
 */
static bool notes_beyond_ram(struct vm *vm, const struct elf_info *e, const struct phdr *p)
{
	struct phdr n;
	u32 i;

	if (guest_range_ok(vm, p->paddr, p->memsz) || p->filesz != p->memsz)
		return false;
	for (i = 0; i < e->phnum; i++) {
		read_phdr(e, i, &n);
		if (n.type == PT_NOTE && p->offset >= n.offset &&
		    p->filesz <= n.filesz && p->offset - n.offset <= n.filesz - p->filesz)
			return true;
	}
	return false;
}

/* Search one PT_NOTE segment for the PVH entry. Returns 1 if found. */
static int find_pvh_note(const u8 *notes, u64 len, u32 *entry)
{
	u64 off = 0;

	while (len - off >= sizeof(Elf32_Nhdr)) {
		Elf32_Nhdr nh, *n = &nh;
		u64 name_off = off + sizeof(nh);
		u64 desc_off, next;

		memcpy(&nh, notes + off, sizeof(nh));
		desc_off = name_off + ALIGN_UP((u64)n->n_namesz, 4);
		next = desc_off + ALIGN_UP((u64)n->n_descsz, 4);

		if (desc_off > len || !range_ok(desc_off, n->n_descsz, len))
			return 0;	/* malformed: stop, the caller reports no note */
		if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 &&
		    !memcmp(notes + name_off, "Xen", 4)) {
			u64 v = 0;

			if (n->n_descsz != 4 && n->n_descsz != 8)
				return 0;
			memcpy(&v, notes + desc_off, n->n_descsz);
			if (v > 0xffffffffULL)
				return 0;
			*entry = (u32)v;
			return 1;
		}
		off = next;
	}
	return 0;
}

int elf_pvh_parse(const void *buf, u64 size, u32 *entry, char *err, size_t errlen)
{
	struct elf_info e;
	bool found = false, any_load = false;
	int ret = read_ehdr(buf, size, &e, err, errlen);
	u32 i;

	if (ret)
		return ret;
	for (i = 0; i < e.phnum; i++) {
		struct phdr p;

		read_phdr(&e, i, &p);
		if (!loadable(&p) && p.type != PT_NOTE)
			continue;
		if (!in_file(&p, size))
			return fail(err, errlen, "ELF segment %u lies beyond the end of the file (truncated?)", i);
		if (loadable(&p)) {
			if (p.filesz > p.memsz)
				return fail(err, errlen, "ELF segment %u is larger in the file than in memory", i);
			any_load = true;
		} else if (!found && p.filesz) {
			found = find_pvh_note(e.buf + p.offset, p.filesz, entry);
		}
	}
	if (!any_load)
		return fail(err, errlen, "ELF has nothing to load");
	if (!found)
		return fail(err, errlen, "ELF has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); "
			    "build the kernel with CONFIG_PVH");
	return 0;
}

static u64 ram_top(struct vm *vm)
{
	u64 high = vm_high_ram_size(vm);

	return high ? MMIO_HOLE_END + high : vm_low_ram_end(vm);
}

/*
 * May segment i go where it asks? It must lie in one RAM bank and clear
 * of avoid[]: kite writes those after the kernel is loaded, so an overlap
 * would be silently overwritten. Each error names both ranges.
 */
static int check_segment(struct vm *vm, u32 i, const struct phdr *p,
			 const struct boot_region *avoid, unsigned nr_avoid,
			 char *err, size_t errlen)
{
	u64 start = p->paddr, end;
	unsigned j;

	if (p->memsz > ~0ULL - start)
		return fail(err, errlen, "ELF segment %u at 0x%llx (+0x%llx) wraps around the address space",
			    i, (unsigned long long)start, (unsigned long long)p->memsz);
	end = start + p->memsz;
	if (start < MMIO_HOLE_END && end > MMIO_HOLE_START)
		return fail(err, errlen, "ELF segment %u [0x%llx, 0x%llx) overlaps the 32-bit MMIO hole [0x%llx, 0x%llx)",
			    i, (unsigned long long)start, (unsigned long long)end,
			    MMIO_HOLE_START, MMIO_HOLE_END);
	if (!guest_range_ok(vm, start, p->memsz))
		return fail(err, errlen, "ELF segment %u [0x%llx, 0x%llx) is beyond guest RAM, which ends at 0x%llx: give more --mem",
			    i, (unsigned long long)start, (unsigned long long)end,
			    (unsigned long long)ram_top(vm));
	for (j = 0; j < nr_avoid; j++) {
		const struct boot_region *r = &avoid[j];

		if (start < r->end && end > r->start)
			return fail(err, errlen, "ELF segment %u [0x%llx, 0x%llx) overlaps kite's %s [0x%llx, 0x%llx)",
				    i, (unsigned long long)start, (unsigned long long)end,
				    r->name, (unsigned long long)r->start,
				    (unsigned long long)r->end);
	}
	return 0;
}

int elf_pvh_load(struct vm *vm, const void *buf, u64 size,
		 const struct boot_region *avoid, unsigned nr_avoid, u64 *end,
		 char *err, size_t errlen)
{
	struct elf_info e;
	struct phdr p;
	int ret = read_ehdr(buf, size, &e, err, errlen);
	u32 i;

	if (ret)
		return ret;
	/* Check every segment before copying any: a refused ELF leaves RAM alone. */
	for (i = 0; i < e.phnum; i++) {
		read_phdr(&e, i, &p);
		if (!loadable(&p))
			continue;
		if (!in_file(&p, size) || p.filesz > p.memsz)
			return fail(err, errlen, "ELF segment %u is malformed", i);
		if (notes_beyond_ram(vm, &e, &p))
			continue;
		ret = check_segment(vm, i, &p, avoid, nr_avoid, err, errlen);
		if (ret)
			return ret;
	}
	*end = 0;
	for (i = 0; i < e.phnum; i++) {
		u8 *dst;

		read_phdr(&e, i, &p);
		if (!loadable(&p) || notes_beyond_ram(vm, &e, &p))
			continue;
		dst = guest_ptr(vm, p.paddr, p.memsz);	/* in RAM: checked above */
		memcpy(dst, e.buf + p.offset, p.filesz);
		memset(dst + p.filesz, 0, p.memsz - p.filesz);
		*end = MAX(*end, p.paddr + p.memsz);
	}
	return 0;
}
