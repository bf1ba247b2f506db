// SPDX-License-Identifier: GPL-2.0
/*
 * `kite sandbox [options] -- CMD [ARGS]`: run one command in a throwaway
 * guest and leave with its status (issue 14). kite builds the initramfs
 * (kite-init, its instructions, --add files; cmd/sandbox-initramfs.c),
 * boots the mini kernel with named virtio-console ports for the command's
 * stdin, stdout and stderr and a control port, and reads the status back
 * on the control port ("exit N"). Kernel messages go to stderr only with
 * --verbose. The first SIGINT/SIGTERM/SIGHUP goes to the command (through
 * the control port, "kill N"); a second of the same stops the guest.
 *
 * The host's files: its root is shared read-only (virtio-fs, a virtiofsd
 * kite starts in a mount namespace where / is read-only) and kite-init
 * puts a tmpfs overlay above it, so the command may write anywhere and
 * nothing reaches the host; the current directory (unless --ro) and each
 * --share are shared read-write at their own paths on top.
 *
 * --net: virtio-net with passt or a tap, which kite-init configures
 * statically. --save-initramfs writes the initramfs out instead of
 * booting it, so that another VMM can boot the same sandbox (the bench
 * against QEMU does).
 */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kite.h"
#include "machine.h"
#include "net.h"
#include "sandbox.h"

#define SANDBOX_DEFAULT_RAM	(512 * MiB)
#define SANDBOX_MAX_ENV		256
#define SANDBOX_CMDLINE		"console=ttyS0 reboot=k panic=-1"

static const char sandbox_usage[] =
"usage: kite sandbox [options] [--] CMD [ARGS...]\n"
"\n"
"Run CMD in a throwaway guest: its stdin, stdout and stderr are kite's,\n"
"kept apart and byte-exact, and kite exits with its status. The guest sees\n"
"the host's files read-only, with a throwaway layer above them it may write\n"
"anywhere in, and the current directory read-write at the same path: CMD\n"
"runs there. Needs /usr/lib/qemu/virtiofsd (Debian package qemu-system-common).\n"
"\n"
"  -k, --kernel FILE     guest kernel (default: kite's mini kernel, `make mini-kernel`;\n"
"                        KITE_KERNEL names another)\n"
"      --modules DIR     the kernel's modules tree, for a distro kernel whose\n"
"                        virtio, virtiofs and overlay drivers are modules\n"
"                        (default: /lib/modules/RELEASE of the kernel's release)\n"
"  -n, --cpus N          vCPUs, 1..64 (default 1)\n"
"  -m, --mem SIZE        guest RAM (default 512M)\n"
"  -u, --user UID[:GID]  run CMD as that user (GID: UID's group in the host's\n"
"                        passwd, else UID); `--user $(id -u):$(id -g)` is you.\n"
"                        Default: root in the guest\n"
"  -e, --env VAR=VAL     set a variable for CMD (repeatable); CMD also gets\n"
"                        kite's PATH, HOME, TERM and LANG\n"
"  -s, --share DIR[,ro]  share another host directory read-write (ro: read-only)\n"
"                        at its own path (repeatable, up to 6)\n"
"      --ro              share the current directory read-only too\n"
"  -a, --add HOST[:GUEST]\n"
"                        pack a host file into the guest (at GUEST, default\n"
"                        the same path), above the host's root\n"
"      --net user|tap=NAME[,OPTS]\n"
"                        a network: user is passt (Debian package passt),\n"
"                        rootless, the guest 10.0.2.15/24, the host reached at\n"
"                        10.0.2.2, DNS at 10.0.2.3; tap=NAME a tap you own;\n"
"                        OPTS as kite run's --net (addr=A/N,gw=G,dns=D,fwd=...)\n"
"  -v, --verbose         show the kernel's and init's messages on stderr\n"
"      --log FILE        write the kernel's messages to FILE (stderr stays the\n"
"                        command's)\n"
"      --save-initramfs FILE\n"
"                        write the initramfs kite would boot (its init, CMD,\n"
"                        the shares' tags) to FILE and exit, to boot the same\n"
"                        sandbox elsewhere (its four ports and shares as kite\n"
"                        would give them)\n"
"      --seccomp on|off  confine kite to the system calls a running VM needs\n"
"                        (default on; a forbidden call stops kite, status 125)\n"
"  -h, --help            this text\n"
"\n"
"Exit status: CMD's own; 128+N when it died of signal N; 127 not found;\n"
"126 not executable; 125 kite or the guest failed (with a one-line reason).\n";

static const struct option sandbox_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "modules", required_argument, NULL, 'M' },
	{ "cpus", required_argument, NULL, 'n' },
	{ "mem", required_argument, NULL, 'm' },
	{ "env", required_argument, NULL, 'e' },
	{ "user", required_argument, NULL, 'u' },
	{ "add", required_argument, NULL, 'a' },
	{ "share", required_argument, NULL, 's' },
	{ "ro", no_argument, NULL, 'R' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "log", required_argument, NULL, 'L' },
	{ "seccomp", required_argument, NULL, 'X' },
	{ "net", required_argument, NULL, 'N' },
	{ "save-initramfs", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct sandbox {
	struct machine_config cfg;
	struct sandbox_spec spec;
	char *env[SANDBOX_MAX_ENV + 1];
	unsigned nr_env;
	char *kernel;			/* found default, owned */
	const char *modules_dir;	/* --modules */
	const char *save_initramfs;	/* --save-initramfs */
	const char *log_path;		/* --log */
	int log_fd;			/* --log's file, or -1 */
	struct sandbox_modules modules;
	char cwd[4096];
	int ctl_in[2], ctl_out[2];	/* control port: to the guest, from it */
	int initrd_fd;
	char initrd_path[64];
	unsigned signalled;		/* bit N: signal N already forwarded */
	char tty_size[24];		/* spec.tty_size */
	char net_spec[512];		/* cfg.nets[0], with passt's defaults filled in */
	char net_setup[64];		/* spec.net */
	char user[24];			/* spec.user: "UID:GID" */
	bool cwd_ro;			/* --ro */
	const char *extra[SANDBOX_MAX_MOUNTS - 1];	/* --share DIR[,ro] */
	unsigned nr_extra;
	char share_spec[KITE_MAX_SHARES][4200];	/* machine --share specs */
	char share_tag[KITE_MAX_SHARES][16];
	char share_path[KITE_MAX_SHARES][4096];
};

static int add_env(struct sandbox *sb, char *var)
{
	if (!strchr(var, '=') || *var == '=') {
		pr_err("-e '%s': give VAR=VALUE", var);
		return -1;
	}
	if (sb->nr_env == SANDBOX_MAX_ENV) {
		pr_err("too many variables: at most %d", SANDBOX_MAX_ENV);
		return -1;
	}
	sb->env[sb->nr_env++] = var;
	return 0;
}

/* passt's network when the user named none: QEMU's user-mode addresses. */
#define SANDBOX_NET_DEFAULTS	",addr=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3"

/*
 * --net: one NIC; its guest set-up goes to init as "ADDR/N GW DNS". With
 * passt and no addr=, kite picks the addresses (passt hands them out the
 * same) so that init configures them statically, without DHCP.
 */
static int setup_net(struct sandbox *sb, const char *spec)
{
	struct net_spec ns;
	char addr[24] = "-";

	if (sb->cfg.nr_nets) {
		pr_err("--net: one network only");
		return -1;
	}
	if (net_parse_spec(spec, &ns))
		return -1;
	if (snprintf(sb->net_spec, sizeof(sb->net_spec), "%s%s", spec,
		     ns.tap || ns.addr[0] ? "" : SANDBOX_NET_DEFAULTS) >= (int)sizeof(sb->net_spec) ||
	    net_parse_spec(sb->net_spec, &ns)) {
		pr_err("--net %s: too long", spec);
		return -1;
	}
	if (ns.addr[0])
		snprintf(addr, sizeof(addr), "%s/%u", ns.addr, ns.prefix);
	snprintf(sb->net_setup, sizeof(sb->net_setup), "%s %s %s", addr,
		 ns.gw[0] ? ns.gw : "-", ns.dns[0] ? ns.dns : "-");
	sb->cfg.nets[sb->cfg.nr_nets++] = sb->net_spec;
	sb->spec.net = sb->net_setup;
	return 0;
}

/* Returns 0 to run, 1 after --help, -1 on a bad option. */
/* A uid or gid: digits only, below (u32)-1. */
static bool parse_id(const char *s, const char **end, unsigned long *out)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &e, 10);
	*end = e;
	return !errno && *out < UINT32_MAX;
}

/* --user UID[:GID], numeric (the guest has no passwd of its own to ask). */
static int parse_user(struct sandbox *sb, const char *val)
{
	unsigned long uid, gid;
	const char *end;
	bool ok = parse_id(val, &end, &uid);

	if (ok && *end == ':') {
		ok = parse_id(end + 1, &end, &gid);
	} else if (ok) {
		struct passwd *pw = getpwuid(uid);

		gid = pw ? pw->pw_gid : uid;
	}
	if (!ok || *end) {
		pr_err("--user %s: want UID[:GID], numbers (e.g. --user $(id -u):$(id -g))", val);
		return -1;
	}
	snprintf(sb->user, sizeof(sb->user), "%lu:%lu", uid, gid);
	sb->spec.user = sb->user;
	return 0;
}

static int parse_sandbox_options(int argc, char **argv, struct sandbox *sb)
{
	int c;

	optind = 1;
	opterr = 0;
	/* '+': the first non-option is CMD, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:k:n:m:e:u:a:s:vh", sandbox_options, NULL)) != -1) {
		switch (c) {
		case 'k': sb->cfg.kernel = optarg; break;
		case 'M': sb->modules_dir = optarg; break;
		case 'n':
			if (machine_parse_cpus(optarg, &sb->cfg.vm.nr_cpus))
				return -1;
			break;
		case 'm':
			if (machine_parse_mem(optarg, &sb->cfg.vm.ram_size))
				return -1;
			break;
		case 'e':
			if (add_env(sb, optarg))
				return -1;
			break;
		case 'u':
			if (parse_user(sb, optarg))
				return -1;
			break;
		case 'a':
			if (sb->spec.nr_adds == SANDBOX_MAX_ADDS) {
				pr_err("too many --add options: at most %d", SANDBOX_MAX_ADDS);
				return -1;
			}
			sb->spec.adds[sb->spec.nr_adds++] = optarg;
			break;
		case 's':
			if (sb->nr_extra == ARRAY_SIZE(sb->extra)) {
				pr_err("too many --share options: at most %zu", ARRAY_SIZE(sb->extra));
				return -1;
			}
			sb->extra[sb->nr_extra++] = optarg;
			break;
		case 'R': sb->cwd_ro = true; break;
		case 'S': sb->save_initramfs = optarg; break;
		case 'v': sb->spec.verbose = true; break;
		case 'L': sb->log_path = optarg; break;
		case 'X':
			if (machine_parse_seccomp(optarg, &sb->cfg.seccomp_off))
				return -1;
			break;
		case 'N':
			if (setup_net(sb, optarg))
				return -1;
			break;
		case 'h':
			fputs(sandbox_usage, stdout);
			return 1;
		case ':':
			pr_err("option '%s' needs a value (see kite sandbox --help)", argv[optind - 1]);
			return -1;
		default:
			pr_err("unknown option '%s' (see kite sandbox --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		pr_err("no command given: kite sandbox [options] -- CMD [ARGS] (see kite sandbox --help)");
		return -1;
	}
	sb->spec.argv = argv + optind;
	return 0;
}

/* The caller's PATH, HOME, TERM and LANG, unless -e set them. */
static int inherit_env(struct sandbox *sb)
{
	static const char *const names[] = { "PATH", "HOME", "TERM", "LANG" };
	unsigned given = sb->nr_env;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len = strlen(names[i]);
		const char *v = getenv(names[i]);
		bool set = false;

		for (unsigned j = 0; j < given; j++)
			set |= !strncmp(sb->env[j], names[i], len) && sb->env[j][len] == '=';
		if (v && !set) {
			static char buf[ARRAY_SIZE(names)][4096];

			snprintf(buf[i], sizeof(buf[i]), "%s=%s", names[i], v);
			if (add_env(sb, buf[i]))
				return -1;
		}
	}
	sb->spec.env = sb->env;
	return 0;
}

/*
 * The kernel: --kernel, KITE_KERNEL, or the mini kernel `make
 * mini-kernel` cached last (guest/linux/build.sh touches its directory
 * each time it names it).
 */
static int find_kernel(struct sandbox *sb)
{
	const char *env = getenv("KITE_KERNEL"), *cache = getenv("KITE_KERNEL_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char pattern[4096];
	time_t newest = 0;
	glob_t g;

	if (sb->cfg.kernel || (env && (sb->cfg.kernel = env)))
		return 0;
	if (cache)
		snprintf(pattern, sizeof(pattern), "%s/*/bzImage", cache);
	else if (xdg)
		snprintf(pattern, sizeof(pattern), "%s/kite-kernel/*/bzImage", xdg);
	else
		snprintf(pattern, sizeof(pattern), "%s/.cache/kite-kernel/*/bzImage", home ? home : "");
	if (!glob(pattern, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct stat st;
			char *dir = strdup(g.gl_pathv[i]);

			if (dir && !stat(dirname(dir), &st) && st.st_mtime >= newest) {
				newest = st.st_mtime;
				free(sb->kernel);
				sb->kernel = strdup(g.gl_pathv[i]);
			}
			free(dir);
		}
		globfree(&g);
	}
	if (!sb->kernel) {
		pr_err("no guest kernel: build kite's mini kernel with `make mini-kernel`, or give --kernel FILE");
		return -1;
	}
	sb->cfg.kernel = sb->kernel;
	return 0;
}

/*
 * One virtio-fs share: host dir (absolute, no ',': the --share spec
 * syntax) as tag, mounted by kite-init at the same path unless it is
 * the root.
 */
static int add_share(struct sandbox *sb, const char *dir, bool ro, const char *what)
{
	unsigned i = sb->cfg.nr_shares;
	char *real = realpath(dir, NULL);

	if (!real) {
		pr_err("%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (strchr(real, ',') || strlen(real) >= sizeof(sb->share_path[i])) {
		pr_err("%s %s: kite cannot share a path with a ',' in it, or this long", what, real);
		free(real);
		return -1;
	}
	strcpy(sb->share_path[i], real);
	snprintf(sb->share_tag[i], sizeof(sb->share_tag[i]), i ? "kite-%u" : "kite-root", i);
	snprintf(sb->share_spec[i], sizeof(sb->share_spec[i]), "%s,tag=%s%s", real,
		 i ? sb->share_tag[i] : "kite-root", ro ? ",ro" : "");
	free(real);
	sb->cfg.shares[sb->cfg.nr_shares++] = sb->share_spec[i];
	sb->cfg.vm.shared_ram = true;
	if (!i)
		sb->spec.root_tag = sb->share_tag[i];
	else
		sb->spec.mounts[sb->spec.nr_mounts++] = (struct sandbox_mount){
			sb->share_tag[i], sb->share_path[i], ro };
	return 0;
}

_Static_assert(SANDBOX_MAX_MOUNTS + 1 <= KITE_MAX_SHARES, "the root and every mount are shares");

/* The host's root read-only, the current directory, the --share ones. */
static int setup_shares(struct sandbox *sb)
{
	if (access(VIRTIOFSD_PATH, X_OK)) {
		pr_err("kite sandbox shares the host's files through %s: %s (Debian package "
		       "qemu-system-common)", VIRTIOFSD_PATH, strerror(errno));
		return -1;
	}
	if (add_share(sb, "/", true, "the host's root"))
		return -1;
	if (strcmp(sb->cwd, "/") && add_share(sb, sb->cwd, sb->cwd_ro, "the current directory"))
		return -1;
	for (unsigned i = 0; i < sb->nr_extra; i++) {
		char *dir = strdup(sb->extra[i]), *opt;
		bool ro = false;
		int ret;

		if (!dir)
			return -1;
		opt = strchr(dir, ',');
		if (opt) {
			*opt++ = '\0';
			ro = !strcmp(opt, "ro");
			if (!ro) {
				pr_err("--share %s: unknown option '%s' (DIR or DIR,ro)", sb->extra[i], opt);
				free(dir);
				return -1;
			}
		}
		ret = add_share(sb, dir, ro, "--share");
		free(dir);
		if (ret)
			return -1;
	}
	return 0;
}

/*
 * "ROWS COLS" of kite's terminal when stdin and stdout are one (as
 * `docker run -t` decides): the command then gets a terminal too.
 */
static bool terminal_size(char *buf, size_t len)
{
	struct winsize ws;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row || !ws.ws_col)
		return false;
	snprintf(buf, len, "%u %u", ws.ws_row, ws.ws_col);
	return true;
}

/* --save-initramfs: the archive to a file of its own, for another VMM. */
static int save_initrd(const char *path, const struct cpio *c)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = fd < 0 ? -errno : write_full(fd, c->buf, c->len);

	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;	/* closed either way: no second close */
	if (ret) {
		pr_err("--save-initramfs %s: %s", path, strerror(-ret));
		return -1;
	}
	return 1;
}

/*
 * The initramfs in a memfd, booted as /proc/self/fd/N; 1 when it went
 * to --save-initramfs instead.
 */
static int make_initrd(struct sandbox *sb)
{
	struct cpio c = { 0 };	/* freed on every path, set up or not */
	int ret = -1;

	if (!getcwd(sb->cwd, sizeof(sb->cwd))) {
		pr_err("the current directory: %s", strerror(errno));
		return -1;
	}
	sb->spec.cwd = sb->cwd;
	sb->spec.ports = true;		/* setup_ports() */
	if (terminal_size(sb->tty_size, sizeof(sb->tty_size)))
		sb->spec.tty_size = sb->tty_size;
	if (sandbox_find_modules(sb->cfg.kernel, sb->modules_dir, sb->spec.net, &sb->modules))
		return -1;
	sb->spec.modules = &sb->modules;
	if (setup_shares(sb) || sandbox_initramfs(&sb->spec, &c))
		goto out;
	if (sb->save_initramfs) {
		ret = save_initrd(sb->save_initramfs, &c);
		goto out;
	}
	sb->initrd_fd = memfd_create("kite-initramfs", MFD_CLOEXEC);
	if (sb->initrd_fd < 0 || write_full(sb->initrd_fd, c.buf, c.len)) {
		pr_err("sandbox initramfs: %s", strerror(errno));
		goto out;
	}
	snprintf(sb->initrd_path, sizeof(sb->initrd_path), "/proc/self/fd/%d", sb->initrd_fd);
	sb->cfg.initrd = sb->initrd_path;
	ret = 0;
out:
	cpio_free(&c);
	return ret;
}

/* The run loop's signal hook: the first of each kind goes to the command. */
static bool sandbox_signalled(void *arg, int signo)
{
	struct sandbox *sb = arg;
	char line[32];
	int n;

	if (signo >= 32 || (sb->signalled & (1u << signo)))
		return false;	/* again: stop the guest, kite exits 128+N */
	sb->signalled |= 1u << signo;
	n = snprintf(line, sizeof(line), SANDBOX_KILL_FMT, signo);
	return write(sb->ctl_in[1], line, n) == n;
}

/* SIGWINCH: the command's terminal follows kite's. */
static void sandbox_resized(void *arg)
{
	struct sandbox *sb = arg;
	char size[24], line[48];
	int n;

	if (!sb->spec.tty_size || !terminal_size(size, sizeof(size)))
		return;
	n = snprintf(line, sizeof(line), "winch %s\n", size);
	if (write(sb->ctl_in[1], line, n) != n)
		pr_debug("sandbox: the resize did not reach the guest: %s", strerror(errno));
}

static const struct vm_source_ops sandbox_source_ops = {
	.signalled	= sandbox_signalled,
	.resized	= sandbox_resized,
};

static int setup_ports(struct sandbox *sb)
{
	struct machine_config *cfg = &sb->cfg;

	if (pipe2(sb->ctl_in, O_CLOEXEC | O_NONBLOCK) || pipe2(sb->ctl_out, O_CLOEXEC | O_NONBLOCK)) {
		pr_err("pipe: %s", strerror(errno));
		return -1;
	}
	cfg->console = MACHINE_CONSOLE_PORTS;
	/* On a terminal (raw while the guest runs), Ctrl-A x still quits. */
	cfg->ports[0] = (struct virtio_console_port){ SANDBOX_PORT_STDIN, STDIN_FILENO, -1,
						      isatty(STDIN_FILENO) };
	cfg->ports[1] = (struct virtio_console_port){ SANDBOX_PORT_STDOUT, -1, STDOUT_FILENO };
	cfg->ports[2] = (struct virtio_console_port){ SANDBOX_PORT_STDERR, -1, STDERR_FILENO };
	cfg->ports[3] = (struct virtio_console_port){ SANDBOX_PORT_CONTROL, sb->ctl_in[0],
						      sb->ctl_out[1] };
	cfg->nr_ports = 4;
	if (sb->log_path) {
		sb->log_fd = open(sb->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (sb->log_fd < 0) {
			pr_err("--log %s: %s", sb->log_path, strerror(errno));
			return -1;
		}
	}
	cfg->log_fd = sb->log_fd >= 0 ? sb->log_fd : sb->spec.verbose ? STDERR_FILENO : -1;
	cfg->seccomp_status = SANDBOX_EXIT_FAILED;
	/* The kernel speaks where someone listens; init's notes stay --verbose's. */
	cfg->cmdline = sb->spec.verbose || sb->log_path ? SANDBOX_CMDLINE :
			SANDBOX_CMDLINE " quiet loglevel=0";
	return 0;
}

/*
 * The command's status in what the guest's init sent on the control port:
 * the first line that is exactly SANDBOX_EXIT_FMT with N in 0..255 (the
 * port is the guest's, so anything else on it is skipped, NUL bytes
 * included); -1 when there is none.
 */
int sandbox_exit_status(const char *buf, size_t len)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len, k = at + 5;
		int status = 0;

		if (nl && end - at >= 6 && end - at <= 8 && !memcmp(buf + at, "exit ", 5)) {
			while (k < end && buf[k] >= '0' && buf[k] <= '9')
				status = status * 10 + buf[k++] - '0';
			if (k == end && status <= 255)
				return status;
		}
		at = end + 1;
	}
	return -1;
}

static int read_status(struct sandbox *sb)
{
	char buf[256];
	ssize_t n = read(sb->ctl_out[0], buf, sizeof(buf));

	return n > 0 ? sandbox_exit_status(buf, n) : -1;
}

/* What kite exits with, from the run's end and the guest's word. */
static int sandbox_status(struct sandbox *sb, int run)
{
	int status = read_status(sb);

	if (run >= KITE_EXIT_SIGNAL)
		return run;	/* a second signal stopped the guest: as if it killed us */
	if (run == KITE_EXIT_USER) {
		pr_err("stopped with Ctrl-A x before the command ended");
		return SANDBOX_EXIT_FAILED;
	}
	if (run != KITE_EXIT_GUEST_OFF) {
		pr_err("the guest failed (kite run status %d); --verbose or --log FILE shows its messages",
		       run);
		return SANDBOX_EXIT_FAILED;
	}
	if (status < 0) {
		pr_err("the guest stopped before the command's status came (--verbose or --log FILE shows why)");
		return SANDBOX_EXIT_FAILED;
	}
	return status;
}

static void sandbox_free(struct sandbox *sb)
{
	int *fds[] = { &sb->ctl_in[0], &sb->ctl_in[1], &sb->ctl_out[0], &sb->ctl_out[1],
		       &sb->initrd_fd, &sb->log_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	sandbox_modules_free(&sb->modules);
	free(sb->kernel);
}

int cmd_sandbox(int argc, char **argv)
{
	static struct sandbox sb;
	struct run_stats st;
	struct machine m;
	int ret;

	sb = (struct sandbox){
		.cfg = { .vm = { .ram_size = SANDBOX_DEFAULT_RAM, .nr_cpus = 1 } },
		.ctl_in = { -1, -1 }, .ctl_out = { -1, -1 }, .initrd_fd = -1, .log_fd = -1,
	};
	ret = parse_sandbox_options(argc, argv, &sb);
	if (ret > 0)
		return 0;
	if (!ret && !(ret = inherit_env(&sb)) && !(ret = find_kernel(&sb)) &&
	    !(ret = make_initrd(&sb)))
		ret = setup_ports(&sb);
	if (ret) {
		sandbox_free(&sb);
		return ret > 0 ? 0 : SANDBOX_EXIT_FAILED;	/* > 0: saved, not booted */
	}
	if (access(sb.cfg.kernel, R_OK)) {
		pr_err("cannot read kernel '%s': %s", sb.cfg.kernel, strerror(errno));
		sandbox_free(&sb);
		return SANDBOX_EXIT_FAILED;
	}
	ret = SANDBOX_EXIT_FAILED;
	sb.cfg.vm.stats = getenv("KITE_STATS");
	if (!machine_build(&m, &sb.cfg) && !vm_add_source(&m.vm, &sandbox_source_ops, &sb))
		ret = sandbox_status(&sb, machine_run(&m));
	if (sb.cfg.vm.stats && stats_collect(&m.vm, &st))
		stats_print(stderr, &st);	/* after the command's own stderr */
	machine_destroy(&m);
	sandbox_free(&sb);
	return ret;
}
