// SPDX-License-Identifier: GPL-2.0
/*
 * PVH ELF parsing and loading: valid ELF32 and ELF64 images built here,
 * then every way a file can be malformed, and loading into a VM's RAM.
 */
#include <elf.h>
#include <string.h>

#include "boot.h"
#include "test.h"

#define PADDR		0x100000
#define CODE_SIZE	64
#define BSS_SIZE	4096

/* ehdr | phdr[2] (LOAD, NOTE) | note | code */
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
	m->note_off = m->phoff + 2 * (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr));
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
		h->e_phnum = 2;
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
		h->e_phnum = 2;
		ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = m->code_off, .p_paddr = PADDR,
				      .p_filesz = CODE_SIZE, .p_memsz = CODE_SIZE + BSS_SIZE };
		ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = m->note_off, .p_filesz = 20 };
	}
}

static Elf64_Phdr *ph64(struct img *m, int i)
{
	return (Elf64_Phdr *)(m->buf + m->phoff) + i;
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
	struct vm_config cfg = { 0 };
	struct vm vm;
	struct img m;
	char err[160];
	u64 end;
	u8 *p;

	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	ck_assert_int_eq(vm_init_memory(&vm, 4 * MiB), 0);
	p = guest_ptr(&vm, PADDR, CODE_SIZE + BSS_SIZE);
	memset(p, 0xee, CODE_SIZE + BSS_SIZE);
	build(&m, false, PADDR);
	ck_assert_int_eq(elf_pvh_load(&vm, m.buf, m.size, &end, err, sizeof(err)), 0);
	ck_assert_uint_eq(end, PADDR + CODE_SIZE + BSS_SIZE);
	ck_assert_uint_eq(p[0], 0x90);
	ck_assert_uint_eq(p[CODE_SIZE - 1], 0x90);
	ck_assert_uint_eq(p[CODE_SIZE], 0);
	ck_assert_uint_eq(p[CODE_SIZE + BSS_SIZE - 1], 0);

	/* A segment past the end of RAM, or below 1 MiB, is refused. */
	build(&m, true, PADDR);
	ph64(&m, 0)->p_paddr = 4 * MiB - 16;
	ck_assert_int_eq(elf_pvh_load(&vm, m.buf, m.size, &end, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "does not fit"));
	ph64(&m, 0)->p_paddr = 0x1000;
	ck_assert_int_eq(elf_pvh_load(&vm, m.buf, m.size, &end, err, sizeof(err)), -EINVAL);
	vm_destroy(&vm);
}
END_TEST

START_TEST(real_test_guest_parses)
{
	char *path, err[160];
	void *buf;
	u64 size;
	u32 entry;

	if (asprintf(&path, "%s/guest/hello.elf", test_build_dir()) < 0)
		ck_abort();
	ck_assert_int_eq(boot_read_file(path, 1 << 20, &buf, &size), 0);
	ck_assert_int_eq(elf_pvh_parse(buf, size, &entry, err, sizeof(err)), 0);
	ck_assert_uint_ge(entry, 0x100000);
	ck_assert_uint_lt(entry, 0x100000 + size);
	free(buf);
	free(path);
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("pvh");

	tcase_add_test(tc, valid_elf32_and_elf64);
	tcase_add_test(tc, not_elf_and_truncated_headers);
	tcase_add_test(tc, bad_segments);
	tcase_add_test(tc, missing_or_malformed_pvh_note);
	tcase_add_test(tc, load_copies_and_zeroes_bss);
	tcase_add_test(tc, real_test_guest_parses);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(elf_suite)
