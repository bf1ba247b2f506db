// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifecycle: open KVM, check what kite relies on, create the VM with
 * an in-kernel irqchip and PIT, and tear it all down again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

/* Identity-map page and TSS for VMX real mode: 4 pages just under the BIOS. */
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000ULL
#define KVM_TSS_ADDR		0xfffbd000ULL

struct vm_exit_hook {
	void (*fn)(void *arg);
	void *arg;
	struct vm_exit_hook *next;
};

const struct kvm_cap_name kvm_required_caps[] = {
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_PIT2, "PIT2" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
	{ KVM_CAP_IRQFD, "IRQFD" },
	{ KVM_CAP_IRQ_ROUTING, "IRQ_ROUTING" },
	{ KVM_CAP_SIGNAL_MSI, "SIGNAL_MSI" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
};
const size_t kvm_nr_required_caps = ARRAY_SIZE(kvm_required_caps);

const char *kvm_dev_path(void)
{
	return getenv("KITE_KVM_DEV") ? : "/dev/kvm";
}

static int open_kvm(void)
{
	const char *path = kvm_dev_path();
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		pr_err("cannot open %s: it does not exist (load the kvm module, or enable virtualization)", path);
	else if (errno == EACCES || errno == EPERM)
		pr_err("cannot open %s: permission denied (add your user to the 'kvm' group)", path);
	else
		pr_err("cannot open %s: %s", path, strerror(errno));
	return -1;
}

static int check_kvm(int kvm_fd)
{
	int ver = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	size_t i;

	if (ver != KVM_API_VERSION) {
		pr_err("KVM API version is %d, kite needs %d", ver, KVM_API_VERSION);
		return -1;
	}
	for (i = 0; i < kvm_nr_required_caps; i++) {
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
			pr_err("this KVM lacks KVM_CAP_%s, which kite needs", kvm_required_caps[i].name);
			return -1;
		}
	}
	return 0;
}

static int create_platform(struct vm *vm)
{
	u64 ident = KVM_IDENTITY_MAP_ADDR;

	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 ||
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
		pr_err("cannot set up the VM's TSS area: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP) < 0) {
		pr_err("cannot create the in-kernel irqchip: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int create_pit(struct vm *vm)
{
	/* The speaker port (0x61) is emulated in the kernel with the PIT. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		pr_err("cannot create the in-kernel PIT: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The two slow start-up calls, both asleep in the kernel rather than busy:
 * a memory slot waits for an SRCU grace period (4-10 ms measured here) and
 * the PIT for the creation of its kernel thread (0.4-7 ms). Nothing before
 * the first KVM_RUN needs either (kernels are loaded through our own
 * mapping), so the slots are registered on a thread while vCPUs are
 * created, the kernel loaded and devices set up, and the PIT is created
 * last, while that thread may still be waiting.
 */
static void *slow_setup(void *arg)
{
	struct vm *vm = arg;

	vm->setup_err = vm_register_memory(vm) ? -1 : 0;
	return NULL;
}

/* The thread inherits the signals vm_create blocked (vm_block_signals). */
static void start_slow_setup(struct vm *vm)
{
	vm->setup_pending = !pthread_create(&vm->setup_thread, NULL, slow_setup, vm);
	if (!vm->setup_pending)
		slow_setup(vm);
}

static void join_slow_setup(struct vm *vm)
{
	if (vm->setup_pending) {
		pthread_join(vm->setup_thread, NULL);
		vm->setup_pending = false;
	}
}

int vm_setup_finish(struct vm *vm)
{
	int pit = create_pit(vm);

	join_slow_setup(vm);
	return pit || vm->setup_err ? -1 : 0;
}

static int load_supported_cpuid(struct vm *vm)
{
	unsigned nent = 256;	/* one call: 64 took two (E2BIG), 0.25 ms each */

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG || nent >= 4096) {
			pr_err("cannot read KVM's supported CPUID: %s", strerror(errno));
			return -1;
		}
		nent *= 2;
	}
}

/* The parts that need no KVM: shared by vm_create and unit tests. */
int vm_init_bare(struct vm *vm, const struct vm_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->stop_efd = vm->ram_fd = -1;
	vm->cfg = cfg;
	bus_init(&vm->pio_bus, "pio");
	bus_init(&vm->mmio_bus, "mmio");
	atomic_init(&vm->stopping, 0);
	vm->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_efd < 0 || irq_init(vm)) {
		pr_err("cannot set up the VM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	unsigned i;
	int ret;

	if (vm_init_bare(vm, cfg))
		return -1;
	ret = vm_block_signals();
	if (ret) {
		pr_err("cannot block signals: %s", strerror(-ret));
		return -1;
	}
	vm->kvm_fd = open_kvm();
	if (vm->kvm_fd < 0 || check_kvm(vm->kvm_fd))
		return -1;
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size <= 0) {
		pr_err("cannot get the vCPU mmap size: %s", strerror(errno));
		return -1;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		pr_err("cannot create a VM: %s", strerror(errno));
		return -1;
	}
	if (create_platform(vm) || vm_init_memory(vm, cfg->ram_size))
		return -1;
	start_slow_setup(vm);
	if (load_supported_cpuid(vm))
		return -1;

	vm->nr_cpus = cfg->nr_cpus;
	vm->vcpus = calloc(vm->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -1;
	for (i = 0; i < vm->nr_cpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_cpus; i++)
		if (vcpu_create(vm, i))
			return -1;
	return 0;
}

int vm_on_exit(struct vm *vm, void (*fn)(void *arg), void *arg)
{
	struct vm_exit_hook *h = malloc(sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->arg = arg;
	h->next = vm->exit_hooks;	/* LIFO: last registered runs first */
	vm->exit_hooks = h;
	return 0;
}

int vm_add_source(struct vm *vm, const struct vm_source_ops *ops, void *arg)
{
	struct vm_source *src = malloc(sizeof(*src)), **tail = &vm->sources;

	if (!src)
		return -ENOMEM;
	*src = (struct vm_source){ .ops = ops, .arg = arg };
	while (*tail)
		tail = &(*tail)->next;
	*tail = src;	/* in registration order */
	return 0;
}

void vm_stop(struct vm *vm, int code)
{
	int expected = 0;
	u64 one = 1;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, 1))
		return;
	vm->stop_ns = now_ns();
	vm->exit_code = code;
	if (write(vm->stop_efd, &one, sizeof(one)) < 0)
		pr_warn("cannot signal VM stop: %s", strerror(errno));
}

void vm_destroy(struct vm *vm)
{
	unsigned i;

	/* Callers have stopped and joined the vCPUs (vm_run does). */
	join_slow_setup(vm);
	while (vm->exit_hooks) {
		struct vm_exit_hook *h = vm->exit_hooks;

		vm->exit_hooks = h->next;
		h->fn(h->arg);
		free(h);
	}
	for (i = 0; vm->vcpus && i < vm->nr_cpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vm->vcpus = NULL;
	free(vm->cpuid);
	vm->cpuid = NULL;
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	vm->ram_fd = -1;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_efd >= 0)
		close(vm->stop_efd);
	vm->vm_fd = vm->kvm_fd = vm->stop_efd = -1;
	while (vm->sources) {
		struct vm_source *src = vm->sources;

		vm->sources = src->next;
		free(src);
	}
	irq_exit(vm);
	bus_exit(&vm->pio_bus);
	bus_exit(&vm->mmio_bus);
}
