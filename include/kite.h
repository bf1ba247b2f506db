/* SPDX-License-Identifier: GPL-2.0 */
/* kite's commands: each is `int cmd_NAME(int argc, char **argv)`. */
#ifndef KITE_H
#define KITE_H

int cmd_run(int argc, char **argv);
int cmd_io(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);

/*
 * `git describe` of the source tree kite was built from, the first line
 * of its VERSION file, or "unknown" (scripts/version.sh).
 */
extern const char kite_version[];

#endif
