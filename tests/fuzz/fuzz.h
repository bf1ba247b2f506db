/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer harnesses share: a reader that turns the fuzzer's
 * bytes into values (running dry reads zeros, so every input is a whole
 * program), and a KVM-less VM with a small RAM bank, as the unit tests'
 * virtio-harness.h builds but without Check (a failed set-up aborts).
 * kite's diagnostics go to stderr: run.sh passes -close_fd_mask=2.
 */
#ifndef KITE_FUZZ_H
#define KITE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm.h"
#include "util.h"

struct fin {
	const u8 *p;
	size_t n;
};

static inline bool fin_empty(const struct fin *f) { return f->n == 0; }

static inline u64 fin_bytes(struct fin *f, unsigned len)
{
	u64 v = 0;
	unsigned k = len < f->n ? len : f->n;

	memcpy(&v, f->p, k);
	f->p += k;
	f->n -= k;
	return v;
}

static inline u8 fin_u8(struct fin *f)   { return fin_bytes(f, 1); }
static inline u16 fin_u16(struct fin *f) { return fin_bytes(f, 2); }
static inline u32 fin_u32(struct fin *f) { return fin_bytes(f, 4); }
static inline u64 fin_u64(struct fin *f) { return fin_bytes(f, 8); }

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

/* A bare VM (no KVM) with ram bytes of RAM at guest address 0. */
static inline void fuzz_vm_init(struct vm *vm, u64 ram)
{
	FUZZ_CHECK(vm_init_bare(vm, NULL) == 0);
	vm->nr_cpus = 1;
	if (!ram)
		return;
	vm->ram_size = ram;
	vm->ram = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FUZZ_CHECK(vm->ram != MAP_FAILED);
	vm->banks[0] = (struct mem_bank){ .gpa = 0, .size = ram, .hva = vm->ram };
	vm->nr_banks = 1;
}

#endif
