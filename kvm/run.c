// SPDX-License-Identifier: GPL-2.0
/*
 * Running a VM: the main thread starts the vCPUs, then owns everything
 * that is not guest execution: host signals (through a signalfd), console
 * input, and the stop event. Whoever stops the VM (a vCPU on guest
 * poweroff, a device on a fatal error, a signal, Ctrl-A x) calls
 * vm_stop(); the main thread then kicks every vCPU out of KVM_RUN and
 * joins it. Nothing is left running when vm_run returns.
 */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hw.h"
#include "kvm.h"
#include "term.h"

static void kick_handler(int sig)
{
	/* Only there to make KVM_RUN return EINTR. */
}

/* Block the stop signals everywhere (signalfd takes them) and the kick. */
static int setup_signals(sigset_t *stop)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t all;

	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGHUP);
	sigaddset(stop, SIGQUIT);
	all = *stop;
	sigaddset(&all, SIGUSR1);
	if (sigaction(SIGUSR1, &sa, NULL) || pthread_sigmask(SIG_BLOCK, &all, NULL))
		return -errno;
	/* A console reader that went away must not kill kite. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, stop, SFD_CLOEXEC | SFD_NONBLOCK);
}

struct console {
	struct serial8250 *uart;
	struct term_escape esc;
	bool in_open;		/* stdin not at EOF */
	char pending[256];	/* read from stdin, not yet taken by the UART */
	size_t npending, off;
};

/* Read stdin into the UART; clears c->in_open once stdin is closed. */
static void console_input(struct vm *vm, struct console *c)
{
	ssize_t n;
	bool quit = false;

	if (c->npending == c->off) {
		n = read(STDIN_FILENO, c->pending, sizeof(c->pending));
		if (n <= 0) {
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				c->in_open = false;
			return;
		}
		c->npending = term_escape_filter(&c->esc, c->pending, n, &quit);
		c->off = 0;
		if (quit) {
			vm_stop(vm, KITE_EXIT_USER);
			return;
		}
	}
	c->off += serial8250_feed(c->uart, (u8 *)c->pending + c->off, c->npending - c->off);
}

static void drain(int fd)
{
	u64 v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;		/* nonblocking: nothing there */
}

static void main_loop(struct vm *vm, int sigfd)
{
	const struct vm_config *cfg = vm->cfg;
	/* With --console virtio, the virtio console's own reader owns stdin. */
	bool virtio_console = cfg && cfg->console && !strcmp(cfg->console, "virtio");
	struct console con = { .uart = vm->serial, .in_open = vm->serial && !virtio_console };

	while (!vm_stopping(vm)) {
		struct pollfd fds[4] = {
			{ .fd = vm->stop_efd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		bool backlog = con.off < con.npending;

		/* Wait for room in the UART rather than read what cannot fit. */
		if (con.in_open && backlog)
			fds[3].fd = serial8250_room_fd(con.uart);
		else if (con.in_open)
			fds[2].fd = STDIN_FILENO;
		if (poll(fds, 4, -1) < 0)
			continue;
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si))
				vm_stop(vm, KITE_EXIT_SIGNAL + si.ssi_signo);
		}
		if (fds[3].revents & POLLIN)
			drain(fds[3].fd);
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL) || (fds[3].revents & POLLIN))
			console_input(vm, &con);
	}
}

int vm_run(struct vm *vm)
{
	sigset_t stop;
	int sigfd;
	unsigned i;

	if (vm_setup_wait(vm))
		return KITE_EXIT_ERROR;
	sigfd = setup_signals(&stop);
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
	term_restore();
	close(sigfd);
	return vm->exit_code;
}
