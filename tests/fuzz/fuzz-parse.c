// SPDX-License-Identifier: GPL-2.0
/*
 * kite's command-line parsers a user (or a script built from untrusted
 * names) feeds: sizes (--mem, kite io), --disk specs, engine names. The
 * first byte picks the parser, the rest is the NUL-terminated string.
 */
#include "disk.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct disk_opts opts;
	enum disk_engine engine;
	char err[256], *path = NULL, *s;
	u64 v;

	if (!size)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	FUZZ_CHECK(s);
	switch (data[0] % 3) {
	case 0:
		parse_size(s, &v);
		break;
	case 1:
		memset(&opts, 0, sizeof(opts));
		if (!disk_parse_spec(s, &path, &opts, err, sizeof(err))) {
			FUZZ_CHECK(path);
			FUZZ_CHECK(strlen(path) <= strlen(s));
		}
		free(path);
		break;
	case 2:
		disk_parse_engine(s, &engine);
		break;
	}
	free(s);
	return 0;
}
