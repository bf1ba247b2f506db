// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed-hardware ACPI PM registers the FADT (boot/acpi.c) points at:
 *
 *   ACPI_PM_BASE + 0  PM1a_STS  (2 bytes, write 1 to clear)
 *   ACPI_PM_BASE + 2  PM1a_EN   (2 bytes)
 *   ACPI_PM_BASE + 4  PM1a_CNT  (2 bytes: SCI_EN, SLP_TYP, SLP_EN)
 *
 * No event ever fires (no buttons, no timer), so the SCI never does
 * either; what matters is that SCI_EN reads as set ("in ACPI mode") and
 * that writing SLP_TYP = S5 with SLP_EN powers the VM off.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "hw.h"

#define PM1_CNT_SCI_EN		(1u << 0)
#define PM1_CNT_SLP_TYP(v)	(((v) >> 10) & 7)
#define PM1_CNT_SLP_EN		(1u << 13)

struct acpi_pm {
	struct bus_dev dev;
	struct vm *vm;
	pthread_mutex_t lock;
	u16 en;
	u16 cnt;
};

static void pm_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	struct acpi_pm *pm = dev->priv;
	u8 regs[ACPI_PM_LEN] = { 0 };

	pthread_mutex_lock(&pm->lock);
	memcpy(regs + 2, &pm->en, 2);
	memcpy(regs + 4, &pm->cnt, 2);
	pthread_mutex_unlock(&pm->lock);
	memset(data, 0, len);
	if (off < ACPI_PM_LEN)
		memcpy(data, regs + off, MIN((u64)len, ACPI_PM_LEN - off));
}

static void pm_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	struct acpi_pm *pm = dev->priv;
	u8 regs[ACPI_PM_LEN];
	bool off_req;
	u16 cnt;

	pthread_mutex_lock(&pm->lock);
	memcpy(regs + 2, &pm->en, 2);
	memcpy(regs + 4, &pm->cnt, 2);
	if (off < ACPI_PM_LEN)
		memcpy(regs + off, data, MIN((u64)len, ACPI_PM_LEN - off));
	memcpy(&pm->en, regs + 2, 2);
	memcpy(&cnt, regs + 4, 2);
	/* SLP_EN is write-only and SCI_EN is fixed at 1. */
	pm->cnt = (cnt & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
	off_req = (cnt & PM1_CNT_SLP_EN) && PM1_CNT_SLP_TYP(cnt) == ACPI_SLP_TYP_S5 &&
		  off <= 5 && off + len > 5;
	pthread_mutex_unlock(&pm->lock);
	if (off_req)
		vm_stop(pm->vm, KITE_EXIT_GUEST_OFF);
}

static const struct bus_dev_ops acpi_pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

static void acpi_pm_exit(void *arg)
{
	struct acpi_pm *pm = arg;

	bus_unregister(&pm->vm->pio_bus, &pm->dev);
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

int acpi_pm_init(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return -ENOMEM;
	pm->vm = vm;
	pm->cnt = PM1_CNT_SCI_EN;
	pthread_mutex_init(&pm->lock, NULL);
	pm->dev = (struct bus_dev){
		.base = ACPI_PM_BASE, .len = ACPI_PM_LEN,
		.ops = &acpi_pm_ops, .priv = pm, .name = "acpi-pm",
	};
	ret = bus_register(&vm->pio_bus, &pm->dev);
	if (ret) {
		pthread_mutex_destroy(&pm->lock);
		free(pm);
		return ret;
	}
	ret = vm_on_exit(vm, acpi_pm_exit, pm);
	if (ret)
		acpi_pm_exit(pm);
	return ret;
}
