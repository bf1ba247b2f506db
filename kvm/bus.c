// SPDX-License-Identifier: GPL-2.0
/*
 * Device bus: a sorted array of non-overlapping ranges, looked up by
 * binary search. Exits are frequent and registration is rare, so lookups
 * take only the read side of a rwlock and never allocate.
 */
#include <stdlib.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
	bus->name = name;
}

void bus_exit(struct bus *bus)
{
	free(bus->devs);
	bus->devs = NULL;
	bus->nr = bus->cap = 0;
	pthread_rwlock_destroy(&bus->lock);
}

/* Index of the first range whose base is > addr. */
static size_t upper_bound(const struct bus *bus, u64 addr)
{
	size_t lo = 0, hi = bus->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bus->devs[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static u64 range_last(u64 base, u64 len)
{
	return base + len - 1;
}

/* Would [base, base + len) overlap a registered range other than skip? */
static bool overlaps(const struct bus *bus, u64 base, u64 len, const struct bus_dev *skip)
{
	size_t i = upper_bound(bus, range_last(base, len));

	/* Only the ranges starting at or before our last byte can overlap. */
	while (i-- > 0) {
		const struct bus_dev *d = bus->devs[i];

		if (d == skip)
			continue;
		return range_last(d->base, d->len) >= base;
	}
	return false;
}

static int insert_sorted(struct bus *bus, struct bus_dev *dev)
{
	size_t i;

	if (bus->nr == bus->cap) {
		size_t cap = bus->cap ? bus->cap * 2 : 16;
		struct bus_dev **devs = realloc(bus->devs, cap * sizeof(*devs));

		if (!devs)
			return -ENOMEM;
		bus->devs = devs;
		bus->cap = cap;
	}
	i = upper_bound(bus, dev->base);
	memmove(&bus->devs[i + 1], &bus->devs[i], (bus->nr - i) * sizeof(*bus->devs));
	bus->devs[i] = dev;
	bus->nr++;
	return 0;
}

static int remove_dev(struct bus *bus, struct bus_dev *dev)
{
	size_t i;

	for (i = 0; i < bus->nr; i++) {
		if (bus->devs[i] == dev) {
			memmove(&bus->devs[i], &bus->devs[i + 1],
				(bus->nr - i - 1) * sizeof(*bus->devs));
			bus->nr--;
			return 0;
		}
	}
	return -ENOENT;
}

static bool range_valid(u64 base, u64 len)
{
	return len && base + (len - 1) >= base;
}

int bus_register(struct bus *bus, struct bus_dev *dev)
{
	int ret;

	if (!range_valid(dev->base, dev->len) || !dev->ops)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	if (overlaps(bus, dev->base, dev->len, NULL))
		ret = -EEXIST;
	else
		ret = insert_sorted(bus, dev);
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, struct bus_dev *dev)
{
	int ret;

	pthread_rwlock_wrlock(&bus->lock);
	ret = remove_dev(bus, dev);
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_move(struct bus *bus, struct bus_dev *dev, u64 new_base)
{
	u64 old_base = dev->base;
	int ret;

	if (!range_valid(new_base, dev->len))
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	if (overlaps(bus, new_base, dev->len, dev)) {
		ret = -EEXIST;
	} else if ((ret = remove_dev(bus, dev)) == 0) {
		dev->base = new_base;
		ret = insert_sorted(bus, dev);
		if (ret) {
			/* Cannot fail: removing freed a slot. Keep it consistent anyway. */
			dev->base = old_base;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool bus_access(struct bus *bus, u64 addr, void *data, u32 len, bool is_write)
{
	struct bus_dev *dev = NULL;
	bool unlocked;
	size_t i;

	pthread_rwlock_rdlock(&bus->lock);
	i = upper_bound(bus, addr);
	if (i > 0) {
		struct bus_dev *d = bus->devs[i - 1];
		u64 off = addr - d->base;

		if (range_ok(off, len, d->len))
			dev = d;
	}
	unlocked = dev && dev->unlocked;
	if (unlocked)
		pthread_rwlock_unlock(&bus->lock);
	if (dev) {
		if (is_write)
			dev->ops->write(dev, addr - dev->base, data, len);
		else
			dev->ops->read(dev, addr - dev->base, data, len);
	}
	if (!unlocked)
		pthread_rwlock_unlock(&bus->lock);
	if (!dev && !is_write)
		memset(data, 0xff, len);
	return dev != NULL;
}

unsigned bus_for_each_described(struct bus *bus, void (*fn)(const struct bus_dev *dev, void *arg),
				void *arg)
{
	unsigned n = 0;

	pthread_rwlock_rdlock(&bus->lock);
	for (size_t i = 0; i < bus->nr; i++) {
		if (!bus->devs[i]->compat)
			continue;
		fn(bus->devs[i], arg);
		n++;
	}
	pthread_rwlock_unlock(&bus->lock);
	return n;
}
