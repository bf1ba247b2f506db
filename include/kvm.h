/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM core: one VM, its guest RAM, its vCPUs, interrupts, and the
 * lifecycle that ends it. Devices live on the two buses (bus.h).
 */
#ifndef KITE_KVM_H
#define KITE_KVM_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "bus.h"
#include "util.h"

/*
 * Guest physical layout (x86):
 *
 *   0            .. low RAM end     RAM (at most MMIO_HOLE_START)
 *   MMIO_HOLE_START .. 4 GiB        no RAM: PCI BARs, virtio-mmio, IOAPIC, LAPIC
 *   4 GiB        .. 4 GiB + rest    the RAM that did not fit below the hole
 *
 * The 32-bit hole is 1 GiB, as on most PCs: Linux sizes its PCI window
 * from the e820 gap, and 32-bit BARs must land below 4 GiB.
 */
#define MMIO_HOLE_START		0xC0000000ULL
#define MMIO_HOLE_END		0x100000000ULL
#define PCI_MMIO_START		0xC0000000ULL	/* BAR window, 256 MiB */
#define PCI_MMIO_SIZE		0x10000000ULL
#define VIRTIO_MMIO_START	0xD0000000ULL	/* virtio-mmio slots, 4 KiB each */
#define VIRTIO_MMIO_SLOT	0x1000ULL
#define PCI_ECAM_START		0xF0000000ULL	/* PCIe config space (MCFG), bus 0 */
#define PCI_ECAM_SIZE		0x100000ULL	/* 32 slots x 8 functions x 4 KiB */
#define IOAPIC_BASE		0xFEC00000ULL
#define LAPIC_BASE		0xFEE00000ULL

#define KITE_MAX_CPUS		64

/*
 * Interrupt lines: ISA IRQ == GSI with the in-kernel irqchip. The PIT
 * (KVM's own) has line 0; the legacy devices' fixed lines are in hw.h;
 * irq_alloc_line hands out 5, 6, 7, 10, 11, 13, 14, 15 (9 is the ACPI
 * SCI); MSIs get GSIs from IRQ_FIRST_MSI_GSI upwards.
 */
#define IRQ_PIT			0
#define IRQ_FIRST_MSI_GSI	24

/* What the VM itself is made of; the devices are the machine's (machine.h). */
struct vm_config {
	u64 ram_size;
	unsigned nr_cpus;
	bool stats;			/* take start-up figures (KITE_STATS, json) */
	/*
	 * Guest RAM another process can map (vhost-user back-ends): a memfd
	 * mapped MAP_SHARED, vm->ram_fd. Off by default: private anonymous
	 * RAM faults more cheaply.
	 */
	bool shared_ram;
};

/*
 * Why the VM stopped, which is also kite's exit status (README documents
 * these): the first vm_stop() wins.
 */
enum kite_exit {
	KITE_EXIT_GUEST_OFF	= 0,	/* guest powered off or rebooted */
	KITE_EXIT_ERROR		= 1,	/* bad input or a setup failure */
	KITE_EXIT_GUEST_FATAL	= 2,	/* emulation failure, internal error, device fault */
	KITE_EXIT_TRIPLE_FAULT	= 3,	/* the guest triple-faulted */
	KITE_EXIT_USER		= 4,	/* Ctrl-A x on the console */
	KITE_EXIT_SIGNAL	= 128,	/* + signal number: SIGTERM, SIGHUP, SIGINT */
};

struct mem_bank {
	u64 gpa;
	u64 size;
	u8 *hva;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
};

struct vm_exit_hook;
struct vm_source;

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_mmap_size;

	u64 ram_size;
	u8 *ram;			/* one host mapping of all guest RAM */
	int ram_fd;			/* its memfd with cfg->shared_ram (offset = hva - ram), else -1 */
	struct mem_bank banks[2];
	unsigned nr_banks;

	unsigned nr_cpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, filtered */

	struct bus pio_bus;
	struct bus mmio_bus;

	/* GSI routing: the table KVM has, kept so entries can be added. */
	pthread_mutex_t irq_lock;
	struct kvm_irq_routing *routing;
	u32 next_msi_gsi;
	u32 next_irq_line;

	/* Lifecycle: vm_stop() sets exit_code once and writes stop_efd. */
	atomic_int stopping;
	int exit_code;
	int stop_efd;

	struct vm_exit_hook *exit_hooks;
	struct vm_source *sources;	/* host events for the run loop (vm_add_source) */
	const struct vm_config *cfg;

	/* The slow half of vm_create, overlapped with the rest of start-up:
	 * vm_setup_finish() joins it. */
	pthread_t setup_thread;
	bool setup_pending;
	int setup_err;

	/* Start-up figures (cfg->stats): taken by vCPU 0 before its first KVM_RUN. */
	u64 first_run_ns;
	u64 first_run_cpu_us;
	u64 stop_ns;			/* when vm_stop() was first called */
	u64 ready_ns;			/* stats_guest_ready(): user space showed itself */
};

/* vm.c */
/* The KVM device: $KITE_KVM_DEV, else /dev/kvm. */
const char *kvm_dev_path(void);
/* The KVM_CAP_* kite cannot run without (vm_create checks them). */
struct kvm_cap_name {
	int cap;
	const char *name;	/* without KVM_CAP_ */
};
extern const struct kvm_cap_name kvm_required_caps[];
extern const size_t kvm_nr_required_caps;
/*
 * The parts of a VM that need no KVM (buses, irq table, stop eventfd):
 * vm_create starts with it, and unit tests use it alone (vm_fd stays -1).
 */
int vm_init_bare(struct vm *vm, const struct vm_config *cfg);
int vm_create(struct vm *vm, const struct vm_config *cfg);
void vm_destroy(struct vm *vm);
/* Start every vCPU and block until the VM stops; returns the exit code. */
int vm_run(struct vm *vm);
/*
 * Block the signals vm_run takes (and the vCPU kick) in the calling
 * thread; vm_create does it first, so that every thread kite creates
 * inherits the mask and the run loop's signalfd sees every signal.
 */
int vm_block_signals(void);
/*
 * Host events the run loop (the main thread, in vm_run) handles for a
 * device, so that it knows none: a console's input, output waiting for
 * stdout, the host terminal's size. Every hook is optional and runs on
 * the main thread.
 */
struct vm_source_ops {
	/* Fill *p with the fd and events to wait for now; fd -1: none this round. */
	void (*poll)(void *arg, struct pollfd *p);
	/* The fd of the last poll reported p->revents (non-zero). */
	void (*ready)(void *arg, short revents);
	/* SIGWINCH: the host terminal changed size. */
	void (*resized)(void *arg);
	/*
	 * SIGINT/SIGTERM/SIGHUP: true when the source took it (kite sandbox
	 * hands it to the guest's command); else the VM stops with 128+N.
	 */
	bool (*signalled)(void *arg, int signo);
	/* The VM stopped and every vCPU is joined: last words, bounded. */
	void (*stopped)(void *arg);
};
struct vm_source {
	const struct vm_source_ops *ops;
	void *arg;
	struct vm_source *next;
};
/* Add a source (before vm_run); it lives until vm_destroy. 0 or -ENOMEM. */
int vm_add_source(struct vm *vm, const struct vm_source_ops *ops, void *arg);
/* The host terminal was resized (SIGWINCH in vm_run): tell every source. */
void vm_term_resized(struct vm *vm);
/* Stop the VM from any thread (vCPU, device, signal handler-free context). */
void vm_stop(struct vm *vm, int code);
static inline bool vm_stopping(struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}
/*
 * Call fn(arg) when the VM is torn down, after every vCPU has been joined,
 * in the reverse order of registration: devices stop their threads here.
 */
int vm_on_exit(struct vm *vm, void (*fn)(void *arg), void *arg);

/* Finish vm_create's slow half: create the PIT, join the memory-slot
 * thread; 0 or -1 (reported). Before any vCPU runs: vm_run calls it. */
int vm_setup_finish(struct vm *vm);

/* memory.c: guest RAM. vm_init_memory maps it and lays out the banks (no
 * KVM involved: guest_ptr works at once); vm_register_memory gives the
 * banks to KVM. */
int vm_init_memory(struct vm *vm, u64 ram_size);
int vm_register_memory(struct vm *vm);
/*
 * The host address of guest-physical [gpa, gpa + len), or NULL unless the
 * whole range lies in one RAM bank. Every guest-supplied address goes
 * through here (or guest_range_ok) before it is dereferenced.
 */
void *guest_ptr(struct vm *vm, u64 gpa, u64 len);
/*
 * Copy len bytes to guest RAM at gpa (all of it in one bank, else
 * -EINVAL): into shared RAM with pwrite on its memfd, which fills the
 * pages in the kernel without a page fault each (a kernel and initrd
 * loaded that way start a sandbox sooner), else with memcpy.
 */
int guest_write(struct vm *vm, u64 gpa, const void *src, u64 len);
static inline bool guest_range_ok(struct vm *vm, u64 gpa, u64 len)
{
	return guest_ptr(vm, gpa, len) != NULL;
}
/* RAM end below the hole, and the size of RAM above 4 GiB. */
u64 vm_low_ram_end(struct vm *vm);
u64 vm_high_ram_size(struct vm *vm);

/*
 * stats.c: start-up and memory figures, taken when cfg->stats asks: with
 * KITE_STATS set, one line of them on stderr at exit (the benchmarks read
 * it); with --output json, in the exit line (run-report.c).
 */
struct run_stats {
	bool have_exec;			/* KITE_T0_NS given: exec_to_first_run_us */
	u64 exec_to_first_run_us;
	u64 cpu_to_first_run_us;
	u64 peak_rss_kib;
	u64 guest_touched_kib;
	s64 overhead_kib;		/* peak RSS less guest RAM touched */
	u64 run_ns;			/* first KVM_RUN to vm_stop(): the guest's run time */
	bool have_ready;		/* a device saw the guest's user space */
	u64 first_run_to_ready_us;
};
void stats_first_run(struct vm *vm);
/*
 * A device saw the guest's user space for the first time (the console: a
 * program opened a port): the kernel's boot is over. Start-up figures
 * split there; a device thread calls it.
 */
void stats_guest_ready(struct vm *vm);
/* The figures of a VM that ran: false (none) if it never did or none were asked for. */
bool stats_collect(struct vm *vm, struct run_stats *st);
/* "kite-stats: exec_to_first_run_us=N cpu_to_first_run_us=N ..." */
void stats_print(FILE *f, const struct run_stats *st);

/*
 * run-report.c: how `kite run` ended, for scripts (--output json): one
 * JSON line with the exit status, its reason ("guest-off", "error",
 * "guest-fatal", "triple-fault", "user-quit", "signal"), the signal's
 * name, the guest's run time and the start-up figures (st NULL: none).
 */
const char *kite_exit_reason(int status);
/* The object, without a newline. */
void run_report_json(FILE *f, int status, const struct run_stats *st);
/* The line on stderr. */
void run_report_print(int status, const struct run_stats *st);

/* vcpu.c */
int vcpu_create(struct vm *vm, unsigned id);
void vcpu_destroy(struct vcpu *vcpu);
int vcpu_start(struct vcpu *vcpu);
/* Print exit reason, RIP, instruction bytes and registers to stderr. */
void vcpu_dump(struct vcpu *vcpu, const char *why);
void vcpu_kick(struct vcpu *vcpu);

/* irq.c: interrupts through the in-kernel irqchip */
int irq_init(struct vm *vm);
void irq_exit(struct vm *vm);
int irq_set_line(struct vm *vm, u32 gsi, int level);
/* A free ISA line for a device (virtio-mmio), or -ENOSPC. */
int irq_alloc_line(struct vm *vm);
/* A new GSI routed to an MSI (address, data); returns the GSI. */
int irq_add_msi_route(struct vm *vm, u64 addr, u32 data);
int irq_update_msi_route(struct vm *vm, u32 gsi, u64 addr, u32 data);
int irq_signal_msi(struct vm *vm, u64 addr, u32 data);
/* An eventfd written by anyone raises `gsi` in the guest (KVM_IRQFD). */
int irqfd_assign(struct vm *vm, int efd, u32 gsi);
int irqfd_deassign(struct vm *vm, int efd, u32 gsi);
/*
 * Guest writes of `len` bytes to `addr` (port or MMIO) signal `efd`
 * instead of exiting (KVM_IOEVENTFD). len 0 matches any width.
 */
int ioeventfd_assign(struct vm *vm, int efd, u64 addr, u32 len, bool pio);
int ioeventfd_deassign(struct vm *vm, int efd, u64 addr, u32 len, bool pio);

#endif
