// SPDX-License-Identifier: GPL-2.0
/*
 * --transport: which constructor the devices go through. Kept apart from
 * devices.c because it is the one place that names virtio_pci_create()
 * (virtio/pci.c), so that code linking only the mmio side needs no PCI.
 */
#include <string.h>

#include "virtio.h"

int virtio_transport_lookup(const char *name, virtio_transport_create_fn *create)
{
	if (!name || !strcmp(name, "pci")) {
		*create = virtio_pci_create;
		return 0;
	}
	if (!strcmp(name, "mmio")) {
		*create = virtio_mmio_create;
		return 0;
	}
	pr_err("--transport %s: unknown transport (pci or mmio)", name);
	return -EINVAL;
}

int virtio_devices_init(struct vm *vm, const struct vm_config *cfg)
{
	virtio_transport_create_fn create;
	int ret;

	if (!cfg->nr_disks && !cfg->rng && !(cfg->console && !strcmp(cfg->console, "virtio")))
		return 0;
	ret = virtio_transport_lookup(cfg->transport, &create);
	return ret ? ret : virtio_devices_create(vm, cfg, create);
}
