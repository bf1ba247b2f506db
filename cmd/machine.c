// SPDX-License-Identifier: GPL-2.0
/*
 * Machine assembly: the one file that knows every subsystem. It creates
 * the VM, puts the PC's legacy devices and the PCI host on it, the
 * virtio devices the command asked for, builds the command line from the
 * device registry, and loads the kernel. Add a device here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "dtb.h"
#include "hw.h"
#include "machine.h"
#include "pci.h"
#include "seccomp-filter.h"
#include "virtio.h"

static void uart_free(void *arg)
{
	serial8250_destroy(arg);
}

static int add_platform(struct machine *m)
{
	struct vm *vm = &m->vm;
	bool serial_console = m->cfg->console == MACHINE_CONSOLE_SERIAL;
	int uart_out = m->cfg->console == MACHINE_CONSOLE_PORTS ? m->cfg->log_fd : STDOUT_FILENO;

	m->uart = serial8250_create(vm, COM1_BASE, IRQ_COM1, uart_out);
	if (!m->uart)
		return -1;
	if (vm_on_exit(vm, uart_free, m->uart)) {
		serial8250_destroy(m->uart);
		m->uart = NULL;
		return -1;
	}
	/* With a virtio console, that one reads stdin; the UART still writes early boot. */
	if (serial_console_attach(vm, m->uart, serial_console ? STDIN_FILENO : -1))
		return -1;
	/*
	 * The host bridge is there even with --transport mmio: Linux probes
	 * config space either way and complains loudly when nothing answers.
	 */
	m->pci = pci_host_create(vm);
	if (!m->pci)
		return -1;
	return i8042_init(vm) ?: rtc_init(vm) ?: acpi_pm_init(vm);
}

/*
 * The helper daemons' (virtiofsd's, passt's) chatter goes to kite's stderr
 * where the kernel's does (kite run, kite sandbox --verbose), else nowhere:
 * a sandbox's stderr is the command's.
 */
static bool helpers_quiet(const struct machine_config *cfg)
{
	return cfg->console == MACHINE_CONSOLE_PORTS && cfg->log_fd != STDERR_FILENO;
}

static int add_virtio_devices(struct machine *m)
{
	const struct machine_config *cfg = m->cfg;
	struct virtio_transport t;
	int ret;

	if (virtio_transport_init(&t, cfg->transport, &m->vm, m->pci))
		return -1;
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		ret = virtio_blk_create(&t, cfg->disks[i], i);
		if (ret) {
			if (ret == -ENOMEM)
				pr_err("--disk %s: out of memory", cfg->disks[i]);
			return -1;
		}
	}
	for (unsigned i = 0; i < cfg->nr_nets; i++)
		if (virtio_net_create_spec(&t, cfg->nets[i], i, helpers_quiet(cfg)))
			return -1;
	for (unsigned i = 0; i < cfg->nr_shares; i++)
		if (virtio_fs_create(&t, &m->shares[i], i))
			return -1;
	if (cfg->rng && (ret = virtio_rng_create(&t))) {
		pr_err("virtio-rng: %s", strerror(-ret));
		return -1;
	}
	if (cfg->console == MACHINE_CONSOLE_VIRTIO &&
	    (ret = virtio_console_create(&t, STDIN_FILENO, STDOUT_FILENO))) {
		pr_err("virtio-console: %s", strerror(-ret));
		return -1;
	}
	if (cfg->console == MACHINE_CONSOLE_PORTS &&
	    (ret = virtio_console_create_ports(&t, cfg->ports, cfg->nr_ports, &m->ports))) {
		pr_err("virtio-console ports: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* The whole line: --cmdline or the default, the registry's devices, the console. */
static int make_cmdline(struct machine *m)
{
	/*
	 * The last console= is /dev/console: hvc0 once its driver is up (a
	 * built-in one at init); ttyS0 from the default line still carries
	 * early boot and kernels with virtio_console as a module.
	 */
	const char *extra = m->cfg->console == MACHINE_CONSOLE_VIRTIO ? "console=hvc0" : NULL;

	m->cmdline = boot_cmdline(&m->vm, m->cfg->cmdline, extra);
	if (!m->cmdline)
		pr_err("kernel command line: out of memory");
	return m->cmdline ? 0 : -1;
}

static int load_kernel(struct machine *m)
{
	static const acpi_aml_fn dsdt_aml[] = { pci_acpi_aml };
	const struct machine_config *cfg = m->cfg;
	struct boot_config bc = {
		.kernel = cfg->kernel, .initrd = cfg->initrd, .cmdline = m->cmdline,
		.dsdt_aml = dsdt_aml, .nr_dsdt_aml = ARRAY_SIZE(dsdt_aml),
	};
	struct boot_entry entry;

	if (boot_load_kernel(&m->vm, &bc, &entry))
		return -1;
	return boot_setup_bsp(&m->vm.vcpus[0], &entry) ? -1 : 0;
}

/* Every --share checked before the VM exists: bad input costs no KVM. */
static int parse_shares(struct machine *m)
{
	const struct machine_config *cfg = m->cfg;

	if (!cfg->nr_shares)
		return 0;
	m->shares = calloc(cfg->nr_shares, sizeof(*m->shares));
	if (!m->shares) {
		pr_err("--share: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg->nr_shares; i++) {
		if (virtio_fs_parse(cfg->shares[i], &m->shares[i]))
			return -1;
		m->shares[i].quiet = helpers_quiet(cfg);
		for (unsigned j = 0; j < i; j++) {
			if (!strcmp(m->shares[i].tag, m->shares[j].tag)) {
				pr_err("--share %s: tag '%s' is already taken by --share %s",
				       cfg->shares[i], m->shares[i].tag, cfg->shares[j]);
				return -1;
			}
		}
	}
	/*
	 * The daemons start now, all at once, and come up while kite creates
	 * the VM: a virtiofsd takes longer to answer than kite's set-up
	 * (most of it under the rig's TCG), and one after the other they
	 * were most of the time to the first KVM_RUN.
	 */
	for (unsigned i = 0; i < cfg->nr_shares; i++)
		if (virtio_fs_start(&m->shares[i]))
			return -1;
	return 0;
}

int machine_build(struct machine *m, const struct machine_config *cfg)
{
	*m = (struct machine){ .cfg = cfg };
	if (parse_shares(m) || vm_create(&m->vm, &cfg->vm) || add_platform(m) || add_virtio_devices(m) ||
	    make_cmdline(m))
		return -1;
	if (cfg->dump_dtb && fdt_dump(&m->vm, m->cmdline, cfg->dump_dtb))
		return -1;
	return load_kernel(m);
}

/* Bound on a stall of the guest's last output once it stopped. */
#define PORTS_DRAIN_STALL_MS	5000

int machine_run(struct machine *m)
{
	const struct machine_config *cfg = m->cfg;
	int ret;

	/* Built and loaded: from here on, only what a running VM needs. */
	if (!cfg->seccomp_off &&
	    seccomp_install(cfg->seccomp_status ? cfg->seccomp_status : KITE_EXIT_GUEST_FATAL))
		return KITE_EXIT_ERROR;
	ret = vm_run(&m->vm);

	if (m->ports && virtio_console_drain(m->ports, PORTS_DRAIN_STALL_MS))
		pr_warn("the guest's last output did not drain in %u ms: some is lost",
			PORTS_DRAIN_STALL_MS);
	return ret;
}

void machine_destroy(struct machine *m)
{
	vm_destroy(&m->vm);
	free(m->cmdline);
	m->cmdline = NULL;
	for (unsigned i = 0; m->shares && i < m->cfg->nr_shares; i++)
		virtio_fs_stop(&m->shares[i]);
	free(m->shares);
	m->shares = NULL;
}

int machine_parse_cpus(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > KITE_MAX_CPUS) {
		pr_err("--cpus '%s': give a number from 1 to %d", s, KITE_MAX_CPUS);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int machine_parse_seccomp(const char *s, bool *off)
{
	if (strcmp(s, "on") && strcmp(s, "off")) {
		pr_err("--seccomp '%s': choose on or off", s);
		return -EINVAL;
	}
	*off = !strcmp(s, "off");
	return 0;
}

int machine_parse_mem(const char *s, u64 *out)
{
	if (parse_size(s, out)) {
		pr_err("--mem '%s' is not a size (try 512M or 4G)", s);
		return -EINVAL;
	}
	return 0;
}
