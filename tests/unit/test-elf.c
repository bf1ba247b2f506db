// SPDX-License-Identifier: GPL-2.0
/*
 * PVH ELF parsing and loading: valid ELF32 and ELF64 images built here,
 * then every way a file can be malformed, and loading into a VM's RAM.
 */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "test.h"

#define PADDR		0x100000
#define CODE_SIZE	64
#define BSS_SIZE	4096

/* ehdr | phdr[3] (LOAD, NOTE, a spare PT_NULL) | note | code */
struct img {
	u8 buf[1024];
	u64 size;
	u64 note_off, code_off, phoff;
	bool is64;
};

static void put_note(struct img *m, u32 type, const char *name, u32 descsz, u64 entry)
{
	Elf32_Nhdr n = { .n_namesz = strlen(name) + 1, .n_descsz = descsz, .n_type = type };
	u8 *p = m->buf + m->note_off;

	memcpy(p, &n, sizeof(n));
	memcpy(p + sizeof(n), name, n.n_namesz);
	memcpy(p + sizeof(n) + ALIGN_UP(n.n_namesz, 4), &entry, descsz > 8 ? 8 : descsz);
}

static void build(struct img *m, bool is64, u64 entry)
{
	memset(m, 0, sizeof(*m));
	m->is64 = is64;
	m->phoff = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	m->note_off = m->phoff + 3 * (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr));
	m->code_off = m->note_off + 32;
	m->size = m->code_off + CODE_SIZE;
	memset(m->buf + m->code_off, 0x90, CODE_SIZE);	/* nops */
	put_note(m, 18, "Xen", is64 ? 8 : 4, entry);
	if (is64) {
		Elf64_Ehdr *h = (Elf64_Ehdr *)m->buf;
		Elf64_Phdr *ph = (Elf64_Phdr *)(m->buf + m->phoff);

		memcpy(h->e_ident, ELFMAG, SELFMAG);
		h->e_ident[EI_CLASS] = ELFCLASS64;
		h->e_ident[EI_DATA] = ELFDATA2LSB;
		h->e_machine = EM_X86_64;
		h->e_phoff = m->phoff;
		h->e_phentsize = sizeof(Elf64_Phdr);
		h->e_phnum = 3;
		ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = m->code_off, .p_paddr = PADDR,
				      .p_filesz = CODE_SIZE, .p_memsz = CODE_SIZE + BSS_SIZE };
		ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = m->note_off, .p_filesz = 24 };
	} else {
		Elf32_Ehdr *h = (Elf32_Ehdr *)m->buf;
		Elf32_Phdr *ph = (Elf32_Phdr *)(m->buf + m->phoff);

		memcpy(h->e_ident, ELFMAG, SELFMAG);
		h->e_ident[EI_CLASS] = ELFCLASS32;
		h->e_ident[EI_DATA] = ELFDATA2LSB;
		h->e_machine = EM_386;
		h->e_phoff = m->phoff;
		h->e_phentsize = sizeof(Elf32_Phdr);
		h->e_phnum = 3;
		ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = m->code_off, .p_paddr = PADDR,
				      .p_filesz = CODE_SIZE, .p_memsz = CODE_SIZE + BSS_SIZE };
		ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = m->note_off, .p_filesz = 20 };
	}
}

static Elf64_Phdr *ph64(struct img *m, int i)
{
	return (Elf64_Phdr *)(m->buf + m->phoff) + i;
}

/* Make the spare phdr[2] a PT_LOAD, whatever the class. */
static void set_load(struct img *m, u64 offset, u64 paddr, u64 filesz, u64 memsz)
{
	if (m->is64) {
		*ph64(m, 2) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offset, .p_paddr = paddr,
					    .p_filesz = filesz, .p_memsz = memsz };
	} else {
		Elf32_Phdr *ph = (Elf32_Phdr *)(m->buf + m->phoff) + 2;

		*ph = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = offset, .p_paddr = paddr,
				    .p_filesz = filesz, .p_memsz = memsz };
	}
}

/* A bare VM (no KVM) with `ram` bytes of RAM, one vCPU for the MP table's size. */
static void bare_vm(struct vm *vm, struct vm_config *cfg, u64 ram)
{
	memset(cfg, 0, sizeof(*cfg));
	ck_assert_int_eq(vm_init_bare(vm, cfg), 0);
	ck_assert_int_eq(vm_init_memory(vm, ram), 0);
	vm->nr_cpus = 1;
}

/* elf_pvh_load with what the PVH path writes (default command line). */
static int load(struct vm *vm, struct img *m, u64 *end, char *err, size_t errlen)
{
	struct boot_region taken[BOOT_PVH_REGIONS];
	unsigned n = boot_pvh_regions(vm, strlen(BOOT_DEFAULT_CMDLINE), taken);

	return elf_pvh_load(vm, m->buf, m->size, taken, n, end, err, errlen);
}

/* Expect parsing to fail with a reason containing `why`. */
static void expect_bad(struct img *m, const char *why)
{
	char err[160] = "";
	u32 entry;

	ck_assert_int_eq(elf_pvh_parse(m->buf, m->size, &entry, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, why), "error '%s' does not mention '%s'", err, why);
}

START_TEST(valid_elf32_and_elf64)
{
	struct img m;
	char err[160];
	u32 entry = 0;

	build(&m, false, 0x100010);
	ck_assert_int_eq(elf_pvh_parse(m.buf, m.size, &entry, err, sizeof(err)), 0);
	ck_assert_uint_eq(entry, 0x100010);
	build(&m, true, 0x1234567);
	ck_assert_int_eq(elf_pvh_parse(m.buf, m.size, &entry, err, sizeof(err)), 0);
	ck_assert_uint_eq(entry, 0x1234567);
}
END_TEST

/*
 * Program headers and notes at odd file offsets (the file says where):
 * read as bytes, not through misaligned struct pointers (UBSan under
 * SAN=1 caught that; found by tests/fuzz/fuzz-elf).
 */
START_TEST(misaligned_headers_and_notes)
{
	for (int is64 = 0; is64 < 2; is64++) {
		struct img m;
		char err[160];
		u32 entry = 0;
		u64 shift = 3;

		build(&m, is64, 0x100020);
		memmove(m.buf + m.phoff + shift, m.buf + m.phoff, m.size - m.phoff);
		m.size += shift;
		if (is64) {
			Elf64_Ehdr *h = (Elf64_Ehdr *)m.buf;
			Elf64_Phdr ph[2];

			h->e_phoff += shift;
			memcpy(ph, m.buf + h->e_phoff, sizeof(ph));
			ph[0].p_offset += shift;
			ph[1].p_offset += shift;
			memcpy(m.buf + h->e_phoff, ph, sizeof(ph));
		} else {
			Elf32_Ehdr *h = (Elf32_Ehdr *)m.buf;
			Elf32_Phdr ph[2];

			h->e_phoff += shift;
			memcpy(ph, m.buf + h->e_phoff, sizeof(ph));
			ph[0].p_offset += shift;
			ph[1].p_offset += shift;
			memcpy(m.buf + h->e_phoff, ph, sizeof(ph));
		}
		ck_assert_msg(elf_pvh_parse(m.buf, m.size, &entry, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(entry, 0x100020);
	}
}
END_TEST

START_TEST(not_elf_and_truncated_headers)
{
	struct img m;

	build(&m, true, PADDR);
	m.buf[1] = 'X';
	expect_bad(&m, "not an ELF");
	build(&m, true, PADDR);
	m.size = 30;
	expect_bad(&m, "truncated ELF header");
	build(&m, true, PADDR);
	m.size = m.phoff + 10;
	expect_bad(&m, "program headers");
	build(&m, true, PADDR);
	m.buf[EI_DATA] = ELFDATA2MSB;
	expect_bad(&m, "little-endian");
	build(&m, true, PADDR);
	((Elf64_Ehdr *)m.buf)->e_machine = EM_AARCH64;
	expect_bad(&m, "not for x86");
	build(&m, true, PADDR);
	((Elf64_Ehdr *)m.buf)->e_phentsize = 12;
	expect_bad(&m, "program header size");
	build(&m, true, PADDR);
	((Elf64_Ehdr *)m.buf)->e_phoff = ~0ULL - 8;	/* offset + size wraps */
	expect_bad(&m, "program headers");
}
END_TEST

START_TEST(bad_segments)
{
	struct img m;

	build(&m, true, PADDR);
	m.size = m.code_off + 10;		/* code cut short */
	expect_bad(&m, "beyond the end of the file");
	build(&m, true, PADDR);
	ph64(&m, 0)->p_offset = ~0ULL - 4;
	expect_bad(&m, "beyond the end of the file");
	build(&m, true, PADDR);
	ph64(&m, 0)->p_memsz = 1;
	expect_bad(&m, "larger in the file");
	build(&m, true, PADDR);
	ph64(&m, 0)->p_type = PT_NULL;
	expect_bad(&m, "nothing to load");
}
END_TEST

START_TEST(missing_or_malformed_pvh_note)
{
	struct img m;

	build(&m, true, PADDR);
	put_note(&m, 17, "Xen", 8, PADDR);	/* another Xen note */
	expect_bad(&m, "no PVH entry note");
	build(&m, true, PADDR);
	put_note(&m, 18, "Xyz", 8, PADDR);
	expect_bad(&m, "no PVH entry note");
	build(&m, true, PADDR);
	put_note(&m, 18, "Xen", 0x7fffffff, PADDR);	/* desc runs off the segment */
	expect_bad(&m, "no PVH entry note");
	build(&m, true, 0x100000000ULL);	/* entry beyond 32 bits */
	expect_bad(&m, "no PVH entry note");
	build(&m, true, PADDR);
	ph64(&m, 1)->p_filesz = 8;		/* note header cut */
	expect_bad(&m, "no PVH entry note");
}
END_TEST

START_TEST(load_copies_and_zeroes_bss)
{
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256];
	u64 end;
	u8 *p;

	bare_vm(&vm, &cfg, 4 * MiB);
	p = guest_ptr(&vm, PADDR, CODE_SIZE + BSS_SIZE);
	memset(p, 0xee, CODE_SIZE + BSS_SIZE);
	build(&m, false, PADDR);
	ck_assert_int_eq(load(&vm, &m, &end, err, sizeof(err)), 0);
	ck_assert_uint_eq(end, PADDR + CODE_SIZE + BSS_SIZE);
	ck_assert_uint_eq(p[0], 0x90);
	ck_assert_uint_eq(p[CODE_SIZE - 1], 0x90);
	ck_assert_uint_eq(p[CODE_SIZE], 0);
	ck_assert_uint_eq(p[CODE_SIZE + BSS_SIZE - 1], 0);
	vm_destroy(&vm);
}
END_TEST

/*
 * What `ld -Ttext=0x100000` makes: a first PT_LOAD holding the ELF and
 * program headers in the page below 1 MiB (0xff000), in the BIOS area
 * where kite writes nothing. It loads, every byte where p_paddr says.
 */
START_TEST(headers_segment_below_1m_loads)
{
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256];
	u64 end;
	u8 *lo, *hi;
	int is64;

	bare_vm(&vm, &cfg, 4 * MiB);
	for (is64 = 0; is64 < 2; is64++) {
		build(&m, is64, PADDR);
		set_load(&m, 0, 0xff000, m.note_off, m.note_off);
		lo = guest_ptr(&vm, 0xff000, 0x1000);
		hi = guest_ptr(&vm, PADDR, CODE_SIZE);
		memset(lo, 0xee, 0x1000);
		memset(hi, 0xee, CODE_SIZE);
		ck_assert_msg(load(&vm, &m, &end, err, sizeof(err)) == 0, "%s", err);
		ck_assert_mem_eq(lo, m.buf, m.note_off);	/* ehdr + phdrs */
		ck_assert_uint_eq(lo[m.note_off], 0xee);	/* nothing past memsz */
		ck_assert_mem_eq(hi, m.buf + m.code_off, CODE_SIZE);
		/* The highest segment's end, not the last one's. */
		ck_assert_uint_eq(end, PADDR + CODE_SIZE + BSS_SIZE);
	}
	vm_destroy(&vm);
}
END_TEST

static bool in_taken(const struct boot_region *taken, unsigned n, u64 start, u64 end)
{
	while (n--)
		if (start < taken[n].end && end > taken[n].start)
			return true;
	return false;
}

/* Segments right up to kite's structures, either side, load. */
START_TEST(segments_next_to_kite_structures_load)
{
	struct boot_region taken[BOOT_PVH_REGIONS];
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256];
	unsigned n, i;
	u64 end;

	bare_vm(&vm, &cfg, 4 * MiB);
	n = boot_pvh_regions(&vm, strlen(BOOT_DEFAULT_CMDLINE), taken);
	for (i = 0; i < n; i++) {
		u64 below = taken[i].start - 16, above = taken[i].end;

		build(&m, true, PADDR);
		/* Unless the neighbour is another structure (ACPI, then MP table). */
		if (!in_taken(taken, n, below, below + 16)) {
			set_load(&m, 0, below, 16, 16);
			ck_assert_msg(load(&vm, &m, &end, err, sizeof(err)) == 0, "%s", err);
		}
		if (!in_taken(taken, n, above, above + 16)) {
			set_load(&m, 0, above, 16, 16);
			ck_assert_msg(load(&vm, &m, &end, err, sizeof(err)) == 0, "%s", err);
		}
	}
	vm_destroy(&vm);
}
END_TEST

/*
 * A segment over anything kite writes after loading (tables, command
 * line, start info, GDT) is refused, naming both ranges, and nothing is
 * copied, not even the good segments before it.
 */
START_TEST(segment_over_kite_structure_is_refused)
{
	struct boot_region taken[BOOT_PVH_REGIONS];
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256], want[160];
	unsigned n, i;
	u64 end;
	u8 *p;

	bare_vm(&vm, &cfg, 4 * MiB);
	n = boot_pvh_regions(&vm, strlen(BOOT_DEFAULT_CMDLINE), taken);
	ck_assert_uint_eq(n, BOOT_PVH_REGIONS);
	p = guest_ptr(&vm, PADDR, CODE_SIZE);
	for (i = 0; i < n; i++) {
		const struct boot_region *r = &taken[i];

		memset(p, 0xee, CODE_SIZE);
		build(&m, i & 1, PADDR);
		/* One byte into the structure: [end - 1, end + 0xff). */
		set_load(&m, 0, r->end - 1, 16, 0x100);
		ck_assert_int_eq(load(&vm, &m, &end, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "ELF segment 2 [0x%llx, 0x%llx) overlaps kite's %s [0x%llx, 0x%llx)",
			 (unsigned long long)r->end - 1, (unsigned long long)r->end + 0xff,
			 r->name, (unsigned long long)r->start, (unsigned long long)r->end);
		ck_assert_str_eq(err, want);
		ck_assert_ptr_null(strchr(err, '\n'));
		ck_assert_uint_eq(p[0], 0xee);
	}
	/* The names are the ones the boot.h map uses. */
	ck_assert_str_eq(taken[4].name, "ACPI tables");
	ck_assert_uint_eq(taken[4].start, BOOT_ACPI);
	ck_assert_uint_eq(taken[2].end, BOOT_CMDLINE + strlen(BOOT_DEFAULT_CMDLINE) + 1);
	vm_destroy(&vm);
}
END_TEST

/*
 * A PT_LOAD with memsz 0 is no segment at all, wherever it points (here:
 * beyond RAM, its offset past the end of the file); a bss-only one
 * (filesz 0) needs no file offset either.
 */
START_TEST(empty_segments_are_ignored)
{
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256];
	u32 entry;
	u64 end;
	u8 *bss;
	int is64;

	bare_vm(&vm, &cfg, 4 * MiB);
	for (is64 = 0; is64 < 2; is64++) {
		build(&m, is64, PADDR);
		set_load(&m, 0xfffff000, 64 * MiB, 0, 0);
		ck_assert_msg(elf_pvh_parse(m.buf, m.size, &entry, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(load(&vm, &m, &end, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(end, PADDR + CODE_SIZE + BSS_SIZE);

		set_load(&m, 0xfffff000, 2 * MiB, 0, 0x100);
		bss = guest_ptr(&vm, 2 * MiB, 0x100);
		memset(bss, 0xee, 0x100);
		ck_assert_msg(elf_pvh_parse(m.buf, m.size, &entry, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(load(&vm, &m, &end, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(bss[0], 0);
		ck_assert_uint_eq(bss[0xff], 0);
		ck_assert_uint_eq(end, 2 * MiB + 0x100);
	}
	/* Empty segments alone are nothing to load. */
	build(&m, true, PADDR);
	ph64(&m, 0)->p_memsz = ph64(&m, 0)->p_filesz = 0;
	expect_bad(&m, "nothing to load");
	vm_destroy(&vm);
}
END_TEST

/* Not in RAM: past its end, across the 32-bit hole, around 2^64. */
START_TEST(segment_outside_ram_is_refused)
{
	struct vm_config cfg;
	struct vm vm;
	struct img m;
	char err[256];
	u64 end;

	bare_vm(&vm, &cfg, 4 * MiB);
	build(&m, true, PADDR);
	ph64(&m, 0)->p_paddr = 4 * MiB - 16;
	ck_assert_int_eq(load(&vm, &m, &end, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ELF segment 0 [0x3ffff0, 0x401030) is beyond guest RAM, "
			 "which ends at 0x400000: give more --mem");
	ph64(&m, 0)->p_paddr = 0xbffff000;
	ck_assert_int_eq(load(&vm, &m, &end, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ELF segment 0 [0xbffff000, 0xc0000040) overlaps the 32-bit "
			 "MMIO hole [0xc0000000, 0x100000000)");
	ph64(&m, 0)->p_paddr = ~0ULL - 8;
	ck_assert_int_eq(load(&vm, &m, &end, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "wraps around"));
	vm_destroy(&vm);
}
END_TEST

static char *guest_path(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/guest/%s.elf", test_build_dir(), name) < 0)
		ck_abort();
	return path;
}

START_TEST(real_test_guest_parses)
{
	char *path = guest_path("hello"), err[160];
	void *buf;
	u64 size;
	u32 entry;

	ck_assert_int_eq(boot_read_file(path, 1 << 20, &buf, &size), 0);
	ck_assert_int_eq(elf_pvh_parse(buf, size, &entry, err, sizeof(err)), 0);
	ck_assert_uint_ge(entry, 0x100000);
	ck_assert_uint_lt(entry, 0x100000 + size);
	free(buf);
	free(path);
}
END_TEST

/* Is [gpa, gpa + 1) one of the ELF's segments? */
static bool in_segment(const u8 *elf, u64 gpa)
{
	const Elf32_Ehdr *h = (const Elf32_Ehdr *)elf;
	const Elf32_Phdr *ph = (const Elf32_Phdr *)(elf + h->e_phoff);
	unsigned i;

	for (i = 0; i < h->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && gpa - ph[i].p_paddr < ph[i].p_memsz)
			return true;
	return false;
}

/*
 * guest/hello-ld.elf, linked by plain ld -Ttext=0x100000, boots through
 * the whole PVH path (as kite run does it, minus KVM): its headers land
 * at 0xff000, its text at 1 MiB. Every byte below 1 MiB that changed is
 * the ELF's or in a range boot_pvh_regions() declares, so the list the
 * loader checks against cannot fall behind what kite writes.
 */
START_TEST(usual_ld_link_boots)
{
	struct boot_region taken[BOOT_PVH_REGIONS];
	struct vm_config cfg = { 0 };
	struct boot_config bc = { .cmdline = BOOT_DEFAULT_CMDLINE };
	struct boot_entry entry;
	struct vm vm;
	char *path = guest_path("hello-ld");
	const Elf32_Phdr *ph;
	unsigned n, i;
	void *buf;
	u64 size, gpa;
	u8 *low;

	ck_assert_int_eq(boot_read_file(path, 1 << 20, &buf, &size), 0);
	ph = (const Elf32_Phdr *)((u8 *)buf + ((Elf32_Ehdr *)buf)->e_phoff);
	/* What makes it "usual": the headers are the first PT_LOAD, below 1 MiB. */
	ck_assert_uint_eq(ph[0].p_type, PT_LOAD);
	ck_assert_uint_eq(ph[0].p_offset, 0);
	ck_assert_uint_lt(ph[0].p_paddr, BOOT_HIGH_START);

	bc.kernel = path;
	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	ck_assert_int_eq(vm_init_memory(&vm, 256 * MiB), 0);
	vm.nr_cpus = 1;
	low = guest_ptr(&vm, 0, BOOT_HIGH_START);
	memset(low, 0xa5, BOOT_HIGH_START);
	ck_assert_int_eq(boot_load_kernel(&vm, &bc, &entry), 0);
	ck_assert_int_eq(entry.mode, BOOT_MODE_PROTECTED32);
	ck_assert_uint_eq(entry.rip, ((Elf32_Ehdr *)buf)->e_entry);
	ck_assert_mem_eq(low + ph[0].p_paddr, buf, ph[0].p_filesz);
	ck_assert_mem_eq(guest_ptr(&vm, ph[1].p_paddr, ph[1].p_filesz),
			 (u8 *)buf + ph[1].p_offset, ph[1].p_filesz);

	n = boot_pvh_regions(&vm, strlen(BOOT_DEFAULT_CMDLINE), taken);
	for (gpa = 0; gpa < BOOT_HIGH_START; gpa++) {
		if (low[gpa] == 0xa5 || in_segment(buf, gpa))
			continue;
		for (i = 0; i < n && !(gpa >= taken[i].start && gpa < taken[i].end); i++)
			;
		ck_assert_msg(i < n, "kite wrote 0x%llx, in no boot_pvh_regions() range",
			      (unsigned long long)gpa);
	}
	vm_destroy(&vm);
	free(buf);
	free(path);
}
END_TEST

/*
 * Under ld's default script the Xen note gets a PT_LOAD of its own at
 * 0x8048000 + headers (~128 MiB): with less RAM kite says so, naming it.
 */
/*
 * ld's default script puts the notes in a PT_LOAD of their own at
 * 0x8048000 + offset: with 64 MiB of RAM that segment is left out (only
 * notes: the entry is read from the file) and the rest loads. A segment
 * there that holds more than notes is still refused.
 */
START_TEST(usual_ld_link_note_beyond_small_ram)
{
	struct vm_config cfg;
	struct vm vm;
	char *path = guest_path("hello-ld"), err[256];
	Elf32_Ehdr *eh;
	Elf32_Phdr *ph;
	void *buf;
	u64 size, end;
	u32 i;

	ck_assert_int_eq(boot_read_file(path, 1 << 20, &buf, &size), 0);
	bare_vm(&vm, &cfg, 64 * MiB);
	ck_assert_int_eq(elf_pvh_load(&vm, buf, size, NULL, 0, &end, err, sizeof(err)), 0);
	ck_assert_uint_lt(end, 2 * MiB);
	ck_assert_int_eq(memcmp(guest_ptr(&vm, 0x100000, 16),
				(u8 *)buf + 0x1000, 16), 0);
	/* Grow the notes' PT_LOAD by a byte: no longer only notes. */
	eh = buf;
	ph = (Elf32_Phdr *)((u8 *)buf + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr >= 0x8000000)
			break;
	ck_assert_uint_lt(i, eh->e_phnum);
	ph[i].p_memsz++;
	ck_assert_int_eq(elf_pvh_load(&vm, buf, size, NULL, 0, &end, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "[0x8048") &&
		      strstr(err, "is beyond guest RAM, which ends at 0x4000000"), "%s", err);
	vm_destroy(&vm);
	free(buf);
	free(path);
}
END_TEST

/*
 * Only an ELF's PT_LOAD segments go into RAM: the file may be larger (a
 * vmlinux with debug info is), as QEMU and Firecracker allow. Here
 * hello.elf with 64 MiB of (sparse) padding boots in 8 MiB of RAM.
 */
START_TEST(kernel_file_larger_than_ram_boots)
{
	struct vm_config cfg;
	struct boot_config bc = { .cmdline = BOOT_DEFAULT_CMDLINE };
	struct boot_entry entry;
	struct vm vm;
	char *path = guest_path("hello"), *big = test_tmp_path("big.elf");
	void *buf;
	u64 size;
	int fd;

	ck_assert_int_eq(boot_read_file(path, 1 << 20, &buf, &size), 0);
	fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, buf, size), 0);
	ck_assert_int_eq(ftruncate(fd, 64 * MiB), 0);
	close(fd);
	bare_vm(&vm, &cfg, 8 * MiB);
	bc.kernel = big;
	ck_assert_int_eq(boot_load_kernel(&vm, &bc, &entry), 0);
	ck_assert_mem_eq(guest_ptr(&vm, PADDR, 16), (u8 *)buf + 0x1000, 16);

	/* An empty file is still refused, not mapped. */
	fd = open(big, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(boot_load_kernel(&vm, &bc, &entry), -EINVAL);
	vm_destroy(&vm);
	free(buf);
	free(big);
	free(path);
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("pvh");

	tcase_add_test(tc, valid_elf32_and_elf64);
	tcase_add_test(tc, misaligned_headers_and_notes);
	tcase_add_test(tc, not_elf_and_truncated_headers);
	tcase_add_test(tc, bad_segments);
	tcase_add_test(tc, missing_or_malformed_pvh_note);
	tcase_add_test(tc, load_copies_and_zeroes_bss);
	tcase_add_test(tc, headers_segment_below_1m_loads);
	tcase_add_test(tc, segments_next_to_kite_structures_load);
	tcase_add_test(tc, segment_over_kite_structure_is_refused);
	tcase_add_test(tc, segment_outside_ram_is_refused);
	tcase_add_test(tc, empty_segments_are_ignored);
	tcase_add_test(tc, real_test_guest_parses);
	tcase_add_test(tc, usual_ld_link_boots);
	tcase_add_test(tc, usual_ld_link_note_beyond_small_ram);
	tcase_add_test(tc, kernel_file_larger_than_ram_boots);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(elf_suite)
