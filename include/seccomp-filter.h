/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kite's syscall filter (util/seccomp.c, libseccomp). Once the machine is
 * built and before the first KVM_RUN, every thread of kite is confined
 * to the system calls a running VM needs (and ioctl to KVM's, the
 * terminal's and tun's, the block layer's): what a guest could make a
 * device do beyond that, it cannot. A forbidden call raises SIGSYS; the
 * handler names the call and the thread on stderr in one line, restores
 * the terminal and ends kite with the status the command chose. Set-up
 * (opening images, spawning helper daemons, creating the VM) happens
 * before, unfiltered; children started later would inherit the filter,
 * and none is.
 */
#ifndef KITE_SECCOMP_FILTER_H
#define KITE_SECCOMP_FILTER_H

/*
 * Install the filter on every thread of the process (TSYNC): 0, or
 * -errno after a one-line pr_err. exit_status: kite's status when a
 * thread breaks the filter.
 */
int seccomp_install(int exit_status);

/*
 * Test hook: when KITE_SECCOMP_SELFTEST names `where` ("worker": a
 * virtio device's worker thread), make a call the filter forbids, as a
 * compromised device thread would. Nothing otherwise.
 */
void seccomp_selftest(const char *where);

#endif
