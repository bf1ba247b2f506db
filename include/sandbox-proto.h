/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `kite sandbox` and its guest init (guest/init/init.c) agree on.
 * Standalone (no kite header): the init is a separate static program.
 *
 * Instructions: the file SANDBOX_INSTRUCTIONS in the initramfs kite
 * writes. SANDBOX_MAGIC with its NUL, then records, each a tag byte, a
 * value and a NUL (no length limit but the file's; arguments stay byte
 * for byte as given, since none can hold a NUL). Unknown tags are skipped,
 * so a newer kite can add records (the virtio-fs and network set-up will).
 *
 * Streams: virtio-console ports named below; the command's status goes
 * back as one line SANDBOX_EXIT_FMT on the control port, and kite asks
 * for signals with "kill N\n" on it.
 */
#ifndef KITE_SANDBOX_PROTO_H
#define KITE_SANDBOX_PROTO_H

#define SANDBOX_INIT_PATH	"/init"
#define SANDBOX_INSTRUCTIONS	"/kite/instructions"
#define SANDBOX_MAGIC		"kite-sandbox-1"
#define SANDBOX_MAX_INSTRUCTIONS (4 << 20)

#define SANDBOX_REC_ARG		'a'	/* one argv entry, in order */
#define SANDBOX_REC_ENV		'e'	/* VAR=VAL */
#define SANDBOX_REC_CWD		'c'	/* directory to run in */
#define SANDBOX_REC_VERBOSE	'v'	/* init says what it does */
#define SANDBOX_REC_PORTS	'p'	/* the named ports below are there: wait for them */
#define SANDBOX_REC_ROOT	'r'	/* virtio-fs tag of the host's root: overlay it */
#define SANDBOX_REC_MOUNT	'm'	/* "TAG:rw:PATH" or "TAG:ro:PATH": a share at PATH */
/*
 * "ROWS COLS": kite's stdin and stdout are a terminal, so the command gets
 * one: a pty whose master init relays to the stdin and stdout ports; kite
 * sends "winch ROWS COLS\n" on the control port when its terminal resizes.
 */
#define SANDBOX_REC_TTY		't'
/*
 * "ADDR/N GW DNS" (each "-" when not set): eth0's IPv4 set-up, static
 * (kite sandbox --net; passt hands out the same). lo and eth0 come up.
 */
#define SANDBOX_REC_NET		'n'
/*
 * A kernel module to load before anything else (a distro kernel's
 * virtio drivers), its path in the initramfs, one record each in load
 * order. A .ko.xz, .ko.zst or .ko.gz is handed to the kernel to
 * decompress (finit_module's MODULE_INIT_COMPRESSED_FILE).
 */
#define SANDBOX_REC_MODULE	'k'
#define SANDBOX_MODULE_DIR	"/kite/modules"
/* "UID:GID": the command runs as that user, with no supplementary groups. */
#define SANDBOX_REC_USER	'u'

/*
 * With a shared root, the guest's / is an overlay: a tmpfs on top of
 * the files kite packed (--add, under SANDBOX_ADD_DIR at their guest
 * paths) on top of the host's root, read-only.
 */
#define SANDBOX_ADD_DIR		"/kite/add"

#define SANDBOX_PORT_STDIN	"kite.stdin"
#define SANDBOX_PORT_STDOUT	"kite.stdout"
#define SANDBOX_PORT_STDERR	"kite.stderr"
#define SANDBOX_PORT_CONTROL	"kite.control"

#define SANDBOX_EXIT_FMT	"exit %d\n"
#define SANDBOX_KILL_FMT	"kill %d\n"
#define SANDBOX_WINCH_FMT	"winch %u %u\n"

/* Exit statuses (as libkrun/muvm and shells give them). */
#define SANDBOX_EXIT_FAILED	125	/* kite or the guest failed */
#define SANDBOX_EXIT_NOT_EXEC	126
#define SANDBOX_EXIT_NOT_FOUND	127

#endif
