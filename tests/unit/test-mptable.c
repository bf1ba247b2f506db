// SPDX-License-Identifier: GPL-2.0
/* MP floating pointer and configuration table: checksums and contents. */
#include <string.h>

#include "boot.h"
#include "pci.h"
#include "test.h"

static u8 fp[16];
static u8 cfg[4096];

static u8 sum(const u8 *p, u64 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static u16 g16(const u8 *b, unsigned off) { u16 v; memcpy(&v, b + off, 2); return v; }
static u32 g32(const u8 *b, unsigned off) { u32 v; memcpy(&v, b + off, 4); return v; }

static void check(unsigned cpus)
{
	unsigned n, i, cpu = 0, bus = 0, ioapic = 0, intsrc = 0, pci = 0, lint = 0;
	bool isa_irq[16] = { false }, pci_slot[PCI_MAX_SLOTS] = { false };
	u8 *e, ioapic_id = 0xff;

	memset(cfg, 0xee, sizeof(cfg));
	ck_assert_int_eq(mptable_build(fp, cfg, sizeof(cfg), cpus), 0);
	ck_assert_int_eq(memcmp(fp, "_MP_", 4), 0);
	ck_assert_uint_eq(sum(fp, 16), 0);
	ck_assert_uint_eq(g32(fp, 4), BOOT_MPTABLE_CFG);
	ck_assert_uint_eq(fp[8], 1);
	ck_assert_uint_eq(fp[11], 0);		/* a table, not a default config */

	ck_assert_int_eq(memcmp(cfg, "PCMP", 4), 0);
	ck_assert_uint_eq(g16(cfg, 4), mptable_size(cpus));
	ck_assert_uint_eq(sum(cfg, g16(cfg, 4)), 0);
	ck_assert_uint_eq(g32(cfg, 36), LAPIC_BASE);
	n = g16(cfg, 34);
	e = cfg + 44;
	for (i = 0; i < n; i++) {
		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[1], cpu);
			ck_assert_uint_eq(e[3] & 1, 1);
			ck_assert_uint_eq(!!(e[3] & 2), cpu == 0);	/* BSP */
			cpu++;
			e += 20;
			continue;
		case 1:
			bus++;
			break;
		case 2:
			ioapic_id = e[1];
			ck_assert_uint_eq(g32(e, 4), IOAPIC_BASE);
			ioapic++;
			break;
		case 3:
			ck_assert_uint_eq(e[6], ioapic_id);
			if (e[4] == 0) {			/* PCI: slot << 2 | INTA# */
				unsigned slot = e[5] >> 2;

				ck_assert_uint_eq(e[5] & 3, 0);
				ck_assert(slot >= 1 && slot < PCI_MAX_SLOTS && !pci_slot[slot]);
				ck_assert_uint_eq(e[7], pci_slot_gsi(slot));	/* as the _PRT */
				pci_slot[slot] = true;
				pci++;
				break;
			}
			ck_assert_uint_eq(e[4], 1);		/* ISA */
			ck_assert_uint_eq(e[7], e[5]);		/* pin == IRQ */
			ck_assert_uint_lt(e[5], 16);
			isa_irq[e[5]] = true;
			intsrc++;
			break;
		case 4:
			lint++;
			break;
		default:
			ck_abort_msg("entry type %u", e[0]);
		}
		e += 8;
	}
	ck_assert_uint_eq(e - cfg, g16(cfg, 4));
	ck_assert_uint_eq(cpu, cpus);
	ck_assert_uint_eq(bus, 2);
	ck_assert_uint_eq(ioapic, 1);
	ck_assert_uint_ge(ioapic_id, cpus);	/* no clash with APIC IDs */
	ck_assert_uint_eq(intsrc, 15);
	ck_assert_uint_eq(pci, PCI_MAX_SLOTS - 1);
	ck_assert(!isa_irq[2]);
	ck_assert(isa_irq[0] && isa_irq[1] && isa_irq[4] && isa_irq[8] && isa_irq[12]);
	ck_assert_uint_eq(lint, 2);
}

START_TEST(one_cpu) { check(1); } END_TEST
START_TEST(four_cpus) { check(4); } END_TEST
START_TEST(max_cpus) { check(KITE_MAX_CPUS); } END_TEST

START_TEST(bad_args)
{
	ck_assert_int_eq(mptable_build(fp, cfg, sizeof(cfg), 0), -EINVAL);
	ck_assert_int_eq(mptable_build(fp, cfg, sizeof(cfg), KITE_MAX_CPUS + 1), -EINVAL);
	ck_assert_int_eq(mptable_build(fp, cfg, mptable_size(2) - 1, 2), -ENOSPC);
	/* 64 CPUs do not fit the 1 KiB at BOOT_MPTABLE: why cfg lives elsewhere. */
	ck_assert_uint_gt(mptable_size(KITE_MAX_CPUS), BOOT_LOW_RAM_END - BOOT_MPTABLE);
	ck_assert_uint_le(mptable_size(KITE_MAX_CPUS), BOOT_SMBIOS - BOOT_MPTABLE_CFG);
}
END_TEST

static Suite *mptable_suite(void)
{
	Suite *s = suite_create("mptable");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_cpu);
	tcase_add_test(tc, four_cpus);
	tcase_add_test(tc, max_cpus);
	tcase_add_test(tc, bad_args);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(mptable_suite)
