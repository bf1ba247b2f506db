// SPDX-License-Identifier: GPL-2.0
/*
 * A generic MSI-X capability: the capability in config space, the table
 * and pending bit array in a BAR, delivery through an irqfd per vector.
 * See include/pci.h for the model and the locking.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "pci.h"

#define MSIX_CAP_LEN		12
#define MSIX_MIN_BAR		4096	/* a page of its own in the guest */

static struct vm *msix_vm(struct pci_msix *m)
{
	return m->pdev->host->vm;
}

static const struct pci_irq_ops *msix_irq(struct pci_msix *m)
{
	return m->pdev->host->irq;
}

static bool vec_deliverable(struct pci_msix *m, unsigned v)
{
	return m->enabled && !m->fmask && !(m->vecs[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void pba_set(struct pci_msix *m, unsigned v, bool on)
{
	if (on)
		m->pba[v / 64] |= 1ULL << (v % 64);
	else
		m->pba[v / 64] &= ~(1ULL << (v % 64));
}

static bool pba_test(struct pci_msix *m, unsigned v)
{
	return m->pba[v / 64] & (1ULL << (v % 64));
}

static u64 vec_addr(const struct pci_msix_vec *e)
{
	return (u64)e->addr_hi << 32 | e->addr_lo;
}

/*
 * Give the vector a route and an irqfd on first use, or bring the route up
 * to date. A failure leaves gsi/efd at -1 and delivery falls back to
 * KVM_SIGNAL_MSI, which needs neither.
 */
static void vec_sync(struct pci_msix *m, unsigned v)
{
	struct pci_msix_vec *e = &m->vecs[v];
	const struct pci_irq_ops *irq = msix_irq(m);
	struct vm *vm = msix_vm(m);
	int gsi;

	if (e->gsi >= 0) {
		if (e->stale && irq->update_msi_route(vm, e->gsi, vec_addr(e), e->data) == 0)
			e->stale = false;
		return;
	}
	gsi = irq->add_msi_route(vm, vec_addr(e), e->data);
	if (gsi < 0)
		return;
	e->gsi = gsi;
	e->stale = false;
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->efd >= 0 && irq->irqfd_assign(vm, e->efd, gsi)) {
		close(e->efd);
		e->efd = -1;
	}
	e->bound = e->efd >= 0;
}

/*
 * The irqfd is bound to KVM only while the vector is deliverable. A
 * back-end given it (pci_msix_vector_irqfd: virtiofsd's call fd) writes
 * it with no kite code in between, so masking must take it from KVM:
 * its writes then wait in the eventfd's count, which the PBA shows
 * (pba_collect) and KVM delivers when it is bound again at unmask.
 */
static void vec_bind(struct pci_msix *m, unsigned v)
{
	struct pci_msix_vec *e = &m->vecs[v];
	bool want = vec_deliverable(m, v);

	if (e->efd < 0 || e->bound == want)
		return;
	if (want)
		e->bound = !msix_irq(m)->irqfd_assign(msix_vm(m), e->efd, e->gsi);
	else
		e->bound = msix_irq(m)->irqfd_deassign(msix_vm(m), e->efd, e->gsi) != 0;
}

/* A masked vector's eventfd was written (by a back-end): it is pending. */
static void pba_collect(struct pci_msix *m, unsigned v)
{
	struct pci_msix_vec *e = &m->vecs[v];
	u64 n;

	if (e->efd >= 0 && !e->bound && read(e->efd, &n, sizeof(n)) == sizeof(n) && n)
		pba_set(m, v, true);
}

static void vec_fire(struct pci_msix *m, unsigned v)
{
	struct pci_msix_vec *e = &m->vecs[v];
	u64 one = 1;

	vec_sync(m, v);
	if (e->bound && !e->stale && write(e->efd, &one, sizeof(one)) == sizeof(one))
		return;
	msix_irq(m)->signal_msi(msix_vm(m), vec_addr(e), e->data);
}

/*
 * Something was unmasked: bring the routes of live vectors up to date and
 * deliver what is pending.
 */
static void msix_deliver_pending(struct pci_msix *m)
{
	for (unsigned v = 0; v < m->nr; v++) {
		vec_bind(m, v);
		if (!vec_deliverable(m, v))
			continue;
		vec_sync(m, v);
		if (pba_test(m, v)) {
			pba_set(m, v, false);
			vec_fire(m, v);
		}
	}
}

static u32 table_read32(struct pci_msix *m, u32 off)
{
	const struct pci_msix_vec *e = &m->vecs[off / PCI_MSIX_ENTRY_SIZE];

	switch (off % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		return e->addr_lo;
	case PCI_MSIX_ENTRY_UPPER_ADDR:
		return e->addr_hi;
	case PCI_MSIX_ENTRY_DATA:
		return e->data;
	default:
		return e->ctrl;
	}
}

static void table_write32(struct pci_msix *m, u32 off, u32 val)
{
	unsigned v = off / PCI_MSIX_ENTRY_SIZE;
	struct pci_msix_vec *e = &m->vecs[v];

	switch (off % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		e->addr_lo = val & ~3u;
		e->stale = true;
		break;
	case PCI_MSIX_ENTRY_UPPER_ADDR:
		e->addr_hi = val;
		e->stale = true;
		break;
	case PCI_MSIX_ENTRY_DATA:
		e->data = val;
		e->stale = true;
		break;
	default:
		e->ctrl = val & PCI_MSIX_ENTRY_CTRL_MASKBIT;
		break;
	}
	/*
	 * Drivers should mask a vector while changing it, but a live one is
	 * updated at once so that no interrupt goes to a stale destination.
	 */
	vec_bind(m, v);
	if (vec_deliverable(m, v)) {
		vec_sync(m, v);
		if (pba_test(m, v)) {
			pba_set(m, v, false);
			vec_fire(m, v);
		}
	}
}

/* The spec allows only aligned dword and qword accesses; others read 0. */
static bool msix_access_ok(u64 off, u32 len)
{
	return (len == 4 || len == 8) && IS_ALIGNED(off, len);
}

static void msix_bar_read(struct bus_dev *bd, u64 off, void *data, u32 len)
{
	struct pci_msix *m = bd->priv;
	u64 table_len = (u64)m->nr * PCI_MSIX_ENTRY_SIZE;
	u64 pba_len = DIV_ROUND_UP(m->nr, 64) * 8;
	u32 out[2] = { 0, 0 };

	if (msix_access_ok(off, len)) {
		pthread_mutex_lock(&m->lock);
		if (range_ok(off, len, table_len)) {
			for (u32 i = 0; i < len / 4; i++)
				out[i] = table_read32(m, off + 4 * i);
		} else if (off >= m->pba_off && range_ok(off - m->pba_off, len, pba_len)) {
			for (unsigned v = (off - m->pba_off) * 8; v < m->nr && v < (off - m->pba_off + len) * 8; v++)
				pba_collect(m, v);
			memcpy(out, (u8 *)m->pba + (off - m->pba_off), len);
		}
		pthread_mutex_unlock(&m->lock);
	}
	memcpy(data, out, len <= sizeof(out) ? len : sizeof(out));
}

static void msix_bar_write(struct bus_dev *bd, u64 off, const void *data, u32 len)
{
	struct pci_msix *m = bd->priv;
	u64 table_len = (u64)m->nr * PCI_MSIX_ENTRY_SIZE;
	u32 in[2];

	/* The PBA is read-only; writes to it or past the table are dropped. */
	if (!msix_access_ok(off, len) || !range_ok(off, len, table_len))
		return;
	memcpy(in, data, len);
	pthread_mutex_lock(&m->lock);
	for (u32 i = 0; i < len / 4; i++)
		table_write32(m, off + 4 * i, in[i]);
	pthread_mutex_unlock(&m->lock);
}

static const struct bus_dev_ops msix_bar_ops = {
	.read = msix_bar_read,
	.write = msix_bar_write,
};

void pci_msix_cfg_write(struct pci_msix *m, u32 off, u32 len)
{
	u32 ctrl_off = m->cap + PCI_MSIX_FLAGS;
	u16 ctrl;

	if (!(off < ctrl_off + 2 && ctrl_off < off + len))
		return;
	ctrl = pci_cfg_read16(m->pdev, ctrl_off);
	pthread_mutex_lock(&m->lock);
	m->enabled = ctrl & PCI_MSIX_FLAGS_ENABLE;
	m->fmask = ctrl & PCI_MSIX_FLAGS_MASKALL;
	msix_deliver_pending(m);
	pthread_mutex_unlock(&m->lock);
}

bool pci_msix_notify(struct pci_msix *m, unsigned vec)
{
	bool ok = true;

	pthread_mutex_lock(&m->lock);
	if (vec >= m->nr || !m->enabled)
		ok = false;
	else if (vec_deliverable(m, vec))
		vec_fire(m, vec);
	else
		pba_set(m, vec, true);
	pthread_mutex_unlock(&m->lock);
	return ok;
}

int pci_msix_vector_irqfd(struct pci_msix *m, unsigned vec)
{
	int efd = -1;

	pthread_mutex_lock(&m->lock);
	if (vec < m->nr && vec_deliverable(m, vec)) {
		vec_sync(m, vec);
		if (m->vecs[vec].bound && !m->vecs[vec].stale)
			efd = m->vecs[vec].efd;
	}
	pthread_mutex_unlock(&m->lock);
	return efd;
}

bool pci_msix_enabled(struct pci_msix *m)
{
	bool ret;

	pthread_mutex_lock(&m->lock);
	ret = m->enabled;
	pthread_mutex_unlock(&m->lock);
	return ret;
}

bool pci_msix_pending(struct pci_msix *m, unsigned vec)
{
	bool ret;

	pthread_mutex_lock(&m->lock);
	if (vec < m->nr)
		pba_collect(m, vec);
	ret = vec < m->nr && pba_test(m, vec);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static u32 pow2_roundup(u32 x)
{
	u32 p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

int pci_msix_init(struct pci_msix *m, struct pci_dev *pdev, unsigned nr, int bar)
{
	u32 table_len = nr * PCI_MSIX_ENTRY_SIZE;
	u32 pba_len = DIV_ROUND_UP(nr, 64) * 8;
	int cap, ret;

	if (nr == 0 || nr > PCI_MSIX_MAX_VECTORS)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->pdev = pdev;
	m->nr = nr;
	m->bar = bar;
	m->pba_off = table_len;
	m->vecs = calloc(nr, sizeof(*m->vecs));
	m->pba = calloc(DIV_ROUND_UP(nr, 64), sizeof(*m->pba));
	if (!m->vecs || !m->pba) {
		ret = -ENOMEM;
		goto err;
	}
	for (unsigned v = 0; v < nr; v++) {
		m->vecs[v].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;	/* masked at reset */
		m->vecs[v].gsi = -1;
		m->vecs[v].efd = -1;
	}

	ret = pci_dev_add_bar(pdev, bar, pow2_roundup(MAX(table_len + pba_len, MSIX_MIN_BAR)),
			      &msix_bar_ops, m);
	if (ret)
		goto err;
	cap = pci_dev_add_cap(pdev, PCI_CAP_ID_MSIX, MSIX_CAP_LEN);
	if (cap < 0) {
		ret = cap;
		goto err;
	}
	m->cap = cap;
	pci_cfg_write16(pdev, cap + PCI_MSIX_FLAGS, nr - 1);
	pci_wmask_set16(pdev, cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_cfg_write32(pdev, cap + PCI_MSIX_TABLE, 0 | bar);
	pci_cfg_write32(pdev, cap + PCI_MSIX_PBA, m->pba_off | bar);
	pthread_mutex_init(&m->lock, NULL);
	pdev->msix = m;
	return 0;

err:
	free(m->vecs);
	free(m->pba);
	m->vecs = NULL;
	m->pba = NULL;
	return ret;
}

void pci_msix_exit(struct pci_msix *m)
{
	if (!m->vecs)
		return;
	for (unsigned v = 0; v < m->nr; v++) {
		struct pci_msix_vec *e = &m->vecs[v];

		if (e->efd < 0)
			continue;
		if (e->bound)
			msix_irq(m)->irqfd_deassign(msix_vm(m), e->efd, e->gsi);
		close(e->efd);
	}
	free(m->vecs);
	free(m->pba);
	m->vecs = NULL;
	m->pba = NULL;
	pthread_mutex_destroy(&m->lock);
}
