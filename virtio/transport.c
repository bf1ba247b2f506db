// SPDX-License-Identifier: GPL-2.0
/* --transport: which constructor the devices go through, with its context. */
#include <string.h>

#include "virtio.h"

int virtio_transport_init(struct virtio_transport *t, const char *name, struct vm *vm,
			  struct pci_host *pci)
{
	*t = (struct virtio_transport){ .vm = vm, .pci = pci };
	if (!name || !strcmp(name, "pci")) {
		t->create = virtio_pci_create;
		return 0;
	}
	if (!strcmp(name, "mmio")) {
		t->create = virtio_mmio_create;
		return 0;
	}
	pr_err("--transport %s: unknown transport (pci or mmio)", name);
	return -EINVAL;
}
