// SPDX-License-Identifier: GPL-2.0
/* `kite run`: parse options into a machine_config, build the machine, run it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kite.h"
#include "machine.h"
#include "net.h"

#define DEFAULT_RAM	(256 * MiB)

static const char run_usage[] =
"usage: kite run --kernel FILE [options]\n"
"\n"
"Boot a guest kernel: a Linux bzImage, or an ELF with a PVH entry note\n"
"(vmlinux built with CONFIG_PVH, or a freestanding guest). The console is\n"
"the guest's ttyS0 on this terminal; Ctrl-A x quits.\n"
"\n"
"  -k, --kernel FILE     kernel to boot (required)\n"
"  -i, --initrd FILE     initial ramdisk\n"
"  -c, --cmdline STRING  kernel command line (default: \"" BOOT_DEFAULT_CMDLINE "\")\n"
"  -n, --cpus N          number of vCPUs, 1..64 (default 1)\n"
"  -m, --mem SIZE        guest RAM, e.g. 512M, 4G (default 256M)\n"
"  -d, --disk SPEC       virtio-blk disk, repeatable (up to 16):\n"
"                        PATH[,ro][,cache=none|writeback][,engine=aio|uring|sync][,depth=N]\n"
"                        (default cache=none, engine=aio; where the file system\n"
"                        refuses O_DIRECT and no cache= is named: writeback,\n"
"                        engine uring or sync, said in one line)\n"
"      --net SPEC        virtio-net NIC, repeatable (up to 8):\n"
"                        user[,fwd=tcp|udp:HOSTPORT:GUESTPORT]... (passt: DHCP,\n"
"                        DNS, the host's address; no root) or tap=NAME (IFF_VNET_HDR,\n"
"                        offloads); both with optional ,mac=XX:XX:XX:XX:XX:XX and the\n"
"                        guest's ,addr=A.B.C.D/N,gw=A.B.C.D,dns=A.B.C.D (passt hands\n"
"                        them out and answers DNS at dns=)\n"
"      --rng             a virtio-rng device fed from the host's getrandom\n"
"      --share SPEC      a host directory for the guest (virtio-fs), repeatable:\n"
"                        HOSTDIR[,ro][,tag=NAME][,cache=auto|always|none] starts\n"
"                        /usr/lib/qemu/virtiofsd on it (ro: read-only in the daemon's\n"
"                        own mount namespace); socket=PATH,tag=NAME uses a running\n"
"                        vhost-user-fs daemon. Default tag: the directory's name; in\n"
"                        the guest: mount -t virtiofs TAG DIR. The daemon's\n"
"                        sandbox=namespace or chroot (default: chroot for / or on\n"
"                        an initramfs root, where pivot_root cannot work)\n"
"      --console serial|virtio\n"
"                        guest console on ttyS0 (default) or virtio-console hvc0\n"
"      --transport pci|mmio\n"
"                        virtio transport (default pci); mmio devices are announced\n"
"                        with virtio_mmio.device= on the command line\n"
"      --dump-dtb FILE   write the machine's flattened device tree to FILE\n"
"      --seccomp on|off  confine kite to the system calls a running VM needs\n"
"                        (default on; a forbidden call stops kite, status 2)\n"
"      --output text|json\n"
"                        json: end with one JSON line on stderr: exit status and\n"
"                        reason, guest run time, start-up figures (default text;\n"
"                        KITE_OUTPUT=json does the same)\n"
"  -h, --help            this text\n"
"\n"
"Exit status: 0 guest powered off or rebooted; 1 bad input or setup error;\n"
"2 guest fatal error (emulation failure, internal error); 3 guest triple\n"
"fault; 4 Ctrl-A x; 128+N killed by signal N (SIGINT, SIGTERM, SIGHUP).\n";

static const struct option run_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "cpus", required_argument, NULL, 'n' },
	{ "mem", required_argument, NULL, 'm' },
	{ "disk", required_argument, NULL, 'd' },
	{ "rng", no_argument, NULL, 'R' },
	{ "net", required_argument, NULL, 'N' },
	{ "share", required_argument, NULL, 'S' },
	{ "console", required_argument, NULL, 'C' },
	{ "transport", required_argument, NULL, 'T' },
	{ "dump-dtb", required_argument, NULL, 'D' },
	{ "seccomp", required_argument, NULL, 'X' },
	{ "output", required_argument, NULL, 'O' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_choice(const char *opt, const char *v, const char *a, const char *b,
			const char **out)
{
	if (strcmp(v, a) && strcmp(v, b)) {
		pr_err("--%s '%s': choose %s or %s", opt, v, a, b);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int add_disk(struct machine_config *cfg, const char *spec)
{
	if (cfg->nr_disks == KITE_MAX_DISKS) {
		pr_err("too many --disk options: at most %d", KITE_MAX_DISKS);
		return -E2BIG;
	}
	cfg->disks[cfg->nr_disks++] = spec;
	return 0;
}

/* A --net spec, checked now so a typo fails before anything is built. */
static int add_net(struct machine_config *cfg, const char *spec)
{
	struct net_spec parsed;

	if (cfg->nr_nets == KITE_MAX_NICS) {
		pr_err("too many --net options: at most %d", KITE_MAX_NICS);
		return -E2BIG;
	}
	if (net_parse_spec(spec, &parsed))
		return -EINVAL;
	cfg->nets[cfg->nr_nets++] = spec;
	return 0;
}

/* The daemon maps guest RAM: it must be a shared memfd. */
static int add_share(struct machine_config *cfg, const char *spec)
{
	if (cfg->nr_shares == KITE_MAX_SHARES) {
		pr_err("too many --share options: at most %d", KITE_MAX_SHARES);
		return -E2BIG;
	}
	cfg->shares[cfg->nr_shares++] = spec;
	cfg->vm.shared_ram = true;
	return 0;
}

/* Returns 0 to run, 1 when --help was printed, -1 on a bad option. */
static int parse_run_options(int argc, char **argv, struct machine_config *cfg,
			     const char **output)
{
	const char *console = NULL;
	int c;

	*cfg = (struct machine_config){ .vm = { .ram_size = DEFAULT_RAM, .nr_cpus = 1 } };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:c:n:m:d:h", run_options, NULL)) != -1) {
		switch (c) {
		case 'k': cfg->kernel = optarg; break;
		case 'i': cfg->initrd = optarg; break;
		case 'c': cfg->cmdline = optarg; break;
		case 'n':
			if (machine_parse_cpus(optarg, &cfg->vm.nr_cpus))
				return -1;
			break;
		case 'm':
			if (machine_parse_mem(optarg, &cfg->vm.ram_size))
				return -1;
			break;
		case 'd':
			if (add_disk(cfg, optarg))
				return -1;
			break;
		case 'R': cfg->rng = true; break;
		case 'N':
			if (add_net(cfg, optarg))
				return -1;
			break;
		case 'S':
			if (add_share(cfg, optarg))
				return -1;
			break;
		case 'C':
			if (parse_choice("console", optarg, "serial", "virtio", &console))
				return -1;
			cfg->console = strcmp(console, "virtio") ? MACHINE_CONSOLE_SERIAL :
								   MACHINE_CONSOLE_VIRTIO;
			break;
		case 'T':
			if (parse_choice("transport", optarg, "pci", "mmio", &cfg->transport))
				return -1;
			break;
		case 'D': cfg->dump_dtb = optarg; break;
		case 'X':
			if (machine_parse_seccomp(optarg, &cfg->seccomp_off))
				return -1;
			break;
		case 'O':
			if (parse_choice("output", optarg, "text", "json", output))
				return -1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		case ':':
			pr_err("option '%s' needs a value (see kite run --help)", argv[optind - 1]);
			return -1;
		default:
			pr_err("unknown option '%s' (see kite run --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see kite run --help)", argv[optind]);
		return -1;
	}
	if (!cfg->kernel) {
		pr_err("no kernel given: use --kernel FILE (see kite run --help)");
		return -1;
	}
	return 0;
}

/* Fail on unreadable files before touching KVM, so the error is the real one. */
static int check_inputs(const struct machine_config *cfg)
{
	if (access(cfg->kernel, R_OK)) {
		pr_err("cannot read kernel '%s': %s", cfg->kernel, strerror(errno));
		return -1;
	}
	if (cfg->initrd && access(cfg->initrd, R_OK)) {
		pr_err("cannot read initrd '%s': %s", cfg->initrd, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * --output, else KITE_OUTPUT: true for json. A KITE_OUTPUT that is
 * neither is bad input (-1), but only said when report is set: after a
 * bad option, that option's error is the one line.
 */
static int want_json(const char *output, bool report)
{
	const char *env = getenv("KITE_OUTPUT");

	if (output)
		return !strcmp(output, "json");
	if (!env || !strcmp(env, "text"))
		return 0;
	if (!strcmp(env, "json"))
		return 1;
	if (report)
		pr_err("KITE_OUTPUT '%s': choose text or json", env);
	return -1;
}

int cmd_run(int argc, char **argv)
{
	struct machine_config cfg;
	const char *output = NULL;
	struct run_stats st;
	struct machine m;
	bool have_stats;
	int ret = parse_run_options(argc, argv, &cfg, &output), json;

	if (ret > 0)
		return 0;	/* --help */
	json = want_json(output, !ret);
	if (ret || json < 0 || check_inputs(&cfg)) {
		ret = KITE_EXIT_ERROR;
		goto report;
	}
	cfg.vm.stats = getenv("KITE_STATS") || json;
	ret = KITE_EXIT_ERROR;
	if (!machine_build(&m, &cfg))
		ret = machine_run(&m);
	have_stats = stats_collect(&m.vm, &st);
	if (have_stats && getenv("KITE_STATS"))
		stats_print(stderr, &st);
	machine_destroy(&m);
	if (json > 0)
		run_report_print(ret, have_stats ? &st : NULL);
	return ret;
report:
	if (json > 0)
		run_report_print(ret, NULL);
	return ret;
}
