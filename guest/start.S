/*
 * PVH entry for kite's test guests: 32-bit protected mode, paging off,
 * %ebx = physical address of struct hvm_start_info. Sets a stack and
 * calls guest_main(start_info); if that returns, the guest stops.
 */
	.section .note.Xen, "a"
	.align 4
	.long 4			/* namesz: "Xen\0" */
	.long 4			/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

	.section .text.start, "ax"
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	pushl %ebx
	call guest_main
	call guest_exit
1:	hlt
	jmp 1b

	.section .bss
	.align 16
	.space 4096
stack_top:
