// SPDX-License-Identifier: GPL-2.0
/*
 * hw/pci-msix.c without a guest: the MSI-X capability, table and PBA,
 * masking, and the routes and irqfds it asks KVM for (see pci-harness.h).
 */

#include "pci-harness.h"

/* ---- MSI-X ---- */

struct mdev {
	struct tdev t;
	struct pci_msix msix;
	int cap;
	u32 table;
	u32 pba;
};

#define MSIX_NR		4

static void mdev_add(struct mdev *m)
{
	memset(m, 0, sizeof(*m));
	pci_dev_init(&m->t.pdev, "msix", 0x1234, 0x2, 0xff0000, 0, 0);
	m->t.pdev.ops = &tdev_ops;
	m->t.pdev.priv = &m->t;
	ck_assert_int_eq(pci_msix_init(&m->msix, &m->t.pdev, MSIX_NR, 1), 0);
	ck_assert_int_eq(pci_register(&host, &m->t.pdev), 1);
	m->cap = cfg8(1, PCI_CAPABILITY_LIST);
	ck_assert_uint_eq(cfg8(1, m->cap), PCI_CAP_ID_MSIX);
	m->table = cfg32(1, PCI_BASE_ADDRESS_1) + (cfg32(1, m->cap + PCI_MSIX_TABLE) & ~7u);
	m->pba = cfg32(1, PCI_BASE_ADDRESS_1) + (cfg32(1, m->cap + PCI_MSIX_PBA) & ~7u);
}

static void mdev_remove(struct mdev *m)
{
	pci_unregister(&m->t.pdev);
	pci_msix_exit(&m->msix);
}

static void msix_ctrl(struct mdev *m, u16 flags)
{
	cfg_write(1, 0, m->cap + PCI_MSIX_FLAGS, flags, 2);
}

static void vec_program(struct mdev *m, unsigned v, u64 addr, u32 data)
{
	u32 e = m->table + v * PCI_MSIX_ENTRY_SIZE;

	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_LOWER_ADDR, (u32)addr, 4));
	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32, 4));
	ck_assert(mmio_write(e + PCI_MSIX_ENTRY_DATA, data, 4));
}

static void vec_mask(struct mdev *m, unsigned v, bool masked)
{
	mmio_write(m->table + v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, masked, 4);
}

/* How many times the vector's irqfd was written since last asked. */
static u64 vec_fired(struct mdev *m, unsigned v)
{
	int efd = m->msix.vecs[v].efd;
	u64 n = 0;

	if (efd < 0)
		return 0;
	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

START_TEST(msix_capability_layout)
{
	static struct mdev m;
	u32 bar1;

	mdev_add(&m);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	ck_assert_uint_eq(cfg16(1, m.cap + PCI_MSIX_FLAGS), MSIX_NR - 1);
	ck_assert_uint_eq(cfg32(1, m.cap + PCI_MSIX_TABLE) & 7, 1);	/* BIR */
	ck_assert_uint_eq(cfg32(1, m.cap + PCI_MSIX_PBA) & 7, 1);
	ck_assert_uint_ge(m.pba - bar1, MSIX_NR * PCI_MSIX_ENTRY_SIZE);
	/* Table size is read-only; only enable and function mask are writable. */
	msix_ctrl(&m, 0xffff);
	ck_assert_uint_eq(cfg16(1, m.cap + PCI_MSIX_FLAGS),
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | (MSIX_NR - 1));
	/* Every vector starts masked, with no route. */
	for (unsigned v = 0; v < MSIX_NR; v++)
		ck_assert_uint_eq(mmio_read(m.table + v * 16 + 12, 4, NULL), 1);
	ck_assert_uint_eq(nr_routes, 0);
	mdev_remove(&m);
}
END_TEST

START_TEST(msix_route_on_unmask_and_update)
{
	static struct mdev m;
	int gsi, efd;

	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 2, 0xfee01000, 0x4041);
	ck_assert_uint_eq(mmio_read(m.table + 2 * 16, 4, NULL), 0xfee01000);
	ck_assert_uint_eq(mmio_read(m.table + 2 * 16 + 8, 4, NULL), 0x4041);
	ck_assert_uint_eq(mmio_read64(m.table + 2 * 16), 0xfee01000);
	ck_assert_uint_eq(nr_routes, 0);	/* masked: nothing asked of KVM yet */

	vec_mask(&m, 2, false);
	ck_assert_uint_eq(nr_routes, 1);
	gsi = m.msix.vecs[2].gsi;
	ck_assert_int_eq(gsi, IRQ_FIRST_MSI_GSI);
	ck_assert_uint_eq(routes[0].addr, 0xfee01000);
	ck_assert_uint_eq(routes[0].data, 0x4041);
	ck_assert_int_eq(irqfd_gsi[m.msix.vecs[2].efd], gsi);

	ck_assert(pci_msix_notify(&m.msix, 2));
	ck_assert_uint_eq(vec_fired(&m, 2), 1);

	/* A live vector reprogrammed: the route follows each write. */
	mmio_write(m.table + 2 * 16 + 8, 0x4042, 4);
	ck_assert_uint_eq(routes[0].data, 0x4042);
	ck_assert_uint_ge(routes[0].updates, 1);
	/* A 64-bit address write lands in both halves. */
	mmio_write(m.table + 2 * 16, 0x00000001fee02000ULL, 8);
	ck_assert_uint_eq(routes[0].addr, 0x1fee02000ULL);
	ck_assert_uint_eq(nr_routes, 1);

	/* Masked, reprogrammed, unmasked: one update, at unmask. */
	vec_mask(&m, 2, true);
	routes[0].updates = 0;
	vec_program(&m, 2, 0xfee03000, 0x4043);
	ck_assert_uint_eq(routes[0].updates, 0);
	vec_mask(&m, 2, false);
	ck_assert_uint_eq(routes[0].updates, 1);
	ck_assert_uint_eq(routes[0].addr, 0xfee03000);
	ck_assert_uint_eq(routes[0].data, 0x4043);
	/* Teardown unbinds the irqfd. */
	efd = m.msix.vecs[2].efd;
	mdev_remove(&m);
	ck_assert_int_eq(irqfd_gsi[efd], -1);
}
END_TEST

START_TEST(msix_mask_sets_pba_and_unmask_delivers)
{
	static struct mdev m;

	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 1, 0xfee00000, 0x31);
	vec_mask(&m, 1, false);
	vec_mask(&m, 1, true);

	ck_assert(pci_msix_notify(&m.msix, 1));
	ck_assert_uint_eq(vec_fired(&m, 1), 0);
	ck_assert(pci_msix_pending(&m.msix, 1));
	ck_assert_uint_eq(mmio_read64(m.pba), 1 << 1);
	/* The PBA is read-only. */
	mmio_write(m.pba, 0, 8);
	ck_assert_uint_eq(mmio_read64(m.pba), 1 << 1);

	vec_mask(&m, 1, false);
	ck_assert_uint_eq(vec_fired(&m, 1), 1);
	ck_assert(!pci_msix_pending(&m.msix, 1));
	ck_assert_uint_eq(mmio_read64(m.pba), 0);
	mdev_remove(&m);
}
END_TEST

/*
 * A back-end in another process holds the irqfd (pci_msix_vector_irqfd)
 * and writes it with no kite code in between: masking must take it from
 * KVM, its writes then show in the PBA, and unmask brings them to KVM.
 */
START_TEST(msix_mask_unbinds_a_handed_out_irqfd)
{
	static struct mdev m;
	u64 one = 1;
	int efd, gsi;

	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 3, 0xfee00000, 0x41);
	vec_mask(&m, 3, false);
	efd = pci_msix_vector_irqfd(&m.msix, 3);
	ck_assert_int_ge(efd, 0);
	gsi = m.msix.vecs[3].gsi;
	ck_assert_int_eq(irqfd_gsi[efd], gsi);

	vec_mask(&m, 3, true);
	ck_assert_int_eq(irqfd_gsi[efd], -1);
	ck_assert_int_eq(pci_msix_vector_irqfd(&m.msix, 3), -1);
	ck_assert_uint_eq(mmio_read64(m.pba), 0);
	ck_assert_int_eq(write(efd, &one, sizeof(one)), sizeof(one));	/* the back-end */
	ck_assert_uint_eq(mmio_read64(m.pba), 1 << 3);

	vec_mask(&m, 3, false);
	ck_assert_int_eq(irqfd_gsi[efd], gsi);
	ck_assert_uint_eq(vec_fired(&m, 3), 1);
	ck_assert_uint_eq(mmio_read64(m.pba), 0);

	/* The function mask and MSI-X off unbind it too, and are undone. */
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ck_assert_int_eq(irqfd_gsi[efd], -1);
	ck_assert_int_eq(write(efd, &one, sizeof(one)), sizeof(one));
	ck_assert(pci_msix_pending(&m.msix, 3));
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	ck_assert_int_eq(irqfd_gsi[efd], gsi);
	ck_assert_uint_eq(vec_fired(&m, 3), 1);
	msix_ctrl(&m, 0);
	ck_assert_int_eq(irqfd_gsi[efd], -1);
	mdev_remove(&m);		/* an unbound irqfd is not unbound again */
}
END_TEST

START_TEST(msix_function_mask_and_enable)
{
	static struct mdev m;

	mdev_add(&m);
	vec_program(&m, 0, 0xfee00000, 0x21);
	vec_mask(&m, 0, false);
	/* MSI-X off: the device cannot interrupt at all. */
	ck_assert(!pci_msix_notify(&m.msix, 0));
	ck_assert(!pci_msix_pending(&m.msix, 0));

	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	ck_assert(pci_msix_notify(&m.msix, 0));
	ck_assert(pci_msix_notify(&m.msix, 0));
	ck_assert_uint_eq(vec_fired(&m, 0), 0);
	ck_assert(pci_msix_pending(&m.msix, 0));
	/* Lifting the function mask delivers the pending message once. */
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	ck_assert_uint_eq(vec_fired(&m, 0), 1);
	ck_assert(!pci_msix_pending(&m.msix, 0));

	/* Out-of-range vectors are refused. */
	ck_assert(!pci_msix_notify(&m.msix, MSIX_NR));
	ck_assert(!pci_msix_notify(&m.msix, 0xffff));
	mdev_remove(&m);
}
END_TEST

/* The MSI route of `gsi` in the routing table kite keeps for KVM, or NULL. */
static struct kvm_irq_routing_entry *routing_msi(u32 gsi)
{
	for (u32 i = 0; i < vm.routing->nr; i++)
		if (vm.routing->entries[i].gsi == gsi &&
		    vm.routing->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &vm.routing->entries[i];
	return NULL;
}

/* With kite's real irq layer (kvm/irq.c) the routes land in vm->routing. */
START_TEST(msix_routes_in_vm_routing)
{
	static struct mdev m;
	struct kvm_irq_routing_entry *e;
	u32 before = vm.routing->nr;

	host.irq = &pci_kvm_irq_ops;
	mdev_add(&m);
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 0, 0xfee01000, 0x4051);
	ck_assert_uint_eq(vm.routing->nr, before);	/* masked: nothing yet */
	vec_mask(&m, 0, false);
	ck_assert_uint_eq(vm.routing->nr, before + 1);
	ck_assert_int_ge(m.msix.vecs[0].gsi, IRQ_FIRST_MSI_GSI);
	e = routing_msi(m.msix.vecs[0].gsi);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->u.msi.address_lo, 0xfee01000);
	ck_assert_uint_eq(e->u.msi.address_hi, 0);
	ck_assert_uint_eq(e->u.msi.data, 0x4051);
	/* The guest retargets the live vector: the same GSI, new message. */
	mmio_write(m.table + PCI_MSIX_ENTRY_DATA, 0x4052, 4);
	mmio_write(m.table + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee02000, 4);
	e = routing_msi(m.msix.vecs[0].gsi);
	ck_assert_uint_eq(e->u.msi.data, 0x4052);
	ck_assert_uint_eq(e->u.msi.address_lo, 0xfee02000);
	ck_assert_uint_eq(vm.routing->nr, before + 1);
	/* A second vector gets its own GSI. */
	vec_program(&m, 3, 0xfee00000, 0x4060);
	vec_mask(&m, 3, false);
	ck_assert_uint_eq(vm.routing->nr, before + 2);
	ck_assert_int_ne(m.msix.vecs[3].gsi, m.msix.vecs[0].gsi);
	mdev_remove(&m);
	host.irq = &fake_irq;
}
END_TEST

START_TEST(msix_bad_table_accesses)
{
	static struct mdev m;
	u32 bar1;
	bool hit;

	mdev_add(&m);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	/* Unaligned or narrow accesses are dropped and read as zero. */
	mmio_write(m.table + 2, 0xffffffff, 4);
	mmio_write(m.table + 12, 0, 2);
	mmio_write(m.table + 12, 0, 1);
	ck_assert_uint_eq(mmio_read(m.table, 4, NULL), 0);
	ck_assert_uint_eq(mmio_read(m.table + 12, 4, NULL), 1);
	ck_assert_uint_eq(mmio_read(m.table + 12, 2, NULL), 0);
	ck_assert_uint_eq(mmio_read(m.table + 4, 8, NULL), 0);
	/* Past the table and PBA: nothing there, nothing breaks. */
	mmio_write(bar1 + 0xff8, ~0ULL, 8);
	ck_assert_uint_eq(mmio_read(bar1 + 0xff8, 4, &hit), 0);
	ck_assert(hit);
	/* The vector-control reserved bits read as zero. */
	mmio_write(m.table + 12, 0xfffffffe, 4);
	ck_assert_uint_eq(mmio_read(m.table + 12, 4, NULL), 0);
	mdev_remove(&m);
}
END_TEST

START_TEST(msix_bad_sizes)
{
	struct pci_dev d;
	struct pci_msix x;

	pci_dev_init(&d, "msix", 0x1234, 0x2, 0xff0000, 0, 0);
	ck_assert_int_eq(pci_msix_init(&x, &d, 0, 3), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, &d, PCI_MSIX_MAX_VECTORS + 1, 3), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, &d, 8, 6), -EINVAL);
	ck_assert_ptr_null(d.msix);
	ck_assert_int_eq(pci_msix_init(&x, &d, PCI_MSIX_MAX_VECTORS, 5), 0);
	ck_assert_uint_eq(d.bars[5].size, 64 * KiB);	/* 32 KiB table + PBA */
	pci_msix_exit(&x);
}
END_TEST

START_TEST(msix_fallback_without_route)
{
	static struct mdev m;

	mdev_add(&m);
	nr_routes = MAX_ROUTES;		/* KVM's routing table is full */
	msix_ctrl(&m, PCI_MSIX_FLAGS_ENABLE);
	vec_program(&m, 3, 0xfee00000, 0x55);
	vec_mask(&m, 3, false);
	ck_assert_int_eq(m.msix.vecs[3].gsi, -1);
	ck_assert(pci_msix_notify(&m.msix, 3));
	ck_assert_uint_eq(nr_signal_msi, 1);
	mdev_remove(&m);
}
END_TEST

Suite *pci_msix_suite(void);

Suite *pci_msix_suite(void)
{
	Suite *s = suite_create("pci-msix");
	TCase *msix = tcase_create("msix");

	tcase_add_checked_fixture(msix, setup, teardown);
	tcase_add_test(msix, msix_capability_layout);
	tcase_add_test(msix, msix_route_on_unmask_and_update);
	tcase_add_test(msix, msix_mask_sets_pba_and_unmask_delivers);
	tcase_add_test(msix, msix_function_mask_and_enable);
	tcase_add_test(msix, msix_mask_unbinds_a_handed_out_irqfd);
	tcase_add_test(msix, msix_bad_table_accesses);
	tcase_add_test(msix, msix_fallback_without_route);
	tcase_add_test(msix, msix_bad_sizes);
	tcase_add_test(msix, msix_routes_in_vm_routing);
	suite_add_tcase(s, msix);
	return s;
}

KITE_TEST_MAIN(pci_msix_suite)
