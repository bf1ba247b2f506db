// SPDX-License-Identifier: GPL-2.0
/*
 * PCI as a guest drives it: configuration mechanism #1 on ports
 * 0xcf8/0xcfc and ECAM on the MMIO bus (headers, BARs, capabilities,
 * MSI-X enable), and a virtio-rng on virtio-pci: common, ISR, device and
 * notify config in BAR 0, the MSI-X table and PBA in BAR 1, the
 * VIRTIO_PCI_CAP_PCI_CFG window. The irq layer is a fake that accepts
 * (no KVM); the device in the core's single-thread mode (inline_service).
 * The input is a program of steps (op, where, value).
 */
#include "pci.h"
#include "virtio.h"
#include "fuzz.h"

#define MAX_ROUTES		64

static unsigned nr_routes;

static int fake_add_msi_route(struct vm *vm, u64 addr, u32 data)
{
	return nr_routes < MAX_ROUTES ? (int)(IRQ_FIRST_MSI_GSI + nr_routes++) : -ENOSPC;
}

static int fake_update_msi_route(struct vm *vm, u32 gsi, u64 addr, u32 data)
{
	FUZZ_CHECK(gsi >= IRQ_FIRST_MSI_GSI && gsi < IRQ_FIRST_MSI_GSI + nr_routes);
	return 0;
}

static int fake_irqfd(struct vm *vm, int efd, u32 gsi) { return 0; }
static int fake_ioeventfd(struct vm *vm, int efd, u64 addr, u32 len, bool pio) { return 0; }
static int fake_signal_msi(struct vm *vm, u64 addr, u32 data) { return 0; }

static int fake_set_line(struct vm *vm, u32 gsi, int level)
{
	FUZZ_CHECK(gsi < IRQ_FIRST_MSI_GSI);
	return 0;
}

static const struct pci_irq_ops fake_irq = {
	.add_msi_route = fake_add_msi_route,
	.update_msi_route = fake_update_msi_route,
	.irqfd_assign = fake_irqfd,
	.irqfd_deassign = fake_irqfd,
	.ioeventfd_assign = fake_ioeventfd,
	.ioeventfd_deassign = fake_ioeventfd,
	.signal_msi = fake_signal_msi,
	.set_line = fake_set_line,
};

static struct virtio_dev *dev;

static int capture_pci(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret;

	vdev->inline_service = true;	/* no worker threads: we service them */
	ret = virtio_pci_create(t, vdev);

	if (!ret)
		dev = vdev;
	return ret;
}

static void host_exit(void *host)
{
	pci_host_exit(host);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fin in = { data, size };
	struct virtio_transport t = { .create = capture_pci };
	struct pci_host host;
	struct pci_dev *pdev;
	struct vm vm;

	fuzz_vm_init(&vm, 1 * MiB);
	nr_routes = 0;
	dev = NULL;
	FUZZ_CHECK(pci_host_init(&host, &vm, &fake_irq) == 0);
	FUZZ_CHECK(vm_on_exit(&vm, host_exit, &host) == 0);
	t.vm = &vm;
	t.pci = &host;
	FUZZ_CHECK(virtio_rng_create(&t) == 0 && dev);
	pdev = virtio_pci_dev(dev);

	while (!fin_empty(&in)) {
		u8 op = fin_u8(&in);
		u16 where = fin_u16(&in);
		u64 val = fin_u32(&in);
		u32 len = 1u << (op & 3);
		bool wr = op & 4;
		u32 addr, bar_addr;

		switch (op >> 3 & 3) {
		case 0:		/* mechanism #1: latch, then the data port */
			addr = PCI_CONF1_ENABLE | (where >> 8 & 3) << 11 | (where & 0xfc);
			bus_access(&vm.pio_bus, PCI_CONF1_ADDR_PORT, &addr, 4, true);
			bus_access(&vm.pio_bus, PCI_CONF1_DATA_PORT + (where & 3), &val,
				   len > 4 ? 4 : len, wr);
			break;
		case 1:		/* ECAM: bus 0, slot, function 0, 4 KiB of config */
			addr = (u32)pdev->slot << 15 | (where & 0xfff);
			bus_access(&vm.mmio_bus, PCI_ECAM_START + addr, &val, len, wr);
			break;
		case 2:		/* BAR 0: virtio structures */
		case 3:		/* BAR 1: MSI-X */
			bar_addr = pci_bar_addr(pdev, op >> 3 & 1);
			if (!bar_addr)
				break;
			bus_access(&vm.mmio_bus, bar_addr + where % 0x4000, &val, len, wr);
			break;
		}
		if (op & 0x20)		/* what the worker would do now */
			virtio_dev_service(dev);
	}
	vm_destroy(&vm);	/* devices first, then the host bridge */
	return 0;
}
