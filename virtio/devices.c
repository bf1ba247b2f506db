// SPDX-License-Identifier: GPL-2.0
/* Creating the virtio devices `kite run` asks for, on the chosen transport. */
#include <string.h>
#include <unistd.h>

#include "virtio.h"

/*
 * virtio_pci_create() lives in virtio/pci.c (branch pci). Referenced
 * weakly so that this branch links on its own; once pci.c is in the
 * build, --transport pci uses it.
 */
int virtio_pci_create(struct vm *vm, struct virtio_dev *vdev) __attribute__((weak));

static int pick_transport(const char *name, virtio_transport_create_fn *create)
{
	if (!name || !strcmp(name, "pci")) {
		if (!virtio_pci_create) {
			pr_err("--transport pci: this kite was built without virtio-pci; use --transport mmio");
			return -ENOSYS;
		}
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
	ret = pick_transport(cfg->transport, &create);
	if (ret)
		return ret;
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		ret = virtio_blk_create(vm, cfg->disks[i], i, create);
		if (ret)
			return ret;
	}
	if (cfg->rng) {
		ret = virtio_rng_create(vm, create);
		if (ret) {
			pr_err("virtio-rng: %s", strerror(-ret));
			return ret;
		}
	}
	if (cfg->console && !strcmp(cfg->console, "virtio")) {
		ret = virtio_console_create(vm, STDIN_FILENO, STDOUT_FILENO, create);
		if (ret) {
			pr_err("virtio-console: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}
