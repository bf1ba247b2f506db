// SPDX-License-Identifier: GPL-2.0
/* kite: a minimal KVM virtual machine monitor. Dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "kite.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "boot a guest kernel (kite run --help)" },
	{ "sandbox", cmd_sandbox, "run a command in a throwaway guest (kite sandbox --help)" },
	{ "io", cmd_io, "exercise a disk image, no guest (kite io --help)" },
	{ "version", cmd_version, "version, disk engines, KVM capabilities (also --version)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kite <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kite: error: unknown command '%s' (try: kite --help)\n", argv[1]);
	return 1;
}
