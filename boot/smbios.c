// SPDX-License-Identifier: GPL-2.0
/*
 * SMBIOS 3.0 (DMTF DSP0134): who made the machine, for the guest's
 * /sys/class/dmi/id, dmidecode and the kernel's "DMI:" boot line (without
 * it Linux says "DMI not present or invalid"). Linux finds the 64-bit
 * entry point by scanning 0xF0000-0xFFFFF on 16-byte boundaries, on the
 * bzImage and the PVH path alike.
 *
 * Structures: BIOS (type 0, flagged as a virtual machine), system (type 1,
 * with a random UUID per VM, as a new machine would have), chassis (3),
 * boot information (32) and the end marker (127). No processor or memory
 * devices: the guest has CPUID and the e820 map for those.
 */
#include <string.h>
#include <sys/random.h>

#include "boot.h"

#define SMBIOS_ENTRY_LEN	24
#define SMBIOS_BIOS_DATE	"11/22/2026"	/* the format DSP0134 asks for */

struct smbios_writer {
	u8 *buf;
	u64 len, used;
	u16 handle;
	u8 *strings_of;		/* the structure whose strings are being added */
	u8 nr_strings;
	bool overflow;
};

static u8 *put(struct smbios_writer *w, const void *data, u64 n)
{
	u8 *p = w->buf + w->used;

	if (w->overflow || n > w->len - w->used) {
		w->overflow = true;
		return NULL;
	}
	memcpy(p, data, n);
	w->used += n;
	return p;
}

/* Start a structure of type and formatted length len (zeroed past the header). */
static u8 *structure(struct smbios_writer *w, u8 type, u8 len)
{
	u8 hdr[64] = { type, len, w->handle & 0xff, w->handle >> 8 };

	w->handle++;
	w->nr_strings = 0;
	return w->strings_of = put(w, hdr, len);
}

/* Add a string to the current structure: its number, for a field. */
static u8 string(struct smbios_writer *w, const char *s)
{
	put(w, s, strlen(s) + 1);
	return ++w->nr_strings;
}

/* Close the string set: one more NUL, or two when it is empty. */
static void end_structure(struct smbios_writer *w)
{
	static const u8 zeros[2];

	put(w, zeros, w->nr_strings ? 1 : 2);
}

static void bios(struct smbios_writer *w)
{
	u8 *s = structure(w, 0, 0x1a);
	u8 vendor = string(w, "kite"), version = string(w, "kite"), date = string(w, SMBIOS_BIOS_DATE);

	if (!s)
		return;
	s[4] = vendor;
	s[5] = version;
	s[8] = date;
	s[0x0a] = 1 << 3;	/* characteristics: not supported */
	s[0x13] = 1 << 4;	/* extension byte 2: a virtual machine */
	s[0x14] = s[0x15] = 0;	/* BIOS release 0.0 */
	s[0x16] = s[0x17] = 0xff;	/* no embedded controller */
	end_structure(w);
}

static void system_info(struct smbios_writer *w, const u8 uuid[16])
{
	u8 *s = structure(w, 1, 0x1b);
	u8 maker = string(w, "kite"), product = string(w, "kite VM"),
	   family = string(w, "Virtual Machine");

	if (!s)
		return;
	s[4] = maker;
	s[5] = product;
	memcpy(s + 8, uuid, 16);
	s[0x18] = 6;		/* woken by: power switch */
	s[0x1a] = family;
	end_structure(w);
}

static void chassis(struct smbios_writer *w)
{
	u8 *s = structure(w, 3, 0x15);
	u8 maker = string(w, "kite");

	if (!s)
		return;
	s[4] = maker;
	s[5] = 1;			/* type: other */
	s[9] = s[0x0a] = s[0x0b] = 3;	/* boot-up, power supply, thermal: safe */
	s[0x0c] = 3;			/* security: none */
	end_structure(w);
}

static void tail(struct smbios_writer *w)
{
	if (structure(w, 32, 0x0b))	/* boot information: no errors */
		end_structure(w);
	if (structure(w, 127, 4))	/* end of table */
		end_structure(w);
}

int smbios_build(u8 *buf, u64 len, u64 gpa, const u8 uuid[16])
{
	struct smbios_writer w = { .buf = buf, .len = len, .used = SMBIOS_ENTRY_LEN };
	u8 *ep = buf;
	u32 table_len;

	if (len < SMBIOS_ENTRY_LEN)
		return -ENOSPC;
	bios(&w);
	system_info(&w, uuid);
	chassis(&w);
	tail(&w);
	if (w.overflow)
		return -ENOSPC;
	table_len = w.used - SMBIOS_ENTRY_LEN;

	memset(ep, 0, SMBIOS_ENTRY_LEN);
	memcpy(ep, "_SM3_", 5);
	ep[6] = SMBIOS_ENTRY_LEN;
	ep[7] = 3;		/* version 3.0 */
	ep[10] = 1;		/* entry point revision: 3.0 */
	memcpy(ep + 12, &table_len, 4);
	gpa += SMBIOS_ENTRY_LEN;
	memcpy(ep + 16, &gpa, 8);
	ep[5] = boot_checksum(ep, SMBIOS_ENTRY_LEN);
	return 0;
}

int smbios_setup(struct vm *vm)
{
	u64 len = BOOT_SMBIOS_END - BOOT_SMBIOS;
	u8 *buf = guest_ptr(vm, BOOT_SMBIOS, len);
	u8 uuid[16];

	if (!buf)
		return -EINVAL;
	if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid))
		return -errno;
	/* RFC 4122 version 4 (random); SMBIOS stores the first three fields
	 * little-endian, so the version nibble is in byte 7. */
	uuid[7] = (uuid[7] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	return smbios_build(buf, len, BOOT_SMBIOS, uuid);
}
