// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/pci.c without a guest: the virtio-pci capabilities, common and
 * device configuration, notify ioeventfds, ISR, MSI-X and INTx interrupts,
 * and garbage from the guest, on an echo device (see pci-harness.h).
 */

#include "pci-harness.h"

/* ---- virtio-pci ---- */

#define VT_QUEUES	2
#define VT_QSIZE	256
#define VT_FEATURE	5		/* a device feature bit the test device offers */
#define RAM_SIZE	(1 * MiB)

struct vtest {
	struct virtio_dev vdev;
	u8 config[8];
	struct pci_dev *pdev;
	u32 bar0;
	void *ram;
};

/* An echo device: every writable buffer gets "pong". */
static void vt_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct iovec iov[4];
	struct virtq_elem e = { .max_iov = 4, .iov = iov };

	do {
		while (virtq_pop(vq, &e) == 1) {
			size_t n = iov_from_buf(iov + e.nr_out, e.nr_in, 0, "pong", 4);

			virtq_push_notify(vq, e.head, n);
		}
	} while (virtq_enable_kicks(vq));
}

static const struct virtio_dev_ops vt_ops = { .queue_notify = vt_queue_notify };

static void vt_add(struct vtest *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->config, "kiteconf", 8);
	/* A little guest RAM for the rings. */
	v->ram = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(v->ram);
	vm.banks[0] = (struct mem_bank){ .gpa = 0, .size = RAM_SIZE, .hva = v->ram };
	vm.nr_banks = 1;
	test_ram = v->ram;		/* freed by teardown, after the devices */
	ck_assert_int_eq(virtio_dev_init(&v->vdev, &vm, "vtest", VIRTIO_ID_BLOCK,
					 VIRTIO_BIT(VT_FEATURE), VT_QUEUES, VT_QSIZE,
					 v->config, sizeof(v->config), &vt_ops, v), 0);
	ck_assert_int_eq(virtio_pci_create(&(struct virtio_transport){ .vm = &vm, .pci = &host },
					   &v->vdev), 0);
	v->pdev = virtio_pci_dev(&v->vdev);
	ck_assert_ptr_nonnull(v->pdev);
	ck_assert_int_eq(v->pdev->slot, 1);
	v->bar0 = cfg32(1, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK;
}

/*
 * Tear the VM down now, as kite does at exit (the device goes through its
 * vm_on_exit hook), and leave a fresh bare VM for the fixture's teardown.
 */
static void vt_remove(struct vtest *v)
{
	vm_destroy(&vm);
	ck_assert_int_eq(vm_init_bare(&vm, NULL), 0);
}

static u32 common_rd(struct vtest *v, u32 off, u32 len)
{
	bool hit;
	u32 val = mmio_read(v->bar0 + off, len, &hit);

	ck_assert(hit);
	return val;
}

static void common_wr(struct vtest *v, u32 off, u64 val, u32 len)
{
	ck_assert(mmio_write(v->bar0 + off, val, len));
}

static u8 status(struct vtest *v)
{
	return common_rd(v, VIRTIO_PCI_COMMON_STATUS, 1);
}

/* The config-space offset of the virtio capability of `type`, or 0. */
static u8 find_vcap(u8 type)
{
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_VNDR && cfg8(1, pos + VIRTIO_PCI_CAP_CFG_TYPE) == type)
			return pos;
	return 0;
}

static void write_driver_features(struct vtest *v, u64 f)
{
	common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GF, (u32)f, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(v, VIRTIO_PCI_COMMON_GF, f >> 32, 4);
}

/* Rings for queue q in guest RAM at a per-queue 16 KiB area, written as Linux does (halves). */
static void queue_setup(struct vtest *v, u16 q, u64 desc)
{
	common_wr(v, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	common_wr(v, VIRTIO_PCI_COMMON_Q_SIZE, 64, 2);
	common_wr(v, VIRTIO_PCI_COMMON_Q_DESCLO, (u32)desc, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_DESCHI, desc >> 32, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILLO, desc + 0x1000, 4);
	common_wr(v, VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
	/* A single 64-bit store works as well. */
	common_wr(v, VIRTIO_PCI_COMMON_Q_USEDLO, desc + 0x2000, 8);
}

/* The driver's init sequence up to FEATURES_OK. */
static void driver_init(struct vtest *v)
{
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	write_driver_features(v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK, 1);
	ck_assert(status(v) & VIRTIO_STATUS_FEATURES_OK);
}

/* After whatever the guest did: a driver can bring the device up again. */
static void assert_still_works(struct vtest *v)
{
	driver_init(v);
	queue_setup(v, 0, 0x10000);
	common_wr(v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(cfg16(1, PCI_VENDOR_ID), 0x1af4);
}

START_TEST(vpci_identity)
{
	static struct vtest v;

	vt_add(&v);
	ck_assert_uint_eq(cfg16(1, PCI_VENDOR_ID), 0x1af4);
	ck_assert_uint_eq(cfg16(1, PCI_DEVICE_ID), 0x1040 + VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(cfg8(1, PCI_REVISION_ID), 1);
	ck_assert_uint_eq(cfg16(1, PCI_SUBSYSTEM_VENDOR_ID), 0x1af4);
	ck_assert_uint_eq(cfg16(1, PCI_SUBSYSTEM_ID), VIRTIO_ID_BLOCK);
	ck_assert_uint_eq(cfg32(1, PCI_CLASS_REVISION) >> 8, 0x018000);
	/* INTA#, wired to the line the DSDT's _PRT names for slot 1. */
	ck_assert_uint_eq(cfg8(1, PCI_INTERRUPT_PIN), 1);
	ck_assert_uint_eq(cfg8(1, PCI_INTERRUPT_LINE), pci_slot_gsi(1));
	ck_assert_uint_eq(pci_slot_gsi(1), 17);
	/* Memory BARs only: no legacy I/O BAR. */
	for (int i = 0; i < PCI_NR_BARS; i++)
		ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0 + 4 * i) & PCI_BASE_ADDRESS_SPACE_IO, 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_capabilities)
{
	static struct vtest v;
	u8 common, notify, isr, dev, pcicfg, pos;
	bool msix = false;

	vt_add(&v);
	common = find_vcap(VIRTIO_PCI_CAP_COMMON_CFG);
	notify = find_vcap(VIRTIO_PCI_CAP_NOTIFY_CFG);
	isr = find_vcap(VIRTIO_PCI_CAP_ISR_CFG);
	dev = find_vcap(VIRTIO_PCI_CAP_DEVICE_CFG);
	pcicfg = find_vcap(VIRTIO_PCI_CAP_PCI_CFG);
	ck_assert(common && notify && isr && dev && pcicfg);
	for (int i = 0; i < 4; i++) {
		u8 c = (u8[]){ common, notify, isr, dev }[i];
		u32 off = cfg32(1, c + VIRTIO_PCI_CAP_OFFSET), len = cfg32(1, c + VIRTIO_PCI_CAP_LENGTH);

		/* Each structure lies inside BAR 0 (16 KiB). */
		ck_assert_uint_eq(cfg8(1, c + VIRTIO_PCI_CAP_BAR), 0);
		ck_assert(range_ok(off, len, 0x4000));
		ck_assert_uint_ge(cfg8(1, c + VIRTIO_PCI_CAP_LEN), 16);
	}
	ck_assert_uint_ge(cfg32(1, common + VIRTIO_PCI_CAP_LENGTH), 0x38);
	ck_assert_uint_eq(cfg8(1, notify + VIRTIO_PCI_CAP_LEN), sizeof(struct virtio_pci_notify_cap));
	ck_assert_uint_eq(cfg32(1, notify + VIRTIO_PCI_NOTIFY_CAP_MULT), 4);
	ck_assert_uint_eq(cfg32(1, notify + VIRTIO_PCI_CAP_LENGTH), VT_QUEUES * 4);
	ck_assert_uint_eq(cfg32(1, dev + VIRTIO_PCI_CAP_LENGTH), sizeof(v.config));
	for (pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX) {
			msix = true;
			/* One vector per queue plus one for config changes. */
			ck_assert_uint_eq(cfg16(1, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE,
					  VT_QUEUES);
		}
	ck_assert(msix);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_feature_negotiation)
{
	static struct vtest v;

	vt_add(&v);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_NUMQ, 2), VT_QUEUES);
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & (1u << VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_DFSELECT, 4), 1);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & 1);	/* VERSION_1 */
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 7, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4), 0);

	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	/* A legacy driver (no VERSION_1) is refused FEATURES_OK. */
	write_driver_features(&v, VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 1u << VT_FEATURE);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x03);
	/* So is a feature the device never offered. */
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(6));
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x03);
	/* A subset with VERSION_1 is accepted, and then the features freeze. */
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	ck_assert_uint_eq(status(&v), 0x0b);
	ck_assert_uint_eq(v.vdev.features, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VT_FEATURE));
	common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(&v, VIRTIO_PCI_COMMON_GF, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 1u << VT_FEATURE);
	/* Fields written at the wrong width are ignored. */
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0x00010001, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_queue_select_out_of_range)
{
	static struct vtest v;

	vt_add(&v);
	driver_init(&v);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), VT_QSIZE);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	for (unsigned sel = VT_QUEUES; sel < 0x10000; sel = sel * 2 + 1) {
		common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, sel, 2);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), sel & 0xffff);
		/* Size 0: no such queue. Everything else reads inert. */
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 0x1000, 4);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 0, 2);
		common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	}
	/* Nothing leaked into the real queues, and the device is fine. */
	ck_assert_uint_eq(v.vdev.vqs[1].size, VT_QSIZE);
	ck_assert_uint_eq(v.vdev.vqs[1].desc_gpa, 0);
	ck_assert_uint_eq(status(&v) & VIRTIO_STATUS_NEEDS_RESET, 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_queue_enable_checks_addresses)
{
	static struct vtest v;

	vt_add(&v);
	driver_init(&v);
	/* Rings outside guest RAM: refused, and the device asks for a reset. */
	queue_setup(&v, 0, RAM_SIZE);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert(status(&v) & VIRTIO_STATUS_NEEDS_RESET);

	/* A 64-bit address that would wrap around. */
	driver_init(&v);
	queue_setup(&v, 0, 0xfffffffffffff000ULL);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* Misaligned descriptor table. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10008);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* Not a power of two. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SIZE, 48, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);

	/* And a good one works after a reset. */
	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	ck_assert_uint_eq(status(&v) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x10000);
	ck_assert_uint_eq(mmio_read64(v.bar0 + VIRTIO_PCI_COMMON_Q_AVAILLO), 0x11000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_USEDLO, 4), 0x12000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	/* A live queue cannot be reconfigured or disabled. */
	common_wr(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 0x20000, 4);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x10000);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_reset_and_reinit)
{
	static struct vtest v;

	vt_add(&v);
	/* Module reload: the same init, run, reset cycle twice. */
	for (int round = 0; round < 2; round++) {
		driver_init(&v);
		common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
		for (u16 q = 0; q < VT_QUEUES; q++) {
			queue_setup(&v, q, 0x10000 + q * 0x4000);
			common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, q + 1, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), q + 1);
			common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
		}
		common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
		ck_assert_uint_eq(status(&v), 0x0f);
		ck_assert(v.vdev.running);

		common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
		/* The reset is complete by the time status reads back 0. */
		ck_assert_uint_eq(status(&v), 0);
		ck_assert(!v.vdev.running);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		common_wr(&v, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
		ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_GF, 4), 0);
		for (u16 q = 0; q < VT_QUEUES; q++) {
			common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SIZE, 2), VT_QSIZE);
			ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2),
					  VIRTIO_MSI_NO_VECTOR);
			ck_assert_uint_eq(mmio_read64(v.bar0 + VIRTIO_PCI_COMMON_Q_DESCLO), 0);
		}
	}
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_interrupts_through_msix)
{
	static struct vtest v;
	struct pci_msix *x;
	u8 msix_cap = 0;
	u32 table;
	u64 n;

	vt_add(&v);
	x = v.pdev->msix;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			msix_cap = pos;
	table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
		(cfg32(1, msix_cap + PCI_MSIX_TABLE) & ~7u);
	cfg_write(1, 0, msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	for (unsigned i = 0; i <= VT_QUEUES; i++) {
		mmio_write(table + 16 * i, 0xfee00000, 4);
		mmio_write(table + 16 * i + 8, 0x30 + i, 4);
		mmio_write(table + 16 * i + 12, 0, 4);
	}

	driver_init(&v);
	/* Vectors beyond the table are refused (read back NO_VECTOR). */
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, VT_QUEUES + 1, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 0x1234, 2);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);

	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[1]);
	ck_assert_int_eq(read(x->vecs[2].efd, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(routes[x->vecs[2].gsi - IRQ_FIRST_MSI_GSI].data, 0x32);
	v.vdev.tops->signal_config(&v.vdev);
	ck_assert_int_eq(read(x->vecs[0].efd, &n, sizeof(n)), sizeof(n));
	/* ISR: both causes, cleared by the read. */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 3);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 0);
	/* A queue with no vector raises only the ISR. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 1);
	vt_remove(&v);
}
END_TEST

/* A driver that never enables MSI-X (pci=nomsi) gets INTA#, level-triggered. */
START_TEST(vpci_intx_without_msix)
{
	static struct vtest v;
	u32 gsi = pci_slot_gsi(1);
	u8 cap = 0;

	vt_add(&v);
	driver_init(&v);
	ck_assert_int_eq(line_level[gsi], 0);
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	/* Reading the ISR acknowledges: the line drops. */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 1);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert(!(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT));

	/* COMMAND.INTX_DISABLE masks the line, not the status bit. */
	v.vdev.tops->signal_config(&v.vdev);
	ck_assert_int_eq(line_level[gsi], 1);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 2);
	ck_assert_int_eq(line_level[gsi], 0);

	/* A device reset drops an asserted line. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[1]);
	ck_assert_int_eq(line_level[gsi], 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	ck_assert_int_eq(line_level[gsi], 0);

	/* With MSI-X enabled INTx stays quiet, even for a queue with no vector. */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 1);
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	ck_assert_int_eq(line_level[gsi], 0);	/* enabling MSI-X drops INTA# */
	v.vdev.tops->signal_queue(&v.vdev, &v.vdev.vqs[0]);
	ck_assert_int_eq(line_level[gsi], 0);
	vt_remove(&v);
}
END_TEST

START_TEST(vpci_notify_ioeventfds_follow_bar)
{
	static struct vtest v;
	struct fake_ioeventfd *e;
	u32 newbar = 0xe0000000;
	u64 n;

	vt_add(&v);
	for (unsigned q = 0; q < VT_QUEUES; q++) {
		e = ioevent_at(v.bar0 + 0x3000 + 4 * q);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->efd, virtio_queue_kick_fd(&v.vdev, q));
		ck_assert_uint_eq(e->len, 0);
	}
	/* Distinct eventfds: each queue wakes only its own worker. */
	ck_assert_int_ne(virtio_queue_kick_fd(&v.vdev, 0), virtio_queue_kick_fd(&v.vdev, 1));

	cfg_write(1, 0, PCI_BASE_ADDRESS_0, newbar, 4);
	ck_assert_ptr_null(ioevent_at(v.bar0 + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3004));
	cfg_write(1, 0, PCI_COMMAND, 0, 2);
	ck_assert_ptr_null(ioevent_at(newbar + 0x3000));
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_ptr_nonnull(ioevent_at(newbar + 0x3004));
	v.bar0 = newbar;

	/* A notify that reaches the handler (no ioeventfd) kicks that queue. */
	ck_assert(mmio_write(newbar + 0x3004, 1, 2));
	ck_assert_int_eq(read(virtio_queue_kick_fd(&v.vdev, 1), &n, sizeof(n)), sizeof(n));
	ck_assert_int_eq(read(virtio_queue_kick_fd(&v.vdev, 0), &n, sizeof(n)), -1);
	/* Past the last queue: nothing. */
	ck_assert(mmio_write(newbar + 0x3000 + 4 * VT_QUEUES, 0, 2));
	vt_remove(&v);
	/* Teardown took every ioeventfd away. */
	for (unsigned i = 0; i < nr_ioevs; i++)
		ck_assert(!ioevs[i].live);
}
END_TEST

START_TEST(vpci_device_config_and_pci_cfg_window)
{
	static struct vtest v;
	u8 w;
	u32 data;

	vt_add(&v);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2000, 4, NULL), 0x6574696b);	/* "kite" */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2004, 1, NULL), 'c');
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2006, 4, NULL), 0);	/* straddles the end */
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x2008, 4, NULL), 0);

	/* VIRTIO_PCI_CAP_PCI_CFG: BAR 0 through config space. */
	w = find_vcap(VIRTIO_PCI_CAP_PCI_CFG);
	data = w + sizeof(struct virtio_pci_cap);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_BAR, 0, 1);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_NUMQ, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 2, 4);
	ck_assert_uint_eq(cfg32(1, data), VT_QUEUES);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
	cfg_write(1, 0, data, 1, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, 0x2000, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 4, 4);
	ck_assert_uint_eq(cfg32(1, data), 0x6574696b);
	/* Bad windows do nothing: length 3, misaligned, past the BAR, another BAR. */
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 3, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT + 1, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_LENGTH, 2, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, 0xfffffffe, 4);
	cfg_write(1, 0, data, 0, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_OFFSET, VIRTIO_PCI_COMMON_Q_SELECT, 4);
	cfg_write(1, 0, w + VIRTIO_PCI_CAP_BAR, 1, 1);
	cfg_write(1, 0, data, 0, 4);
	ck_assert_uint_eq(common_rd(&v, VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	vt_remove(&v);
}
END_TEST

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A guest writing garbage everywhere it can reach: config space, both
 * BARs, any width, any alignment. kite must survive it (ASan/UBSan in
 * `make check SAN=1` watch the memory side), and a reset must bring the
 * device back.
 */
START_TEST(vpci_garbage_from_guest)
{
	static const u32 widths[] = { 1, 2, 4, 8 };
	static struct vtest v;
	u64 seed = 0x9e3779b97f4a7c15ULL;
	u32 bar1;

	vt_add(&v);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK;
	for (int i = 0; i < 20000; i++) {
		u64 r = xorshift(&seed), val = xorshift(&seed);
		u32 len = widths[r & 3];
		u64 buf;

		switch ((r >> 2) % 4) {
		case 0:	/* config space, but keep the BARs and COMMAND where they are */
			{
				u32 reg = (r >> 8) & 0xff;

				if (reg < 0x28 || (reg & 3) + MIN(len, 4) > 4)
					break;
				cfg_write(1, 0, reg, val, MIN(len, 4));
				cfg_read(1, 0, reg, MIN(len, 4));
			}
			break;
		case 1:
			mmio_write(v.bar0 + ((r >> 8) % (0x4000 - 8)), val, len);
			break;
		case 2:
			mmio_write(bar1 + ((r >> 8) % (0x1000 - 8)), val, len);
			break;
		default:
			bus_access(&vm.mmio_bus, v.bar0 + ((r >> 8) % (0x4000 - 8)), &buf, len, false);
			break;
		}
	}
	/* Still a working device after a reset. */
	assert_still_works(&v);
	vt_remove(&v);
}
END_TEST


/*
 * The same with the whole config space in play: BARs moved anywhere
 * (onto each other, onto nothing, past 4 GiB), decoding toggled, MSI-X
 * enabled and masked at random, while MMIO goes wherever the BARs are
 * now. Afterwards the guest puts the BARs back and the device works.
 */
START_TEST(vpci_garbage_config_space)
{
	static const u32 widths[] = { 1, 2, 4 };
	static struct vtest v;
	u64 seed = 0x2545f4914f6cdd1dULL;
	u32 bar0, bar1;

	vt_add(&v);
	bar0 = cfg32(1, PCI_BASE_ADDRESS_0);
	bar1 = cfg32(1, PCI_BASE_ADDRESS_1);
	for (int i = 0; i < 20000; i++) {
		u64 r = xorshift(&seed), val = xorshift(&seed);
		u32 len = widths[r % 3], reg = (r >> 8) & 0xff & ~(len - 1);
		int bar = (r >> 20) & 1;
		u32 at = pci_bar_addr(v.pdev, bar);
		u64 buf = val;

		if ((r >> 4) & 1) {
			cfg_write(1, 0, reg, val, len);
			cfg_read(1, 0, reg, len);
		} else if (at) {
			u32 off = (r >> 24) % (v.pdev->bars[bar].size - 8);

			bus_access(&vm.mmio_bus, at + off, &buf, widths[(r >> 40) % 3],
				   (r >> 44) & 1);
		}
	}
	/* The guest puts things back: decode on, BARs where they were. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, bar0, 4);
	cfg_write(1, 0, PCI_BASE_ADDRESS_1, bar1, 4);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_addr(v.pdev, 0), bar0);
	ck_assert_uint_eq(pci_bar_addr(v.pdev, 1), bar1);
	ck_assert_ptr_nonnull(ioevent_at(bar0 + 0x3000));
	assert_still_works(&v);
	vt_remove(&v);
}
END_TEST

/*
 * The whole path a guest driver takes: MSI-X programmed, queue set up
 * through common config, DRIVER_OK, a buffer made available, a notify
 * write; the device's worker fills it and the queue's MSI-X vector fires.
 */
START_TEST(vpci_end_to_end_request)
{
	static struct vtest v;
	struct pci_msix *x;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct pollfd pfd;
	u8 cap = 0;
	u32 table;

	vt_add(&v);
	x = v.pdev->msix;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
		(cfg32(1, cap + PCI_MSIX_TABLE) & ~7u);
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_DATA, 0x41, 4);
	mmio_write(table + 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);

	driver_init(&v);
	queue_setup(&v, 0, 0x10000);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(status(&v), 0x0f);

	desc = (struct virtq_desc *)((u8 *)v.ram + 0x10000);
	avail = (struct virtq_avail *)((u8 *)v.ram + 0x11000);
	used = (struct virtq_used *)((u8 *)v.ram + 0x12000);
	desc[0] = (struct virtq_desc){ .addr = 0x20000, .len = 16, .flags = VIRTQ_DESC_F_WRITE };
	avail->ring[0] = 0;
	__atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
	/* Linux's vp_notify: a 16-bit write of the queue index. */
	ck_assert(mmio_write(v.bar0 + 0x3000, 0, 2));

	pfd = (struct pollfd){ .fd = x->vecs[1].efd, .events = POLLIN };
	ck_assert_int_ge(pfd.fd, 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_uint_eq(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE), 1);
	ck_assert_uint_eq(used->ring[0].id, 0);
	ck_assert_uint_eq(used->ring[0].len, 4);
	ck_assert(!memcmp((u8 *)v.ram + 0x20000, "pong", 4));
	ck_assert_uint_eq(routes[x->vecs[1].gsi - IRQ_FIRST_MSI_GSI].data, 0x41);
	vt_remove(&v);
}
END_TEST

/*
 * virtio-console on virtio-pci follows the host terminal: DRIVER_OK
 * raises a config change by itself (the driver reads the initial size
 * then), and a resize (the run loop's SIGWINCH path) changes cols/rows in
 * the device config, bumps config_generation and raises ISR bit 1 and the
 * config vector; without MSI-X, INTA#.
 */
static struct virtio_dev *pci_console;

static int capture_pci(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret = virtio_pci_create(t, vdev);

	if (!ret)
		pci_console = vdev;
	return ret;
}

static u16 console_cfg16(u32 bar0, u32 off)
{
	return mmio_read(bar0 + 0x2000 + off, 2, NULL);
}

START_TEST(vpci_console_follows_terminal_size)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	static struct vtest v;	/* only for the common config helpers */
	int master, slave, msix_cap = 0, gsi = pci_slot_gsi(1);
	u8 gen;
	u64 n;

	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){
		.create = capture_pci, .vm = &vm, .pci = &host }, -1, slave), 0);
	v.pdev = virtio_pci_dev(pci_console);
	ck_assert_ptr_nonnull(v.pdev);
	v.bar0 = cfg32(1, PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK;
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			msix_cap = pos;

	/* The driver: no MSI-X first (INTx), VIRTIO_CONSOLE_F_SIZE accepted. */
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	common_wr(&v, VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert(common_rd(&v, VIRTIO_PCI_COMMON_DF, 4) & 1);
	write_driver_features(&v, VIRTIO_BIT(VIRTIO_F_VERSION_1) | 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0b, 1);
	common_wr(&v, VIRTIO_PCI_COMMON_STATUS, 0x0f, 1);
	ck_assert_uint_eq(status(&v), 0x0f);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 100);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 40);
	/* DRIVER_OK raised a config change by itself, so Linux reads the size. */
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level[gsi], 0);
	gen = common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1);

	ws = (struct winsize){ .ws_row = 50, .ws_col = 132 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm_term_resized(&vm);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 132);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 50);
	ck_assert_uint_ne(common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level[gsi], 0);

	/* The same size again is no change: no interrupt. */
	vm_term_resized(&vm);
	ck_assert_int_eq(line_level[gsi], 0);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), 0);

	/* With MSI-X, the config vector fires. */
	cfg_write(1, 0, msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	{
		u32 table = (cfg32(1, PCI_BASE_ADDRESS_1) & PCI_BASE_ADDRESS_MEM_MASK) +
			    (cfg32(1, msix_cap + PCI_MSIX_TABLE) & ~7u);

		mmio_write(table + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
		mmio_write(table + PCI_MSIX_ENTRY_DATA, 0x45, 4);
		mmio_write(table + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
	}
	common_wr(&v, VIRTIO_PCI_COMMON_MSIX, 0, 2);
	gen = common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm_term_resized(&vm);
	ck_assert_int_eq(read(v.pdev->msix->vecs[0].efd, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(routes[v.pdev->msix->vecs[0].gsi - IRQ_FIRST_MSI_GSI].data, 0x45);
	ck_assert_uint_eq(mmio_read(v.bar0 + 0x1000, 1, NULL), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_uint_ne(common_rd(&v, VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
	ck_assert_uint_eq(console_cfg16(v.bar0, 0), 80);
	ck_assert_uint_eq(console_cfg16(v.bar0, 2), 24);

	vt_remove(&v);
	/* The VM is gone, and with it the source: a resize now does nothing. */
	ck_assert_ptr_null(vm.sources);
	vm_term_resized(&vm);
	close(slave);
	close(master);
}
END_TEST

/*
 * vCPUs racing: one moves BAR 0 back and forth through config space
 * (which rewrites vm->mmio_bus), one hammers the BAR's common config, one
 * (a device worker) raises interrupts. The lock order (host, device,
 * vdev, MSI-X) must never deadlock; the test's timeout catches one.
 */
struct race {
	struct vtest *v;
	atomic_bool stop;
	atomic_uint hits;
};

static void *race_mover(void *arg)
{
	struct race *r = arg;

	/*
	 * 2000 moves, and on until the reader has hit the BAR at least once
	 * (under load it may not run before the first 2000 are done). Ends
	 * at 0xe0000000: an even number of moves.
	 */
	for (int i = 0; i < 2000 || (!atomic_load(&r->hits) && i < 20000000); i += 2) {
		cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe1000000, 4);
		cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
	}
	atomic_store(&r->stop, true);
	return NULL;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		for (u64 base = 0xe0000000; base <= 0xe1000000; base += 0x1000000) {
			u64 v = 0;

			if (bus_access(&vm.mmio_bus, base + VIRTIO_PCI_COMMON_NUMQ, &v, 2, false)) {
				ck_assert_uint_eq(v, VT_QUEUES);
				atomic_fetch_add(&r->hits, 1);
			}
		}
	}
	return NULL;
}

static void *race_signaller(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop))
		r->v->vdev.tops->signal_queue(&r->v->vdev, &r->v->vdev.vqs[0]);
	return NULL;
}

START_TEST(vpci_bar_moves_race_accesses)
{
	static struct vtest v;
	struct race r = { .v = &v };
	pthread_t mover, reader, signaller;
	u8 cap = 0;

	vt_add(&v);
	for (u8 pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + 1))
		if (cfg8(1, pos) == PCI_CAP_ID_MSIX)
			cap = pos;
	cfg_write(1, 0, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(&v, VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);

	/*
	 * The mover is the only user of the CF8 latch here: a second
	 * config-space user would need the guest's own pci_config_lock.
	 */
	ck_assert_int_eq(pthread_create(&reader, NULL, race_reader, &r), 0);
	ck_assert_int_eq(pthread_create(&signaller, NULL, race_signaller, &r), 0);
	ck_assert_int_eq(pthread_create(&mover, NULL, race_mover, &r), 0);
	pthread_join(mover, NULL);
	pthread_join(reader, NULL);
	pthread_join(signaller, NULL);
	ck_assert_uint_gt(atomic_load(&r.hits), 0);
	/* It ended at 0xe0000000 with its notify ioeventfds there, and only there. */
	ck_assert_ptr_nonnull(ioevent_at(0xe0000000 + 0x3000));
	ck_assert_ptr_nonnull(ioevent_at(0xe0000000 + 0x3004));
	ck_assert_ptr_null(ioevent_at(0xe1000000 + 0x3000));
	vt_remove(&v);
}
END_TEST

Suite *virtio_pci_suite(void);

Suite *virtio_pci_suite(void)
{
	Suite *s = suite_create("virtio-pci");
	TCase *vpci = tcase_create("virtio-pci");

	tcase_add_checked_fixture(vpci, setup, teardown);
	tcase_add_test(vpci, vpci_identity);
	tcase_add_test(vpci, vpci_capabilities);
	tcase_add_test(vpci, vpci_feature_negotiation);
	tcase_add_test(vpci, vpci_queue_select_out_of_range);
	tcase_add_test(vpci, vpci_queue_enable_checks_addresses);
	tcase_add_test(vpci, vpci_reset_and_reinit);
	tcase_add_test(vpci, vpci_interrupts_through_msix);
	tcase_add_test(vpci, vpci_intx_without_msix);
	tcase_add_test(vpci, vpci_notify_ioeventfds_follow_bar);
	tcase_add_test(vpci, vpci_device_config_and_pci_cfg_window);
	tcase_add_test(vpci, vpci_garbage_from_guest);
	tcase_add_test(vpci, vpci_garbage_config_space);
	tcase_add_test(vpci, vpci_bar_moves_race_accesses);
	tcase_add_test(vpci, vpci_end_to_end_request);
	tcase_add_test(vpci, vpci_console_follows_terminal_size);
	tcase_set_timeout(vpci, 30);
	suite_add_tcase(s, vpci);
	return s;
}

KITE_TEST_MAIN(virtio_pci_suite)
