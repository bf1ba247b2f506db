// SPDX-License-Identifier: GPL-2.0
/*
 * `--net` specs, and the user-mode backend: passt on a socketpair.
 *
 * passt runs as a child kite owns (child.h): in the foreground, one-off
 * (it quits when its one client, kite, closes the socket), quiet, with
 * the connected socket as fd 3 (--fd 3) and the forwards as -t/-u
 * HOST:GUEST. It needs no privilege. Run by root it would look up the
 * user nobody to drop to, which a minimal system may not list: kite names
 * uid/gid 65534 itself (--runas). Frames go through the stream backend (net-stream.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

/*
 * passt's own default MTU (65535 less an Ethernet header, rounded down to
 * 4 bytes), named to it with -m and to the guest through VIRTIO_NET_F_MTU
 * so that a guest with a static address (kite's sandbox init, a test's
 * script) uses it too, not only a DHCP client applying option 26: bulk
 * TCP then moves in 64 KiB frames, ~40x fewer frames and interrupts than
 * at 1500 (passt's framing carries no segmentation offload).
 */
#define PASST_MTU		65520
#define PASST_MTU_STR		"65520"

static int parse_mac(const char *s, u8 mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = v[i];
	return (mac[0] & 1) ? -EINVAL : 0;	/* a multicast address is no NIC's */
}

/* An IPv4 address in dotted form into buf[16]; with prefix, "/N" required. */
static int parse_ipv4(const char *s, char buf[16], unsigned *prefix)
{
	char copy[32], *slash;
	struct in_addr a;
	unsigned n;
	char end;

	if (strlen(s) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, s);
	slash = strchr(copy, '/');
	if (!prefix != !slash)
		return -EINVAL;
	if (slash) {
		*slash++ = '\0';
		if (sscanf(slash, "%u%c", &n, &end) != 1 || n < 1 || n > 30)
			return -EINVAL;
		*prefix = n;
	}
	if (inet_pton(AF_INET, copy, &a) != 1)
		return -EINVAL;
	strcpy(buf, copy);
	return 0;
}

static int parse_fwd(const char *s, struct net_fwd *f)
{
	unsigned host, guest;
	char end;

	if (!strncmp(s, "tcp:", 4))
		f->udp = false;
	else if (!strncmp(s, "udp:", 4))
		f->udp = true;
	else
		return -EINVAL;
	if (sscanf(s + 4, "%u:%u%c", &host, &guest, &end) != 2 || !host || !guest ||
	    host > 65535 || guest > 65535)
		return -EINVAL;
	f->host_port = host;
	f->guest_port = guest;
	return 0;
}

int net_parse_spec(const char *spec, struct net_spec *out)
{
	char *copy = strdup(spec), *save = NULL, *opt;
	int ret = 0;
	bool first = true;

	if (!copy)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	for (opt = strtok_r(copy, ",", &save); opt && !ret; opt = strtok_r(NULL, ",", &save), first = false) {
		if (first && !strcmp(opt, "user"))
			continue;
		if (first && !strncmp(opt, "tap=", 4)) {
			out->tap = true;
			if (!opt[4] || strlen(opt + 4) >= sizeof(out->tap_name))
				ret = -EINVAL;
			else
				strcpy(out->tap_name, opt + 4);
		} else if (first) {
			ret = -EINVAL;		/* user or tap=NAME comes first */
		} else if (!strncmp(opt, "mac=", 4)) {
			out->has_mac = true;
			ret = parse_mac(opt + 4, out->mac);
		} else if (!strncmp(opt, "addr=", 5)) {
			ret = parse_ipv4(opt + 5, out->addr, &out->prefix);
		} else if (!strncmp(opt, "gw=", 3)) {
			ret = parse_ipv4(opt + 3, out->gw, NULL);
		} else if (!strncmp(opt, "dns=", 4)) {
			ret = parse_ipv4(opt + 4, out->dns, NULL);
		} else if (!out->tap && !strncmp(opt, "fwd=", 4) &&
			   out->nr_fwds < NET_MAX_FWDS) {
			ret = parse_fwd(opt + 4, &out->fwds[out->nr_fwds++]);
		} else {
			ret = -EINVAL;
		}
		if (ret)
			pr_err("--net %s: bad '%s' (want user[,fwd=tcp|udp:HOSTPORT:GUESTPORT]... "
			       "or tap=NAME, each with optional mac=XX:XX:XX:XX:XX:XX, "
			       "addr=A.B.C.D/N, gw=A.B.C.D, dns=A.B.C.D)", spec, opt);
	}
	if (!ret && first) {
		pr_err("--net: empty spec (want user or tap=NAME)");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

/* passt's path: $KITE_PASST, or the first `passt` on $PATH; NULL if none. */
static char *passt_path(void)
{
	const char *env = getenv("KITE_PASST"), *path = getenv("PATH");
	char *dirs, *save = NULL, *d, *found = NULL;

	if (env && *env)
		return access(env, X_OK) ? NULL : strdup(env);
	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !found; d = strtok_r(NULL, ":", &save))
		if (asprintf(&found, "%s/passt", d) > 0 && access(found, X_OK)) {
			free(found);
			found = NULL;
		}
	free(dirs);
	return found;
}

/* The guest's set-up, when the spec names it: passt's options for it; how many. */
static unsigned passt_addr_args(const struct net_spec *spec, char **argv, char prefix[4])
{
	unsigned n = 0;

	if (spec->addr[0]) {
		snprintf(prefix, 4, "%u", spec->prefix);
		argv[n++] = "--address";
		argv[n++] = (char *)spec->addr;
		argv[n++] = "--netmask";
		argv[n++] = prefix;
	}
	if (spec->gw[0]) {
		argv[n++] = "--gateway";
		argv[n++] = (char *)spec->gw;
	}
	if (spec->dns[0]) {
		/*
		 * The guest asks dns=, passt forwards to the host's first
		 * resolver. Not --dns too: that would also make dns= the
		 * resolver passt forwards to, a loop to nowhere.
		 */
		argv[n++] = "--dns-forward";
		argv[n++] = (char *)spec->dns;
	}
	return n;
}

struct net_backend *net_passt_create(const struct net_spec *spec)
{
	/*
	 * passt, -f -1 -q -F 3, -m MTU, --runas ID, -a -n -g --dns-forward with
	 * their values, a -t/-u and its SPEC per forward, NULL.
	 */
	char *argv[10 + 10 + 2 * NET_MAX_FWDS + 1], ports[NET_MAX_FWDS][16], prefix[4];
	struct child_opts opts = { .nr_fds = 1, .quiet = spec->quiet };
	struct net_backend *be;
	unsigned argc = 0;
	char *path = passt_path();
	int sv[2], ret;

	if (!path) {
		pr_err("--net user needs passt, which is not installed (Debian package passt; "
		       "or set KITE_PASST)");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		pr_err("passt: socketpair: %m");
		free(path);
		return NULL;
	}
	argv[argc++] = path;
	argv[argc++] = "--foreground";
	argv[argc++] = "--one-off";
	argv[argc++] = "--quiet";
	argv[argc++] = "--fd";
	argv[argc++] = "3";
	argv[argc++] = "--mtu";
	argv[argc++] = PASST_MTU_STR;
	if (!geteuid()) {
		argv[argc++] = "--runas";
		argv[argc++] = "65534:65534";
	}
	argc += passt_addr_args(spec, argv + argc, prefix);
	for (unsigned i = 0; i < spec->nr_fwds; i++) {
		snprintf(ports[i], sizeof(ports[i]), "%u:%u", spec->fwds[i].host_port,
			 spec->fwds[i].guest_port);
		argv[argc++] = spec->fwds[i].udp ? "-u" : "-t";
		argv[argc++] = ports[i];
	}
	argv[argc] = NULL;
	be = net_stream_create(sv[0], "passt");
	if (!be) {
		pr_err("passt: out of memory");
		close(sv[0]);
		close(sv[1]);
		free(path);
		return NULL;
	}
	be->mtu = PASST_MTU;
	opts.fds[0] = sv[1];
	ret = child_spawn(&be->helper, "passt", argv, &opts);
	close(sv[1]);
	free(path);
	if (ret) {
		be->ops->destroy(be);
		return NULL;
	}
	return be;
}
