/* SPDX-License-Identifier: GPL-2.0 */
/* kite-init inside kite: kite_init_start .. kite_init_end (boot/initramfs.c). */
	.section .rodata.kite_init, "a"
	.balign 16
	.globl kite_init_start, kite_init_end
kite_init_start:
	.incbin KITE_INIT_PATH
kite_init_end:
	.section .note.GNU-stack, "", @progbits
