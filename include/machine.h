/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine: a VM (kvm.h) with the legacy PC devices (hw.h), the PCI
 * host, the virtio devices a command asks for, and the kernel booted on
 * it. cmd/machine.c is the one place that knows every subsystem; the
 * commands (kite run, kite sandbox) fill a machine_config and call it.
 * A new device is added there.
 */
#ifndef KITE_MACHINE_H
#define KITE_MACHINE_H

#include "boot.h"
#include "kvm.h"
#include "virtio.h"

#define KITE_MAX_DISKS		16
#define KITE_MAX_NICS		8
#define KITE_MAX_SHARES		8

enum machine_console {
	MACHINE_CONSOLE_SERIAL,		/* the 8250 on stdin/stdout (ttyS0) */
	MACHINE_CONSOLE_VIRTIO,		/* virtio-console on stdin/stdout (hvc0) */
	/*
	 * Named virtio-console ports (cfg->ports, kite sandbox); the UART has
	 * no input and writes the kernel's messages to cfg->log_fd (-1: dropped).
	 */
	MACHINE_CONSOLE_PORTS,
};

/* What a command asks the machine to be. */
struct machine_config {
	struct vm_config vm;		/* RAM, vCPUs, start-up figures */
	const char *kernel;
	const char *initrd;		/* NULL: none */
	const char *cmdline;		/* NULL: BOOT_DEFAULT_CMDLINE */
	enum machine_console console;
	struct virtio_console_port ports[VIRTIO_CONSOLE_MAX_PORTS];	/* MACHINE_CONSOLE_PORTS */
	unsigned nr_ports;
	int log_fd;
	const char *transport;		/* "pci" (NULL) or "mmio" */
	const char *disks[KITE_MAX_DISKS];	/* --disk specs (disk_parse_spec) */
	unsigned nr_disks;
	bool rng;
	const char *nets[KITE_MAX_NICS];	/* --net specs (net_parse_spec) */
	unsigned nr_nets;
	const char *shares[KITE_MAX_SHARES];	/* --share specs (virtio_fs_parse); set vm.shared_ram */
	unsigned nr_shares;
	const char *dump_dtb;		/* write the device tree there; NULL: no */
	bool seccomp_off;		/* --seccomp=off: no syscall filter (seccomp-filter.h) */
	int seccomp_status;		/* kite's status when the filter stops it; 0: GUEST_FATAL */
};

struct pci_host;
struct serial8250;
struct virtio_fs_share;

struct machine {
	struct vm vm;
	const struct machine_config *cfg;
	struct serial8250 *uart;	/* COM1 */
	struct pci_host *pci;
	struct virtio_console *ports;	/* MACHINE_CONSOLE_PORTS: drained after the run */
	char *cmdline;			/* the line the kernel boots with */
	struct virtio_fs_share *shares;	/* cfg->shares parsed, [cfg->nr_shares] */
	bool vm_created;
};

/*
 * Build everything cfg asks for and load the kernel: 0, or -1 after a
 * one-line pr_err (machine_destroy still releases what was built).
 */
int machine_build(struct machine *m, const struct machine_config *cfg);
/*
 * Run until the guest or the host stops it, then let the ports' output
 * drain; kite's exit status (enum kite_exit).
 */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);

/* The commands' --cpus and --mem: 0, or -EINVAL after a one-line pr_err. */
int machine_parse_cpus(const char *s, unsigned *out);
int machine_parse_mem(const char *s, u64 *out);
/* --seccomp on|off: 0, or -EINVAL after a one-line pr_err. */
int machine_parse_seccomp(const char *s, bool *off);

#endif
