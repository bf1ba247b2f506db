// SPDX-License-Identifier: GPL-2.0
/*
 * Running a VM: the main thread starts the vCPUs, then owns everything
 * that is not guest execution: host signals (through a signalfd), the
 * stop event, and the host events devices registered as sources
 * (vm_add_source: console input, serial output stdout could not take at
 * once, terminal resizes), so no vCPU ever waits on the host. Whoever
 * stops the VM (a vCPU on guest poweroff, a device on a fatal error, a
 * signal, Ctrl-A x) calls vm_stop(); the main thread then kicks every
 * vCPU out of KVM_RUN and joins it, then gives each source its bounded
 * last words (stopped). Nothing is left running when vm_run returns.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "kvm.h"
#include "term.h"

static void kick_handler(int sig)
{
	/* Only there to make KVM_RUN return EINTR. */
}

/* The signals the run loop takes through its signalfd. */
static void run_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGWINCH);	/* not a stop: the console follows the size */
}

/*
 * Blocked in the calling thread, and so in every thread it creates after:
 * a device thread that left one unblocked would take it instead of the
 * signalfd (SIGTERM would kill kite on the spot, SIGWINCH would vanish).
 * The kick is blocked too; only vCPU threads unblock it.
 */
int vm_block_signals(void)
{
	sigset_t set;

	run_signals(&set);
	sigaddset(&set, SIGUSR1);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set;

	if (sigaction(SIGUSR1, &sa, NULL) || vm_block_signals())
		return -1;
	/* A console reader that went away must not kill kite. */
	signal(SIGPIPE, SIG_IGN);
	run_signals(&set);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

void vm_term_resized(struct vm *vm)
{
	for (struct vm_source *src = vm->sources; src; src = src->next)
		if (src->ops->resized)
			src->ops->resized(src->arg);
}

static void take_signal(struct vm *vm, int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH) {
		vm_term_resized(vm);
		return;
	}
	for (struct vm_source *src = vm->sources; src; src = src->next)
		if (src->ops->signalled && src->ops->signalled(src->arg, si.ssi_signo))
			return;
	vm_stop(vm, KITE_EXIT_SIGNAL + si.ssi_signo);
}

static unsigned count_sources(struct vm *vm)
{
	unsigned n = 0;

	for (struct vm_source *src = vm->sources; src; src = src->next)
		n++;
	return n;
}

/* Wait for the stop, a signal, or a source's fd; hand each what it reported. */
static void main_loop(struct vm *vm, int sigfd)
{
	unsigned nsrc = count_sources(vm);
	struct pollfd *fds = calloc(2 + nsrc, sizeof(*fds));

	if (!fds) {
		pr_err("run loop: out of memory");
		vm_stop(vm, KITE_EXIT_ERROR);
		return;
	}
	while (!vm_stopping(vm)) {
		struct vm_source *src;
		unsigned i = 2;

		fds[0] = (struct pollfd){ .fd = vm->stop_efd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (src = vm->sources; src; src = src->next, i++) {
			fds[i] = (struct pollfd){ .fd = -1 };
			if (src->ops->poll)
				src->ops->poll(src->arg, &fds[i]);
		}
		if (poll(fds, 2 + nsrc, -1) < 0)
			continue;
		if (fds[1].revents & POLLIN)
			take_signal(vm, sigfd);
		for (src = vm->sources, i = 2; src; src = src->next, i++)
			if (fds[i].fd >= 0 && fds[i].revents && src->ops->ready)
				src->ops->ready(src->arg, fds[i].revents);
	}
	free(fds);
}

static void sources_stopped(struct vm *vm)
{
	for (struct vm_source *src = vm->sources; src; src = src->next)
		if (src->ops->stopped)
			src->ops->stopped(src->arg);
}

int vm_run(struct vm *vm)
{
	int sigfd;
	unsigned i;

	if (vm_setup_finish(vm))
		return KITE_EXIT_ERROR;
	sigfd = setup_signals();
	if (sigfd < 0) {
		pr_err("cannot set up signal handling: %s", strerror(errno));
		return KITE_EXIT_ERROR;
	}
	term_raw();
	for (i = 0; i < vm->nr_cpus; i++) {
		if (vcpu_start(&vm->vcpus[i])) {
			vm_stop(vm, KITE_EXIT_ERROR);
			break;
		}
	}
	main_loop(vm, sigfd);
	for (i = 0; i < vm->nr_cpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_cpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].thread_started = false;
	}
	sources_stopped(vm);
	term_restore();
	close(sigfd);
	return vm->exit_code;
}
