// SPDX-License-Identifier: GPL-2.0
/*
 * kite-init: the guest's PID 1 for `kite sandbox`. A static program that
 * kite packs at run time into the initramfs (boot/cpio.c), with its
 * instructions beside it in /kite/instructions (sandbox.h describes the
 * format: NUL-terminated records, so any argument survives as given).
 *
 *   1. mount proc, sys, devtmpfs, a tmpfs on /tmp and /run
 *   2. with a shared root: the host's / read-only over virtio-fs under an
 *      overlay on tmpfs, the shares at their paths, switch to it
 *      (setup_root); the network (hook: setup_net)
 *   3. find the named virtio-console ports (kite.stdin, kite.stdout,
 *      kite.stderr, kite.control) through /sys/class/virtio-ports, make the
 *      first three the command's fd 0/1/2; without them, /dev/console
 *   4. fork and exec the command in its cwd with its environment;
 *      127 when it is not found, 126 when it cannot be executed
 *   5. reap every child (PID 1), forward the signals kite sends on the
 *      control port ("kill N\n") to the command's process group
 *   6. report "exit N\n" (N = the status, 128+S for signal S) on the
 *      control port, or "kite-init: exit N" on the console
 *   7. restart the machine: kite's mini kernel has no ACPI, so a power
 *      off would only halt; with reboot=k a restart reaches kite's i8042
 *      and kite ends the run.
 *
 * Failures of init itself are reported as status 125 with a reason on
 * stderr: kite tells them from the command's own status that way too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox-proto.h"

#define MAX_RECORDS	4096
#define MAX_MOUNTS	16
#define MAX_MODULES	64
/* finit_module: the kernel decompresses the file (linux/module.h). */
#define MODULE_INIT_COMPRESSED_FILE	4

/* Where the new root is assembled (in the initramfs, which stays below). */
#define ROOT_LOWER	"/kite/lower"	/* the host's root, read-only */
#define ROOT_RW		"/kite/rw"	/* tmpfs: the overlay's upper and work dirs */
#define ROOT_NEW	"/kite/root"	/* the overlay, then / */

struct share {
	char *tag, *path;
	bool ro;
};

struct instructions {
	char *argv[MAX_RECORDS + 1];
	char *envp[MAX_RECORDS + 1];
	unsigned argc, envc;
	const char *cwd;
	const char *root_tag;
	struct share mounts[MAX_MOUNTS];
	unsigned nr_mounts;
	bool verbose;
	bool ports;
	struct winsize tty;		/* SANDBOX_REC_TTY: ws_row 0 when none */
	const char *net;		/* SANDBOX_REC_NET, or NULL */
	const char *modules[MAX_MODULES];	/* SANDBOX_REC_MODULE, in load order */
	bool as_user;			/* SANDBOX_REC_USER: run as uid:gid */
	uid_t uid;
	gid_t gid;
	unsigned nr_modules;
};

/* How long the named ports may take to show up (their names come late). */
#define PORTS_WAIT_MS	10000

static bool verbose;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kite-init: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void mount_one(const char *src, const char *dir, const char *type, unsigned long flags)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, NULL) && errno != EBUSY && verbose)
		say("mount %s on %s: %m", type, dir);
}

static void mount_basics(void)
{
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC);
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV);
	mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV);
}

static int mount_share(const char *tag, const char *dir, unsigned long flags)
{
	if (!mount(tag, dir, "virtiofs", flags, NULL))
		return 0;
	if (errno == ENODEV)
		say("this kernel has no virtiofs (CONFIG_VIRTIO_FS): use kite's mini kernel "
		    "(make mini-kernel) or one with virtiofs, fuse and overlay");
	else
		say("mount virtiofs %s on %s: %m", tag, dir);
	return -1;
}

/* mkdir -p, for a share's mount point inside the overlay. */
static int make_path(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* "TAG:rw:PATH" or "TAG:ro:PATH" (kite's tags hold no ':'). */
static int parse_mount(struct instructions *ins, char *val)
{
	char *mode = strchr(val, ':'), *path = mode ? strchr(mode + 1, ':') : NULL;

	if (!path || path - mode != 3 || path[1] != '/' || ins->nr_mounts == MAX_MOUNTS) {
		say("bad share record '%s'", val);
		return -1;
	}
	*mode = *path = '\0';
	ins->mounts[ins->nr_mounts++] = (struct share){ val, path + 1, !strcmp(mode + 1, "ro") };
	return 0;
}

/* The overlay's options: the packed files (if any) above the host's root. */
static void overlay_opts(char *buf, size_t len)
{
	struct stat st;
	bool adds = !stat(SANDBOX_ADD_DIR, &st) && S_ISDIR(st.st_mode);

	snprintf(buf, len, "lowerdir=%s%s,upperdir=" ROOT_RW "/upper,workdir=" ROOT_RW "/work",
		 adds ? SANDBOX_ADD_DIR ":" : "", ROOT_LOWER);
}

/*
 * The host's root read-only (virtio-fs) under an overlay whose upper
 * layer is a tmpfs: the command may write anywhere, nothing reaches the
 * host. The overlay becomes / (as switch_root does: the initramfs stays
 * below, unreachable) with fresh proc, sys, dev, tmp, run; then the shares
 * (the current directory, --share) are mounted at their own paths on top.
 */
static int setup_root(const struct instructions *ins)
{
	char opts[256], path[4096];

	if (!ins->root_tag)
		return 0;	/* the command runs from the initramfs */
	mkdir(ROOT_LOWER, 0755);
	mkdir(ROOT_NEW, 0755);
	mount_one("tmpfs", ROOT_RW, "tmpfs", MS_NOSUID | MS_NODEV);
	if (mkdir(ROOT_RW "/upper", 0755) || mkdir(ROOT_RW "/work", 0755)) {
		say("tmpfs for the root's writable layer: %m");
		return -1;
	}
	if (mount_share(ins->root_tag, ROOT_LOWER, MS_RDONLY))
		return -1;
	overlay_opts(opts, sizeof(opts));
	if (mount("overlay", ROOT_NEW, "overlay", 0, opts)) {
		say("mount overlay (%s): %m%s", opts, errno == ENODEV ? " (no CONFIG_OVERLAY_FS)" : "");
		return -1;
	}
	if (chdir(ROOT_NEW) || mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/")) {
		say("switching to the new root: %m");
		return -1;
	}
	mount_basics();
	/* After the fresh /tmp and /run: a share may lie below them (a cwd in /tmp). */
	for (unsigned i = 0; i < ins->nr_mounts; i++) {
		const struct share *m = &ins->mounts[i];

		snprintf(path, sizeof(path), "%s", m->path);
		if (make_path(path)) {
			say("mkdir %s: %m", m->path);
			return -1;
		}
		if (mount_share(m->tag, path, m->ro ? MS_RDONLY : 0))
			return -1;
	}
	return 0;
}

/* ifr's interface up (and running), with its address and mask first when given. */
static int if_config(int sk, const char *name, const char *addr, unsigned prefix)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (addr) {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1 || ioctl(sk, SIOCSIFADDR, &ifr))
			return -1;
		sin->sin_addr.s_addr = htonl(~0u << (32 - prefix));
		if (ioctl(sk, SIOCSIFNETMASK, &ifr))
			return -1;
	}
	if (ioctl(sk, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(sk, SIOCSIFFLAGS, &ifr);
}

static int add_default_route(int sk, const char *gw)
{
	struct rtentry rt = { .rt_flags = RTF_UP | RTF_GATEWAY };
	struct sockaddr_in *g = (struct sockaddr_in *)&rt.rt_gateway;

	((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
	((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
	g->sin_family = AF_INET;
	if (inet_pton(AF_INET, gw, &g->sin_addr) != 1)
		return -1;
	return ioctl(sk, SIOCADDRT, &rt);
}

/*
 * An ARP announcement (RFC 5227: our address as sender and target, to
 * broadcast) once eth0 has its address. A guest configured statically may
 * send nothing until it connects somewhere itself, and passt learns the
 * guest's MAC only from the guest's frames: until then, what it sends the
 * guest (a forwarded port's SYN) goes to a MAC of zeros, which the guest
 * drops. It also tells a tap's bridge where we are.
 */
static int arp_announce(int sk, const char *name, const char *addr)
{
	struct {
		struct arphdr h;
		unsigned char sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
	} __attribute__((packed)) arp = {
		.h = { .ar_hrd = htons(ARPHRD_ETHER), .ar_pro = htons(ETH_P_IP),
		       .ar_hln = ETH_ALEN, .ar_pln = 4, .ar_op = htons(ARPOP_REQUEST) },
	};
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_halen = ETH_ALEN };
	struct ifreq ifr = { 0 };
	int ps, ret = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sk, SIOCGIFINDEX, &ifr))
		return -1;
	to.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(sk, SIOCGIFHWADDR, &ifr) || inet_pton(AF_INET, addr, arp.spa) != 1)
		return -1;
	memcpy(arp.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(arp.tpa, arp.spa, sizeof(arp.tpa));
	memset(to.sll_addr, 0xff, ETH_ALEN);
	ps = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (ps >= 0 && sendto(ps, &arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) ==
			       (ssize_t)sizeof(arp))
		ret = 0;
	if (ps >= 0)
		close(ps);
	return ret;
}

/* eth0 appears when virtio_net has probed: by init, in practice; a bound anyway. */
static bool wait_eth0(void)
{
	for (int i = 0; i < 200; i++) {
		if (!access("/sys/class/net/eth0", F_OK))
			return true;
		usleep(10000);
	}
	return false;
}

static int write_resolv_conf(const char *dns)
{
	FILE *f;

	mkdir("/etc", 0755);
	f = fopen("/etc/resolv.conf", "w");	/* the overlay's: the host keeps its own */
	if (!f || fprintf(f, "nameserver %s\n", dns) < 0 || fclose(f)) {
		say("/etc/resolv.conf: %m");
		return -1;
	}
	return 0;
}

/* "ADDR/N GW DNS", "-" for each part not given (SANDBOX_REC_NET). */
struct net_setup {
	char addr[20], gw[16], dns[16];
	unsigned prefix;
};

static int parse_net(const char *rec, struct net_setup *n)
{
	char *slash;

	if (sscanf(rec, "%19s %15s %15s", n->addr, n->gw, n->dns) != 3)
		return -1;
	slash = strchr(n->addr, '/');
	if (!slash)
		return strcmp(n->addr, "-") ? -1 : 0;
	*slash = '\0';
	return sscanf(slash + 1, "%u", &n->prefix) == 1 && n->prefix >= 1 && n->prefix <= 30 ? 0 : -1;
}

/* --net: lo and eth0 up, eth0's address, the default route, the resolver. */
static int setup_net(const struct instructions *ins)
{
	struct net_setup n = { .prefix = 0 };
	const char *addr = n.addr, *gw = n.gw, *dns = n.dns;
	unsigned prefix;
	int sk, ret = -1;

	if (!ins->net)
		return 0;
	if (parse_net(ins->net, &n)) {
		say("bad network record '%s'", ins->net);
		return -1;
	}
	prefix = n.prefix;
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0 || if_config(sk, "lo", NULL, 0)) {
		say("network: lo: %m");
	} else if (!wait_eth0()) {
		say("network: no eth0 (a kernel without virtio_net?)");
	} else if (if_config(sk, "eth0", strcmp(addr, "-") ? addr : NULL, prefix)) {
		say("network: eth0 %s: %m", addr);
	} else if (strcmp(gw, "-") && add_default_route(sk, gw)) {
		say("network: default route via %s: %m", gw);
	} else {
		/* Not fatal: the guest's first connection makes itself known too. */
		if (strcmp(addr, "-") && arp_announce(sk, "eth0", addr))
			say("network: eth0: ARP announcement: %m");
		ret = strcmp(dns, "-") ? write_resolv_conf(dns) : 0;
	}
	if (sk >= 0)
		close(sk);
	return ret;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) || st.st_size > SANDBOX_MAX_INSTRUCTIONS) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	if (buf) {
		buf[st.st_size] = '\0';
		*len = st.st_size;
	}
	return buf;
}

/* Records: a tag byte, the value, a NUL. Returns 0, or -1 with a reason said. */
static int parse_instructions(struct instructions *ins, char *buf, size_t len)
{
	size_t off = 0;

	if (len < sizeof(SANDBOX_MAGIC) || memcmp(buf, SANDBOX_MAGIC, sizeof(SANDBOX_MAGIC))) {
		say("%s: not kite sandbox instructions", SANDBOX_INSTRUCTIONS);
		return -1;
	}
	off = sizeof(SANDBOX_MAGIC);
	while (off < len) {
		char *rec = buf + off, *val = rec + 1;
		size_t n = strnlen(rec, len - off);

		if (n == len - off) {
			say("%s: record not terminated", SANDBOX_INSTRUCTIONS);
			return -1;
		}
		off += n + 1;
		switch (rec[0]) {
		case SANDBOX_REC_ARG:
			if (ins->argc == MAX_RECORDS)
				goto too_many;
			ins->argv[ins->argc++] = val;
			break;
		case SANDBOX_REC_ENV:
			if (ins->envc == MAX_RECORDS)
				goto too_many;
			ins->envp[ins->envc++] = val;
			break;
		case SANDBOX_REC_CWD:
			ins->cwd = val;
			break;
		case SANDBOX_REC_VERBOSE:
			ins->verbose = true;
			break;
		case SANDBOX_REC_PORTS:
			ins->ports = true;
			break;
		case SANDBOX_REC_ROOT:
			ins->root_tag = val;
			break;
		case SANDBOX_REC_MOUNT:
			if (parse_mount(ins, val))
				return -1;
			break;
		case SANDBOX_REC_NET:
			ins->net = val;
			break;
		case SANDBOX_REC_USER:
			if (sscanf(val, "%u:%u", &ins->uid, &ins->gid) != 2) {
				say("bad user record '%s'", val);
				return -1;
			}
			ins->as_user = true;
			break;
		case SANDBOX_REC_MODULE:
			if (ins->nr_modules == MAX_MODULES)
				goto too_many;
			ins->modules[ins->nr_modules++] = val;
			break;
		case SANDBOX_REC_TTY:
			if (sscanf(val, "%hu %hu", &ins->tty.ws_row, &ins->tty.ws_col) != 2)
				ins->tty.ws_row = 0;
			break;
		default:
			break;	/* a newer kite's record: not for us */
		}
	}
	if (!ins->argc) {
		say("no command given");
		return -1;
	}
	return 0;
too_many:
	say("more than %d arguments or variables, or %d modules", MAX_RECORDS, MAX_MODULES);
	return -1;
}

/*
 * A distro kernel's drivers, before anything looks for a device. One that
 * fails is said and skipped: what it drives is then missing, and the step
 * that needs it fails with its own reason.
 */
static void load_modules(const struct instructions *ins)
{
	for (unsigned i = 0; i < ins->nr_modules; i++) {
		const char *path = ins->modules[i], *ext = strrchr(path, '.');
		int flags = ext && strcmp(ext, ".ko") ? MODULE_INIT_COMPRESSED_FILE : 0;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST))
			say("module %s: %m", path);
		if (fd >= 0)
			close(fd);
	}
}

/* The /dev path of the virtio-console port called name in dev[]; false if none (yet). */
static bool find_port(const char *name, char *dev, size_t len)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[300], got[64] = "";
		int nfd;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", de->d_name);
		nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0)
			continue;
		n = read(nfd, got, sizeof(got) - 1);
		close(nfd);
		if (n <= 0)
			continue;
		got[n] = '\0';
		got[strcspn(got, "\n")] = '\0';
		if (!strcmp(got, name)) {
			snprintf(dev, len, "/dev/%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static int open_port(const char *name, int flags)
{
	char dev[300];
	int fd;

	if (!find_port(name, dev, sizeof(dev)))
		return -1;
	fd = open(dev, flags | O_CLOEXEC);
	if (fd < 0)
		say("open %s (%s): %m", dev, name);
	return fd;
}

/*
 * Linux creates a port's device when kite adds it, and learns its name
 * only from a later control message: wait (bounded) until every name is
 * there, or the command would start on the console.
 */
static int wait_ports(void)
{
	static const char *const names[] = { SANDBOX_PORT_STDIN, SANDBOX_PORT_STDOUT,
					     SANDBOX_PORT_STDERR, SANDBOX_PORT_CONTROL };
	char dev[300];

	for (unsigned waited = 0; waited < PORTS_WAIT_MS; waited += 2) {
		unsigned i;

		for (i = 0; i < 4 && find_port(names[i], dev, sizeof(dev)); i++)
			;
		if (i == 4)
			return 0;
		usleep(2000);
	}
	say("the virtio-console ports did not appear in %d ms", PORTS_WAIT_MS);
	return -1;
}

/* fd 0/1/2 for the command: the named ports, or what init was given (the console). */
static void setup_stdio(int *ctl)
{
	static const struct { const char *name; int flags; } ports[3] = {
		{ SANDBOX_PORT_STDIN, O_RDONLY },
		{ SANDBOX_PORT_STDOUT, O_WRONLY },
		{ SANDBOX_PORT_STDERR, O_WRONLY },
	};
	int console = open("/dev/console", O_RDWR | O_CLOEXEC);

	for (int i = 0; i < 3; i++) {
		int fd = open_port(ports[i].name, ports[i].flags);

		if (fd < 0 && fcntl(i, F_GETFD) >= 0)
			continue;
		if (fd < 0)
			fd = console;
		if (fd >= 0 && fd != i)
			dup2(fd, i);	/* dup2 clears CLOEXEC: the command inherits 0/1/2 */
		if (fd >= 0 && fd != console && fd != i)
			close(fd);
	}
	if (console > 2)
		close(console);
	*ctl = open_port(SANDBOX_PORT_CONTROL, O_RDWR | O_NONBLOCK);
}

static int exec_status(int err)
{
	return err == ENOENT || err == ENOTDIR ? SANDBOX_EXIT_NOT_FOUND : SANDBOX_EXIT_NOT_EXEC;
}

/* The command's end of the terminal: its controlling tty on fd 0, 1, 2. */
static void take_terminal(const char *slave)
{
	int fd = open(slave, O_RDWR);

	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0)) {
		say("terminal %s: %m", slave);
		_exit(SANDBOX_EXIT_FAILED);
	}
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static pid_t spawn(struct instructions *ins, const sigset_t *oldmask, const char *slave)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	setsid();	/* its own process group: signals from kite reach all of it */
	if (slave)
		take_terminal(slave);
	/* Before the cd: the user's own rights decide whether it may go there. */
	if (ins->as_user && (setgroups(0, NULL) || setgid(ins->gid) || setuid(ins->uid))) {
		say("cannot become %u:%u: %m", ins->uid, ins->gid);
		_exit(SANDBOX_EXIT_FAILED);
	}
	if (ins->cwd && chdir(ins->cwd)) {
		say("cd %s: %m", ins->cwd);
		_exit(SANDBOX_EXIT_FAILED);
	}
	/* execvpe searches the command's own PATH (envp), as a shell would. */
	for (unsigned i = 0; i < ins->envc; i++)
		if (!strncmp(ins->envp[i], "PATH=", 5))
			setenv("PATH", ins->envp[i] + 5, 1);
	execvpe(ins->argv[0], ins->argv, ins->envp);
	int err = errno;
	say("%s: %s", ins->argv[0], err == ENOENT ? "command not found" : strerror(err));
	_exit(exec_status(err));
}

/*
 * "kill N\n" on the control port: signal N to the command's group;
 * "winch R C\n": the terminal's new size.
 */
static void read_control(int ctl, pid_t cmd, int master)
{
	char buf[64];
	ssize_t n = read(ctl, buf, sizeof(buf) - 1);
	char *line, *save = NULL;

	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct winsize ws = { 0 };
		int sig;

		if (sscanf(line, "kill %d", &sig) == 1 && sig > 0 && sig < NSIG)
			kill(-cmd, sig);
		else if (master >= 0 && sscanf(line, "winch %hu %hu", &ws.ws_row, &ws.ws_col) == 2)
			ioctl(master, TIOCSWINSZ, &ws);	/* the kernel tells the command */
	}
}

/*
 * The terminal (SANDBOX_REC_TTY): a pty whose slave is the command's
 * controlling terminal and whose master init relays, both ways, to the
 * stdin and stdout ports (its fd 0 and 1), one buffer each way so that a
 * full side holds the other back instead of blocking init.
 */
struct relay {
	int from, to;
	char buf[4096];
	size_t len, off;
	bool eof;
};

static int open_terminal(const struct winsize *ws, char *slave, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, slave, len) ||
	    ioctl(m, TIOCSWINSZ, ws)) {
		say("a terminal for the command (/dev/ptmx, devpts): %m");
		if (m >= 0)
			close(m);
		return -1;
	}
	for (int fd = 0; fd < 2; fd++)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	return m;
}

/* pfd[0]: r's source while its buffer is empty; pfd[1]: its sink while not. */
static void relay_arm(const struct relay *r, struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = r->len || r->eof ? -1 : r->from, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = r->len ? r->to : -1, .events = POLLOUT };
}

static void relay_move(struct relay *r, const struct pollfd *pfd)
{
	ssize_t n;

	if (pfd[0].revents) {
		n = read(r->from, r->buf, sizeof(r->buf));
		if (n > 0) {
			r->len = n;
			r->off = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			r->eof = true;	/* EIO on the master: every slave fd is closed */
			/* kite's stdin ended: the terminal's end of file (^D). */
			if (r->from == 0 && write(r->to, "\x04", 1) != 1)
				say("the terminal's end of file: %m");
		}
	}
	if (pfd[1].revents) {
		n = write(r->to, r->buf + r->off, r->len - r->off);
		if (n > 0 && (r->off += n) == r->len)
			r->len = 0;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r->len = 0;	/* nobody reads: dropped */
	}
}

/* After the command: what it wrote last, until the terminal is quiet (bounded). */
static void relay_drain(struct relay *out)
{
	for (int idle = 0; idle < 10 && (out->len || !out->eof);) {
		struct pollfd pfd[2];

		relay_arm(out, pfd);
		if (poll(pfd, 2, 100) <= 0) {
			idle++;
			continue;
		}
		relay_move(out, pfd);
	}
}

/* Wait for the command, reaping every other child; its status as a shell says it. */
static int wait_command(pid_t cmd, int sfd, int ctl, int master)
{
	struct relay rel[2] = { { .from = 0, .to = master }, { .from = master, .to = 1 } };
	int ret = -1;

	while (ret < 0) {
		struct pollfd pfd[6] = { { .fd = sfd, .events = POLLIN },
					 { .fd = ctl, .events = POLLIN } };
		int status;
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == cmd)
				ret = WIFEXITED(status) ? WEXITSTATUS(status) :
				      128 + WTERMSIG(status);
		if (ret >= 0 || (pid < 0 && errno == ECHILD))
			break;
		for (int i = 0; i < 2 && master >= 0; i++)
			relay_arm(&rel[i], &pfd[2 + 2 * i]);
		if (poll(pfd, master >= 0 ? 6 : 2, -1) < 0 && errno != EINTR)
			return SANDBOX_EXIT_FAILED;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
				return SANDBOX_EXIT_FAILED;
		}
		if (ctl >= 0 && (pfd[1].revents & POLLIN))
			read_control(ctl, cmd, master);
		for (int i = 0; i < 2 && master >= 0; i++)
			relay_move(&rel[i], &pfd[2 + 2 * i]);
	}
	if (master >= 0)
		relay_drain(&rel[1]);
	return ret < 0 ? SANDBOX_EXIT_FAILED : ret;
}

static void report(int ctl, int status)
{
	char line[32];
	int n = snprintf(line, sizeof(line), SANDBOX_EXIT_FMT, status);

	if (ctl >= 0) {
		int fl = fcntl(ctl, F_GETFL);

		fcntl(ctl, F_SETFL, fl & ~O_NONBLOCK);
		if (write(ctl, line, n) == n)
			return;
	}
	/* No control port: kite reads this line from the console. */
	fprintf(stderr, "kite-init: %s", line);
}

static void power_off(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(void)
{
	static struct instructions ins;
	int status = SANDBOX_EXIT_FAILED, ctl = -1, sfd, master = -1;
	char slave[64];
	size_t len = 0;
	char *buf;
	sigset_t mask, oldmask;
	pid_t cmd;

	if (getpid() != 1) {
		fprintf(stderr, "kite-init: runs as a guest's PID 1 (kite sandbox)\n");
		return SANDBOX_EXIT_FAILED;
	}
	mount_basics();
	buf = read_file(SANDBOX_INSTRUCTIONS, &len);
	if (!buf) {
		say("cannot read %s: %m", SANDBOX_INSTRUCTIONS);
		goto out;
	}
	if (parse_instructions(&ins, buf, len))
		goto out;
	load_modules(&ins);
	if (ins.ports && wait_ports())
		goto out;
	setup_stdio(&ctl);
	verbose = ins.verbose;
	if (setup_root(&ins) || setup_net(&ins))
		goto out;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		say("signalfd: %m");
		goto out;
	}
	if (ins.tty.ws_row && (master = open_terminal(&ins.tty, slave, sizeof(slave))) < 0)
		goto out;
	cmd = spawn(&ins, &oldmask, master >= 0 ? slave : NULL);
	if (cmd < 0) {
		say("fork: %m");
		goto out;
	}
	status = wait_command(cmd, sfd, ctl, master);
out:
	fflush(stdout);
	report(ctl, status);
	power_off();
	return 0;
}
