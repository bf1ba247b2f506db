// SPDX-License-Identifier: GPL-2.0
/* kite's version, from the build (Makefile: version.h); see include/kite.h. */
#include "kite.h"
#include "version.h"

const char kite_version[] = KITE_VERSION;
