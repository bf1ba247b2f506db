// SPDX-License-Identifier: GPL-2.0
/* Creating the virtio devices `kite run` asks for, on a given transport. */
#include <string.h>
#include <unistd.h>

#include "virtio.h"

static bool wants_virtio_console(const struct vm_config *cfg)
{
	return cfg->console && !strcmp(cfg->console, "virtio");
}

int virtio_devices_create(struct vm *vm, const struct vm_config *cfg,
			  virtio_transport_create_fn create)
{
	int ret;

	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		ret = virtio_blk_create(vm, cfg->disks[i], i, create);
		if (ret) {
			if (ret == -ENOMEM)
				pr_err("--disk %s: out of memory", cfg->disks[i]);
			return ret;
		}
	}
	if (cfg->rng) {
		ret = virtio_rng_create(vm, create);
		if (ret) {
			pr_err("virtio-rng: %s", strerror(-ret));
			return ret;
		}
	}
	if (wants_virtio_console(cfg)) {
		ret = virtio_console_create(vm, STDIN_FILENO, STDOUT_FILENO, create);
		/*
		 * The last console= is /dev/console: hvc0 once its driver is up
		 * (a built-in one at init); ttyS0 from the default line still
		 * carries early boot and kernels with virtio_console as a module.
		 */
		if (!ret)
			ret = vm_cmdline_append(vm, "console=hvc0");
		if (ret) {
			pr_err("virtio-console: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}
