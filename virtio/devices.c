// SPDX-License-Identifier: GPL-2.0
/* Creating the virtio devices `kite run` asks for, on the chosen transport. */
#include <string.h>
#include <unistd.h>

#include "virtio.h"

static int pick_transport(const char *name, virtio_transport_create_fn *create)
{
	/*
	 * virtio_pci_create() is in virtio/pci.c (branch pci): a strong
	 * reference, so that the link pulls it in (a weak one would not).
	 */
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
