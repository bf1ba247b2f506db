/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio 1.2 core: split virtqueues, the device model both transports
 * share, and the interface between devices (blk, console, rng) and
 * transports (virtio/mmio.c here, virtio/pci.c on branch `pci`).
 *
 *   device  (virtio/blk.c ...)  --virtio_dev_ops-->       core (virtio/core.c)
 *   transport (mmio.c, pci.c)   --virtio_transport_ops--> core
 *
 * Who does what:
 *  - The device fills in a struct virtio_dev with virtio_dev_init()
 *    (device id, offered features, queue count and max size, config size)
 *    and its ops. It never sees transport registers.
 *  - The transport turns guest register accesses into calls to the core
 *    API below (features, status, queue setup, config space) and attaches
 *    itself with virtio_transport_attach(), which creates the queue
 *    notification eventfds. It registers those eventfds as ioeventfds at
 *    its notify address(es), and delivers interrupts when the core calls
 *    its signal_queue/signal_config ops (typically by writing an irqfd).
 *  - The core owns status/feature negotiation, queue validation, device
 *    reset, and the worker threads: on DRIVER_OK it starts one worker per
 *    notification eventfd (so one per queue when the transport gives each
 *    queue its own notify address, one per device when all queues share
 *    one), and the worker calls ops->queue_notify() off the vCPU threads.
 *
 * Locking: vdev->lock serialises the register-level API (everything a
 * transport calls from a vCPU thread). Workers and I/O completion threads
 * never take vdev->lock; they touch only their queue's runtime state
 * (vq->used_lock for the used ring) and the atomic status bits. A reset
 * (status 0 written) stops the workers, lets the device drain its
 * in-flight I/O (ops->reset), then clears the queues.
 *
 * The guest is untrusted: every ring address is validated against guest
 * RAM when a queue is enabled, every descriptor (address, length, next
 * index, chain length, indirect table) when it is popped. A malformed
 * ring marks the device DEVICE_NEEDS_RESET (status bit 0x40, config
 * interrupt) and the core stops processing its queues until reset; it
 * never touches memory outside guest RAM.
 *
 * All multi-byte values in rings and config space are little-endian, as
 * is the x86 host: no byte swapping is done.
 */
#ifndef KITE_VIRTIO_H
#define KITE_VIRTIO_H

#include "child.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>

#include "iov.h"
#include "kvm.h"
#include "util.h"

/* Device types (virtio 1.2 section 5). */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_ID_RNG			4
#define VIRTIO_ID_FS			26

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Device-independent feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33	/* never offered: we use GPAs */
#define VIRTIO_F_RING_PACKED		34	/* never offered */

#define VIRTIO_BIT(f)			(1ULL << (f))

/* Split virtqueue layout in guest memory (2.7). */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[];	/* [size], then u16 used_event (EVENT_IDX) */
};

struct virtq_used_elem {
	u32 id;		/* head descriptor index of the chain */
	u32 len;	/* bytes the device wrote into the chain */
};

struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[];	/* [size], then u16 avail_event */
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used layout");

/* Ring sizes in bytes for a queue of `size` entries (with the event fields). */
static inline u64 virtq_desc_bytes(u16 size)  { return 16ULL * size; }
static inline u64 virtq_avail_bytes(u16 size) { return 6ULL + 2ULL * size; }
static inline u64 virtq_used_bytes(u16 size)  { return 6ULL + 8ULL * size; }

/* The largest queue any kite device offers (split rings: a power of 2). */
#define VIRTQ_MAX_SIZE			1024

/* Value of a transport's MSI-X vector fields when no vector is assigned. */
#define VIRTIO_MSI_NO_VECTOR		0xffff

struct virtio_dev;

/*
 * One split virtqueue. Fields marked (cfg) are written by the transport
 * through the core API under vdev->lock while the queue is not ready;
 * fields marked (run) belong to the queue's worker and completion paths.
 */
struct virtq {
	struct virtio_dev *vdev;
	u16 index;
	u16 max_size;		/* offered (QueueNumMax / queue_size reset value) */

	/* (cfg) Driver-chosen configuration. */
	u16 size;		/* power of 2, 1..max_size */
	u64 desc_gpa;
	u64 avail_gpa;		/* "driver area" */
	u64 used_gpa;		/* "device area" */
	bool ready;
	u16 msix_vector;	/* transport-owned (virtio-pci), reset to NO_VECTOR */

	/* Host views of the rings, set when the queue is made ready. */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;

	/* (run) Device-side ring state. */
	u16 last_avail;		/* next avail ring slot to consume */
	u16 used_idx;		/* shadow of used->idx */
	u16 signalled_used;	/* used_idx at the last interrupt (EVENT_IDX) */
	bool signalled_valid;
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	pthread_mutex_t used_lock;	/* pushes may come from several threads */

	int kick_fd;		/* eventfd the transport binds to an ioeventfd */
	void *priv;		/* the device's per-queue state */
};

/*
 * A descriptor chain popped from the avail ring, mapped to host iovecs.
 * The caller provides iov[max_iov]; pop fills iov[0 .. nr_out) with the
 * device-readable buffers and iov[nr_out .. nr_out + nr_in) with the
 * device-writable ones (virtio requires readable before writable).
 * Zero-length descriptors are validated but produce no iovec.
 */
struct virtq_elem {
	u16 head;		/* pass back to virtq_push() */
	u16 nr_out, nr_in;
	u32 out_len, in_len;	/* total bytes of each kind */
	u16 max_iov;
	struct iovec *iov;
};

/*
 * Pop the next available chain. Returns 1 with *elem filled, 0 if the
 * queue is empty, or -EINVAL if the ring or chain is malformed (bad
 * address or length, bad next index, loop, chain longer than the queue,
 * nested or misaligned indirect table, avail idx more than `size` ahead,
 * writable before readable, more segments than elem->max_iov). On
 * -EINVAL the core has already marked the device NEEDS_RESET and the
 * queue stays broken until reset: the caller just stops.
 */
int virtq_pop(struct virtq *vq, struct virtq_elem *elem);

/* Put a chain back so the next pop returns it again (e.g. no memory). */
void virtq_unpop(struct virtq *vq);

/*
 * Return a chain to the driver: one used ring entry with `len` bytes
 * written. Thread-safe (vq->used_lock). Does not interrupt the guest.
 */
void virtq_push(struct virtq *vq, u16 head, u32 len);

/*
 * Interrupt the guest for this queue if it wants one: with EVENT_IDX, if
 * used_idx moved past used_event since the last interrupt; without it,
 * unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT. Thread-safe.
 */
void virtq_notify(struct virtq *vq);

/* virtq_push() then virtq_notify(). */
void virtq_push_notify(struct virtq *vq, u16 head, u32 len);

/*
 * The worker's helper for notification suppression: with EVENT_IDX,
 * publish avail_event = last_avail so the driver kicks on its next add.
 * Returns true if more buffers arrived meanwhile (pop again). Queue
 * notify handlers loop `do { pop all } while (virtq_enable_kicks(vq));`.
 */
bool virtq_enable_kicks(struct virtq *vq);

/* Is the queue usable: ready, and the device not broken or resetting? */
bool virtq_live(struct virtq *vq);

/*
 * What a device implements. All callbacks are optional except
 * queue_notify. Called with vdev->lock held unless noted.
 */
struct virtio_dev_ops {
	/*
	 * Device-specific config space (offset/len already bounds-checked
	 * against vdev->config_size; len is 1, 2, 4 or 8). Missing read:
	 * the core serves vdev->config (a buffer the device owns).
	 */
	void (*config_read)(struct virtio_dev *vdev, u32 offset, void *data, u32 len);
	void (*config_write)(struct virtio_dev *vdev, u32 offset, const void *data, u32 len);
	/*
	 * The driver set FEATURES_OK with vdev->driver_features: return
	 * false to refuse the combination (FEATURES_OK then reads back 0).
	 */
	bool (*features_ok)(struct virtio_dev *vdev, u64 features);
	/*
	 * DRIVER_OK: the queues that are ready are set up; called before the
	 * workers start. Non-zero marks the device NEEDS_RESET.
	 */
	int (*activate)(struct virtio_dev *vdev);
	/*
	 * Device reset (status 0, or teardown): the workers have stopped.
	 * Wait for in-flight requests (disk_wait) and drop device state;
	 * the core clears the queues afterwards.
	 */
	void (*reset)(struct virtio_dev *vdev);
	/*
	 * The driver kicked vq (or the worker started): process its avail
	 * ring. Runs on the queue's worker thread, without vdev->lock; must
	 * not block unboundedly. One call per wakeup per queue.
	 */
	void (*queue_notify)(struct virtio_dev *vdev, struct virtq *vq);
	/*
	 * Optional host event sources, beside the kicks: host_fd names a fd
	 * vq's worker should also sleep on (the disk's completions, the
	 * console's stdout while it is full), with the poll events in
	 * *events, or -1 for none now. Asked on the worker thread before
	 * each sleep; when the fd fires, the worker calls host_ready with
	 * the poll revents (before queue_notify, if the queue was kicked
	 * too). Both run without vdev->lock and must not block unboundedly.
	 */
	int (*host_fd)(struct virtio_dev *vdev, struct virtq *vq, short *events);
	void (*host_ready)(struct virtio_dev *vdev, struct virtq *vq, short revents);
	/*
	 * A back-end in another process waits on the queues' kick eventfds
	 * (vq->kick_fd, the transport's ioeventfds) itself, so that a kick
	 * reaches it with no kite thread in between: the workers do not wait
	 * on them. Only where each queue has its own (virtio_kick_direct).
	 */
	bool kick_direct;
	/* Teardown, after reset: free what the device allocated. */
	void (*destroy)(struct virtio_dev *vdev);
};

/* What a transport implements. Called from any thread (workers, I/O completion). */
struct virtio_transport_ops {
	/* Raise the interrupt for vq (used buffer notification). */
	void (*signal_queue)(struct virtio_dev *vdev, struct virtq *vq);
	/* Raise the configuration-change interrupt (also sent on NEEDS_RESET). */
	void (*signal_config)(struct virtio_dev *vdev);
	/* Reset transport state (ISR, vectors) on device reset; vdev->lock held. */
	void (*reset)(struct virtio_dev *vdev);
	/* Teardown: unregister from buses, deassign ioeventfds/irqfds. */
	void (*destroy)(struct virtio_dev *vdev);
	/*
	 * Optional: an eventfd whose signal raises vq's interrupt in the
	 * kernel, for a back-end in another process (vhost-user's call fd),
	 * or -1 when the transport needs signal_queue for it (INTx and the
	 * ISR, virtio-mmio). Asked at activation; the transport owns the fd.
	 */
	int (*queue_irqfd)(struct virtio_dev *vdev, struct virtq *vq);
};

/* virtio_transport_attach() flags */
#define VIRTIO_KICK_SHARED	1	/* one notify eventfd for all queues (mmio) */

struct virtio_worker;

struct virtio_dev {
	struct vm *vm;
	const char *name;		/* "virtio-blk0": for messages */

	/* Device side, set by virtio_dev_init(). */
	u32 device_id;
	u64 device_features;		/* offered; VERSION_1 always included */
	const struct virtio_dev_ops *ops;
	void *priv;			/* the device's state */
	void *config;			/* device config space, config_size bytes */
	u32 config_size;
	unsigned nr_queues;
	struct virtq *vqs;		/* [nr_queues] */

	/* Transport side, set by virtio_transport_attach(). */
	const struct virtio_transport_ops *tops;
	void *tpriv;
	unsigned kick_flags;
	u16 config_msix_vector;		/* transport-owned (virtio-pci) */

	/* Negotiation state (vdev->lock). */
	pthread_mutex_t lock;
	u64 driver_features;		/* what the driver wrote */
	u64 features;			/* negotiated, valid from FEATURES_OK */
	_Atomic u8 status;
	_Atomic u32 config_generation;
	atomic_bool broken;		/* malformed ring seen: NEEDS_RESET */
	atomic_uint nr_broken;		/* times it happened (rate-limits the warning) */

	/* Workers (one per distinct kick eventfd), running between DRIVER_OK and reset. */
	struct virtio_worker *workers;
	unsigned nr_workers;
	bool running;
	int stop_fd;			/* eventfd: tells the workers to exit */
	/*
	 * Fuzzers and tests that want one deterministic thread: set before
	 * DRIVER_OK and no worker starts; the caller services the queues
	 * itself with virtio_dev_service().
	 */
	bool inline_service;
};

/*
 * Device side. Set up vdev with nr_queues queues of at most max_queue_size
 * entries (power of 2), the features offered (VERSION_1 is added, and
 * INDIRECT_DESC and EVENT_IDX unless the device sets them itself), and a
 * config space buffer of config_size bytes that stays owned by the device.
 */
int virtio_dev_init(struct virtio_dev *vdev, struct vm *vm, const char *name,
		    u32 device_id, u64 features, unsigned nr_queues,
		    u16 max_queue_size, void *config, u32 config_size,
		    const struct virtio_dev_ops *ops, void *priv);

/*
 * Transport side: bind a transport, create the queues' kick eventfds
 * (one per queue, or one shared with VIRTIO_KICK_SHARED).
 */
int virtio_transport_attach(struct virtio_dev *vdev, const struct virtio_transport_ops *tops,
			    void *tpriv, unsigned flags);

/* The device's back-end takes the kicks from vq->kick_fd itself (ops->kick_direct). */
static inline bool virtio_kick_direct(const struct virtio_dev *vdev)
{
	return vdev->ops->kick_direct && !(vdev->kick_flags & VIRTIO_KICK_SHARED);
}

/*
 * Reset, stop the workers, tops->destroy (if attached), close the kick
 * fds, then ops->destroy (which may free the memory vdev lives in).
 * Has the signature vm_on_exit() wants.
 */
void virtio_dev_destroy(void *vdev);

/*
 * The register-level API transports call (from vCPU threads). Each takes
 * vdev->lock itself.
 */
/* 32-bit window `sel` (0 or 1; others read 0) of the offered features. */
u32 virtio_get_device_features(struct virtio_dev *vdev, u32 sel);
/* Driver feature window write; ignored once FEATURES_OK is set. */
void virtio_set_driver_features(struct virtio_dev *vdev, u32 sel, u32 val);
u8 virtio_get_status(struct virtio_dev *vdev);
/*
 * A status write: 0 resets the device (draining in-flight I/O first);
 * FEATURES_OK is accepted only for a subset of the offered features that
 * includes VERSION_1; DRIVER_OK activates the device and starts the
 * workers; clearing bits other than by reset is ignored.
 */
void virtio_set_status(struct virtio_dev *vdev, u8 status);
void virtio_reset(struct virtio_dev *vdev);
/* Config space: out-of-range bytes read as 0 and writes are dropped. */
void virtio_config_read(struct virtio_dev *vdev, u32 offset, void *data, u32 len);
void virtio_config_write(struct virtio_dev *vdev, u32 offset, const void *data, u32 len);
u32 virtio_config_generation(struct virtio_dev *vdev);
/* A device changed its config space: bump the generation and interrupt. */
void virtio_config_changed(struct virtio_dev *vdev);

/* The queue `idx`, or NULL if out of range. */
struct virtq *virtio_get_vq(struct virtio_dev *vdev, u32 idx);
/*
 * Queue configuration: each is ignored (returns -EBUSY) while the queue is
 * ready or the index is invalid (-EINVAL). The values are checked when the
 * queue is made ready.
 */
int virtio_queue_set_size(struct virtio_dev *vdev, u32 idx, u32 size);
int virtio_queue_set_addr(struct virtio_dev *vdev, u32 idx, u64 desc, u64 avail, u64 used);
/* Per-area setters for transports that write the addresses in halves. */
int virtio_queue_set_desc(struct virtio_dev *vdev, u32 idx, u64 gpa);
int virtio_queue_set_avail(struct virtio_dev *vdev, u32 idx, u64 gpa);
int virtio_queue_set_used(struct virtio_dev *vdev, u32 idx, u64 gpa);
/*
 * Enable (ready=true) after validating size (power of 2, <= max) and that
 * each ring lies in guest RAM and is aligned (desc 16, avail 2, used 4).
 * An invalid configuration returns -EINVAL and marks the device
 * NEEDS_RESET. ready=false takes a queue back before DRIVER_OK; once the
 * device runs, only reset stops queues (-EBUSY).
 */
int virtio_queue_set_ready(struct virtio_dev *vdev, u32 idx, bool ready);
/*
 * A QueueNotify write the transport trapped (no ioeventfd for it): wakes
 * the worker exactly as the ioeventfd would.
 */
void virtio_queue_kick(struct virtio_dev *vdev, u32 idx);
/* The eventfd the transport binds to the notify address of queue idx. */
int virtio_queue_kick_fd(struct virtio_dev *vdev, u32 idx);

/*
 * With vdev->inline_service: do on the calling thread what a worker does
 * when woken (host sources that are ready, then queue_notify on every
 * live queue). Not with vdev->lock held.
 */
void virtio_dev_service(struct virtio_dev *vdev);

/* Mark the device broken (NEEDS_RESET + config interrupt). Any thread. */
void virtio_dev_needs_reset(struct virtio_dev *vdev, const char *why);

/*
 * Transports. A device goes on the one a struct virtio_transport names,
 * with what it needs: the VM, and for virtio-pci the host bridge its
 * function joins. create() builds the transport for an initialised vdev,
 * calls virtio_transport_attach(), registers with the VM (bus,
 * ioeventfds, irqfds) and finally registers virtio_dev_destroy(vdev) with
 * vm_on_exit(), so the device lives until the VM is torn down. Returns 0,
 * or -errno with a pr_err() line and nothing left registered: the caller
 * still owns vdev and calls virtio_dev_destroy() itself.
 */
struct pci_host;
struct virtio_transport {
	int (*create)(const struct virtio_transport *t, struct virtio_dev *vdev);
	struct vm *vm;
	struct pci_host *pci;		/* virtio-pci only */
};
int virtio_mmio_create(const struct virtio_transport *t, struct virtio_dev *vdev);	/* virtio/mmio.c */
int virtio_pci_create(const struct virtio_transport *t, struct virtio_dev *vdev);	/* virtio/pci.c */
/*
 * --transport NAME: "pci" (also NULL) or "mmio"; pci is the host bridge
 * for virtio-pci (unused for mmio). -EINVAL + pr_err for another name.
 */
int virtio_transport_init(struct virtio_transport *t, const char *name, struct vm *vm,
			  struct pci_host *pci);

/* The eventfd a virtio-mmio device's interrupts are written to (tests), or -1. */
int virtio_mmio_irq_fd(struct virtio_dev *vdev);

/* The devices, each on transport t. 0 or -errno with a pr_err() line. */
int virtio_blk_create(const struct virtio_transport *t, const char *spec, unsigned index);
int virtio_rng_create(const struct virtio_transport *t);
/*
 * The guest console on hvc0, connected to in_fd/out_fd (kite's stdin and
 * stdout); with a terminal on out_fd it follows the terminal's size.
 */
int virtio_console_create(const struct virtio_transport *t, int in_fd, int out_fd);
/*
 * Multiport (virtio/console.c): n named ports (Linux: /dev/vportNpM, its
 * name in /sys/class/virtio-ports/vportNpM/name), each reading in_fd into
 * the guest (-1: no input; EOF reaches the guest's reader) and writing
 * the guest's output to out_fd (-1: dropped), binary-safe, with
 * back-pressure both ways. *out is the device, for virtio_console_drain.
 */
#define VIRTIO_CONSOLE_MAX_PORTS	8
#define VIRTIO_CONSOLE_NAME_MAX		64
struct virtio_console_port {
	const char *name;
	int in_fd, out_fd;
	bool escape;	/* Ctrl-A x on in_fd stops the VM, Ctrl-A Ctrl-A is one Ctrl-A */
};
struct virtio_console;
int virtio_console_create_ports(const struct virtio_transport *t,
				const struct virtio_console_port *ports, unsigned n,
				struct virtio_console **out);
/*
 * After the guest stopped: wait until the output the guest queued is all
 * written; -ETIMEDOUT when nothing moved for stall_ms.
 */
int virtio_console_drain(struct virtio_console *con, unsigned stall_ms);

/*
 * virtio-net number `index` with MAC mac on backend be (net.h), which it
 * owns from here: destroyed with the device, or on failure.
 */
struct net_backend;
int virtio_net_create(const struct virtio_transport *t, struct net_backend *be,
		      const u8 mac[6], unsigned index);
/*
 * NIC `index` from a --net spec (net_parse_spec), its helper's stderr to
 * /dev/null when quiet: 0 or -errno after a pr_err.
 */
int virtio_net_create_spec(const struct virtio_transport *t, const char *spec, unsigned index,
			   bool quiet);

/*
 * virtio-fs (virtio/fs.c): a host directory served by a vhost-user
 * daemon. --share HOSTDIR[,tag=NAME][,cache=auto|always|none] starts
 * Debian's virtiofsd on it (in a user namespace unless kite is root);
 * --share socket=PATH,tag=NAME uses a daemon the user started. Guest RAM
 * must be shared (vm_config.shared_ram).
 */
#define VIRTIO_FS_TAG_MAX		36
#define VIRTIOFSD_PATH			"/usr/lib/qemu/virtiofsd"
struct virtio_fs_share {
	char tag[VIRTIO_FS_TAG_MAX + 1];
	char dir[4096];			/* or "" with socket */
	char socket[108];		/* sun_path: or "" with dir */
	char cache[8];			/* auto (default), always, none */
	char sandbox[16];		/* the daemon's: namespace or chroot; "" to choose */
	bool readonly;			/* ro: the daemon's view of dir is read-only */
	bool quiet;			/* the daemon's stderr to /dev/null (kite sandbox) */
	/* virtio_fs_start's, until the device takes them over or _stop. */
	bool started;
	int sock;
	struct child daemon;
};
/* Parse and check one --share (the directory exists): 0 or -errno after pr_err. */
int virtio_fs_parse(const char *spec, struct virtio_fs_share *s);
/*
 * Start the daemon (or connect to socket=) ahead of the VM, so that its
 * start-up overlaps kite's and other daemons': 0 or -errno after pr_err.
 */
int virtio_fs_start(struct virtio_fs_share *s);
/* Stop what virtio_fs_start started and no device took over. Idempotent. */
void virtio_fs_stop(struct virtio_fs_share *s);
/*
 * Negotiate with the daemon (virtio_fs_start first if not started) and
 * add the device, which takes the daemon over: 0 or -errno after pr_err.
 */
int virtio_fs_create(const struct virtio_transport *t, struct virtio_fs_share *s,
		     unsigned index);

/* virtio-mmio register offsets (virtio 1.2, 4.2.2): the transport and its tests. */
#define VIRTIO_MMIO_REG_MAGIC 0x000
#define VIRTIO_MMIO_REG_VERSION 0x004
#define VIRTIO_MMIO_REG_DEVICE_ID 0x008
#define VIRTIO_MMIO_REG_VENDOR_ID 0x00c
#define VIRTIO_MMIO_REG_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_REG_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_REG_QUEUE_SEL 0x030
#define VIRTIO_MMIO_REG_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_REG_QUEUE_NUM 0x038
#define VIRTIO_MMIO_REG_QUEUE_READY 0x044
#define VIRTIO_MMIO_REG_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_REG_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_REG_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_REG_STATUS 0x070
#define VIRTIO_MMIO_REG_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_REG_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_REG_SHM_SEL 0x0ac
#define VIRTIO_MMIO_REG_SHM_LEN_LOW 0x0b0
#define VIRTIO_MMIO_REG_SHM_LEN_HIGH 0x0b4
#define VIRTIO_MMIO_REG_SHM_BASE_LOW 0x0b8
#define VIRTIO_MMIO_REG_SHM_BASE_HIGH 0x0bc
#define VIRTIO_MMIO_REG_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_REG_CONFIG 0x100

#endif
