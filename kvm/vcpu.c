// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation (CPUID, MSRs, FPU, LAPIC wiring), one thread each
 * running KVM_RUN and dispatching exits, and the diagnostic dump.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

#define CPUID_TSC_DEADLINE	(1u << 24)
#define CPUID_HYPERVISOR	(1U << 31)	/* leaf 1 ECX */
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MISC_ENABLE_FAST_STRING	1ULL

#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_MODE_NMI		0x4
#define APIC_MODE_EXTINT	0x7

/* Each vCPU gets its own copy: the APIC IDs differ. */
static int setup_cpuid(struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *sup = vcpu->vm->cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	unsigned i;
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, sup, sz);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* Initial APIC ID in EBX[31:24]; say we are a guest. */
			e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
			e->ecx |= CPUID_HYPERVISOR;
			/*
			 * KVM emulates the TSC-deadline LAPIC timer but leaves
			 * it out of KVM_GET_SUPPORTED_CPUID. With it Linux
			 * needs no LAPIC timer calibration against the PIT,
			 * which under nested virtualization can fail ("APIC
			 * timer disabled due to verification failure").
			 */
			if (ioctl(vcpu->vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= CPUID_TSC_DEADLINE;
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC ID of this vCPU, per subleaf. */
			e->edx = vcpu->id;
			break;
		}
	}
	ret = ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	if (ret)
		pr_err("vCPU %u: cannot set CPUID: %s", vcpu->id, strerror(-ret));
	return ret;
}

static int setup_msrs(struct vcpu *vcpu)
{
	static const u32 zeroed[] = {
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[ARRAY_SIZE(zeroed) + 1];
	} m;
	unsigned i, n = 0;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < ARRAY_SIZE(zeroed); i++)
		m.e[n++].index = zeroed[i];
	m.e[n].index = MSR_IA32_MISC_ENABLE;
	m.e[n++].data = MISC_ENABLE_FAST_STRING;
	m.hdr.nmsrs = n;
	/*
	 * KVM sets MSRs in order and stops at the first it rejects; an MSR a
	 * given KVM does not know is not fatal for booting, so only note it.
	 */
	if (ioctl(vcpu->fd, KVM_SET_MSRS, &m) != (int)n)
		pr_debug("vCPU %u: KVM accepted only some initial MSRs", vcpu->id);
	return 0;
}

static int setup_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu = {
		.fcw = 0x37f,		/* x87 reset state: all exceptions masked */
		.mxcsr = 0x1f80,	/* SSE reset state */
	};

	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0) {
		pr_err("vCPU %u: cannot set FPU state: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	return 0;
}

static void set_lvt(struct kvm_lapic_state *l, unsigned reg, u32 mode)
{
	u32 *v = (u32 *)&l->regs[reg];

	*v = (*v & ~0x700U & ~(1U << 16)) | (mode << 8);
}

/*
 * Wire LINT0 as ExtINT and LINT1 as NMI, as PC firmware leaves them, so
 * PIC interrupts reach the CPU before the guest programs its IOAPIC.
 */
static int setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state l;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	set_lvt(&l, APIC_LVT0, APIC_MODE_EXTINT);
	set_lvt(&l, APIC_LVT1, APIC_MODE_NMI);
	return ioctl(vcpu->fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

int vcpu_create(struct vm *vm, unsigned id)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	void *run;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		pr_err("cannot create vCPU %u: %s", id, strerror(errno));
		return -1;
	}
	run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		pr_err("cannot map vCPU %u's run area: %s", id, strerror(errno));
		return -1;
	}
	vcpu->run = run;
	if (setup_cpuid(vcpu) || setup_msrs(vcpu) || setup_fpu(vcpu))
		return -1;
	if (setup_lapic(vcpu)) {
		pr_err("vCPU %u: cannot set up the local APIC: %s", id, strerror(errno));
		return -1;
	}
	return 0;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->vcpu_mmap_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

/* snprintf at buf + *len, keeping *len within size (what does not fit is cut). */
static void __printf(4, 5) dump_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = MIN(*len + n, size);
}

static void dump_insn(struct vcpu *vcpu, const struct kvm_regs *r, const struct kvm_sregs *s,
		      char *buf, size_t size, size_t *len)
{
	struct kvm_translation tr = { .linear_address = s->cs.base + r->rip };
	const u8 *p;
	int i;

	if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid) {
		dump_add(buf, size, len, "  code: (RIP not mapped)");
		return;
	}
	p = guest_ptr(vcpu->vm, tr.physical_address, 16);
	if (!p) {
		dump_add(buf, size, len, "  code: (RIP at 0x%llx is outside RAM)",
			 tr.physical_address);
		return;
	}
	dump_add(buf, size, len, "  code at 0x%llx:", tr.physical_address);
	for (i = 0; i < 16; i++)
		dump_add(buf, size, len, " %02x", p[i]);
}

/*
 * The guest decides when this runs (a triple fault, say), so it goes out
 * as one diagnostic: pr_info never blocks the vCPU thread for long on a
 * stderr nobody reads, and the lines arrive together.
 */
void vcpu_dump(struct vcpu *vcpu, const char *why)
{
	char buf[900];
	size_t len = 0;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		pr_info("vCPU %u: %s\n  (cannot read registers: %s)", vcpu->id, why,
			strerror(errno));
		return;
	}
	dump_add(buf, sizeof(buf), &len,
		 "  rip %016llx rsp %016llx rflags %08llx\n"
		 "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		 "  rsi %016llx rdi %016llx rbp %016llx\n"
		 "  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		 "  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		 "  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n"
		 "  cs %04x base %llx  ss %04x  ds %04x\n",
		 r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		 r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		 s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector, s.cs.base,
		 s.ss.selector, s.ds.selector);
	dump_insn(vcpu, &r, &s, buf, sizeof(buf), &len);
	pr_info("vCPU %u: %s\n%s", vcpu->id, why, buf);
}

/*
 * On AMD (SVM) KVM reinitializes the vCPU when it intercepts a shutdown:
 * the state is undefined after one, so by the time we see the exit the
 * registers are the reset vector's. A dump of those would send whoever
 * debugs the guest to 0xfffffff0; say so instead. (Intel keeps the state.)
 */
static bool vcpu_was_reset(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	return r.rip == 0xfff0 && s.cs.base == 0xffff0000 && !(s.cr0 & 1 /* CR0.PE */);
}

static void vcpu_dump_shutdown(struct vcpu *vcpu)
{
	if (vcpu_was_reset(vcpu))
		pr_info("vCPU %u: guest triple-faulted (shutdown)\n"
			"  (no registers to show: KVM reset the vCPU at the shutdown, as it "
			"does on AMD SVM)", vcpu->id);
	else
		vcpu_dump(vcpu, "guest triple-faulted (shutdown)");
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u8 *data = (u8 *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	u32 i;

	/* A rep ins/outs arrives as `count` accesses back to back. */
	for (i = 0; i < run->io.count; i++, data += run->io.size)
		bus_access(&vcpu->vm->pio_bus, run->io.port, data, run->io.size, out);
}

static void handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(vcpu->vm, KITE_EXIT_GUEST_OFF);
		break;
	default:
		pr_info("vCPU %u: guest reported a crash (system event %u)",
			vcpu->id, vcpu->run->system_event.type);
		vm_stop(vcpu->vm, KITE_EXIT_GUEST_FATAL);
	}
}

/* Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		bus_access(&vcpu->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data,
			   run->mmio.len, run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; kite always has one. */
		vm_stop(vcpu->vm, KITE_EXIT_GUEST_OFF);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vcpu_dump_shutdown(vcpu);
		vm_stop(vcpu->vm, KITE_EXIT_TRIPLE_FAULT);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error (suberror %u%s)",
			 run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			 ": instruction emulation failed" : "");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "VM entry failed (reason 0x%llx)",
			 run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		snprintf(why, sizeof(why), "unhandled exit reason %u", run->exit_reason);
		break;
	}
	vcpu_dump(vcpu, why);
	vm_stop(vcpu->vm, KITE_EXIT_GUEST_FATAL);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "kite-vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	/* Only vCPU threads take the kick signal; see vm_run. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (vcpu->id == 0)
		stats_first_run(vcpu->vm);

	while (!vm_stopping(vcpu->vm)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vCPU %u: KVM_RUN failed: %s", vcpu->id, strerror(errno));
			vm_stop(vcpu->vm, KITE_EXIT_GUEST_FATAL);
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret) {
		pr_err("cannot start vCPU %u's thread: %s", vcpu->id, strerror(ret));
		return -ret;
	}
	vcpu->thread_started = true;
	return 0;
}

/* Make a vCPU leave KVM_RUN now, or not enter it again. */
void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, SIGUSR1);
}
