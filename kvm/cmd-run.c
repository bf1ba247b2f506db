// SPDX-License-Identifier: GPL-2.0
/* `kite run`: parse options into a vm_config, build the VM, run it. */
#include <stdio.h>

#include "kite.h"
#include "kvm.h"

int cmd_run(int argc, char **argv)
{
	fprintf(stderr, "kite: error: run is not implemented yet\n");
	return KITE_EXIT_ERROR;
}
