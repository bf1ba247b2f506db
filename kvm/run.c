// SPDX-License-Identifier: GPL-2.0
/*
 * Running a VM: the main thread starts the vCPUs, then owns everything
 * that is not guest execution: host signals (through a signalfd), console
 * input, the serial output stdout could not take at once (written out on
 * POLLOUT, so no vCPU ever waits for a reader), terminal resizes, and the
 * stop event. Whoever stops the VM (a vCPU on guest
 * poweroff, a device on a fatal error, a signal, Ctrl-A x) calls
 * vm_stop(); the main thread then kicks every vCPU out of KVM_RUN and
 * joins it, then flushes the serial output with a bounded wait. Nothing is
 * left running when vm_run returns.
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

void vm_term_resized(struct vm *vm)
{
	if (vm->term_resized)
		vm->term_resized(vm->term_resized_arg);
}

static void take_signal(struct vm *vm, int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH)
		vm_term_resized(vm);
	else
		vm_stop(vm, KITE_EXIT_SIGNAL + si.ssi_signo);
}

static void main_loop(struct vm *vm, int sigfd)
{
	const struct vm_config *cfg = vm->cfg;
	/* With --console virtio, the virtio console's own reader owns stdin. */
	bool virtio_console = cfg && cfg->console && !strcmp(cfg->console, "virtio");
	struct console con = { .uart = vm->serial, .in_open = vm->serial && !virtio_console };

	while (!vm_stopping(vm)) {
		struct pollfd fds[5] = {
			{ .fd = vm->stop_efd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = -1 },
		};
		bool backlog = con.off < con.npending;

		/* Wait for room in the UART rather than read what cannot fit. */
		if (con.in_open && backlog)
			fds[3].fd = serial8250_room_fd(con.uart);
		else if (con.in_open)
			fds[2].fd = STDIN_FILENO;
		if (vm->serial)
			serial8250_tx_poll(vm->serial, &fds[4]);
		if (poll(fds, 5, -1) < 0)
			continue;
		if (fds[1].revents & POLLIN)
			take_signal(vm, sigfd);
		if (fds[4].revents)
			serial8250_tx_flush(vm->serial);
		if (fds[3].revents & POLLIN)
			efd_drain(fds[3].fd);
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL) || (fds[3].revents & POLLIN))
			console_input(vm, &con);
	}
}

/*
 * The guest's last words reach a reader that keeps reading (`kite run |
 * cat` sees all of a normal run); a stdout nobody reads delays the exit
 * by at most SERIAL_FLUSH_STALL_MS.
 */
#define SERIAL_FLUSH_STALL_MS	500
#define SERIAL_FLUSH_MAX_MS	5000

/*
 * stderr can be the very pipe nobody reads (`2>&1`): say it only if the
 * line can go out now, never wait on it.
 */
static bool stderr_writable(void)
{
	struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

static void flush_serial(struct vm *vm)
{
	u64 dropped;

	if (!vm->serial)
		return;
	dropped = serial8250_tx_drain(vm->serial, SERIAL_FLUSH_STALL_MS, SERIAL_FLUSH_MAX_MS);
	if (dropped && stderr_writable())
		pr_warn("%llu bytes of serial output dropped (stdout not read)",
			(unsigned long long)dropped);
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
	flush_serial(vm);
	term_restore();
	close(sigfd);
	return vm->exit_code;
}
