// SPDX-License-Identifier: GPL-2.0
/*
 * `kite --version` (or `kite version`): kite's version, the disk engines
 * built in and whether each can run here, and what the KVM device offers,
 * or that there is none. Three lines, always exit status 0: a host
 * without KVM is a fact to report, not an error.
 *
 *   kite 34b1acb
 *   engines: aio, uring, sync
 *   kvm: /dev/kvm, API 12, vCPUs up to 1024 (recommended 2), capabilities kite needs: all 10
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "disk.h"
#include "kite.h"
#include "kvm.h"

static void print_engines(void)
{
	static const enum disk_engine engines[] = {
		DISK_ENGINE_AIO, DISK_ENGINE_URING, DISK_ENGINE_SYNC,
	};
	size_t i;

	printf("engines:");
	for (i = 0; i < ARRAY_SIZE(engines); i++) {
		char why[128];

		printf("%s %s", i ? "," : "", disk_engine_name(engines[i]));
		if (disk_engine_probe(engines[i], why, sizeof(why)))
			printf(" (not usable here: %s)", why);
	}
	printf("\n");
}

static void print_kvm(void)
{
	const char *path = kvm_dev_path();
	int fd = open(path, O_RDWR | O_CLOEXEC), api, max, rec;
	unsigned have = 0;
	size_t i;

	if (fd < 0) {
		if (errno == ENOENT)
			printf("kvm: no %s (%s)\n", path, strerror(errno));
		else
			printf("kvm: %s: %s\n", path, strerror(errno));
		return;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api < 0) {
		printf("kvm: %s is not a KVM device (%s)\n", path, strerror(errno));
		close(fd);
		return;
	}
	printf("kvm: %s, API %d", path, api);
	max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	rec = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && rec > 0)
		printf(", vCPUs up to %d (recommended %d)", max, rec);
	for (i = 0; i < kvm_nr_required_caps; i++)
		have += ioctl(fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) > 0;
	if (have == kvm_nr_required_caps) {
		printf(", capabilities kite needs: all %u\n", have);
	} else {
		printf(", lacks capabilities kite needs:");
		for (i = 0; i < kvm_nr_required_caps; i++)
			if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0)
				printf(" KVM_CAP_%s", kvm_required_caps[i].name);
		printf("\n");
	}
	close(fd);
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: kite --version (or kite version)\n\n"
		       "Print kite's version, the disk engines built in (and why one cannot\n"
		       "run here) and what the KVM device ($KITE_KVM_DEV, else /dev/kvm)\n"
		       "offers, or that there is none. Exit status 0 either way.\n");
		return 0;
	}
	if (argc > 1) {
		pr_err("version takes no arguments (got '%s')", argv[1]);
		return 1;
	}
	printf("kite %s\n", kite_version);
	print_engines();
	print_kvm();
	return 0;
}
