#!/usr/bin/env python3
# Writes the hand-made seed corpora of tests/fuzz/corpus/: well-formed
# inputs each harness's fuzzing starts from (a valid bzImage header, a
# driver's init sequence, ...). Run once; the corpora are committed, and
# inputs found by fuzzing (crashes, new coverage worth keeping) are added
# next to these. ELF seeds are the test guests (build/guest/*.elf).
import glob, os, shutil, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))

def put(harness, name, data):
    d = os.path.join(here, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# ---- bzimage: a 2.15 header like Debian's (tests/unit/test-bzimage.c) ----
def bzimage(setup_sects=4, kernel=16384, init_size=32 << 20, tail=b""):
    setup = (setup_sects + 1) * 512
    b = bytearray(setup + kernel)
    b[0x1f1] = setup_sects
    struct.pack_into("<I", b, 0x1f4, kernel // 16)
    struct.pack_into("<H", b, 0x1fe, 0xaa55)
    b[0x200], b[0x201] = 0xeb, 0x6a
    b[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", b, 0x206, 0x20f)
    b[0x211] = 0x01
    struct.pack_into("<I", b, 0x22c, 0x7fffffff)
    struct.pack_into("<I", b, 0x230, 0x200000)
    b[0x234] = 1
    struct.pack_into("<H", b, 0x236, 3)
    struct.pack_into("<I", b, 0x238, 2047)
    struct.pack_into("<Q", b, 0x258, 0x1000000)
    struct.pack_into("<I", b, 0x260, init_size)
    return bytes(b) + tail

put("bzimage", "debian-like", bzimage())
put("bzimage", "big-ram", bzimage(tail=bytes([0, 0, 0, 0, 0, 4, 0, 0x10])))
put("bzimage", "initrd", bzimage(init_size=4 << 20, tail=bytes([0, 0, 0, 0, 8, 2, 0, 0x08])))
put("bzimage", "setup-sects-0", bzimage(setup_sects=0))

# ---- elf: the freestanding test guests ----
os.makedirs(os.path.join(here, "corpus", "elf"), exist_ok=True)
for p in sorted(glob.glob(os.path.join(top, "build", "guest", "*.elf"))):
    shutil.copy(p, os.path.join(here, "corpus", "elf"))

# ---- parse: first byte 0 size, 1 disk spec, 2 engine ----
for i, s in enumerate([b"\0512M", b"\x004G", b"\x0018446744073709551615", b"\x001K",
                       b"\x01disk.img", b"\x01a.img,ro,cache=writeback,engine=uring,depth=64",
                       b"\x01x,cache=none,engine=sync", b"\x01,ro", b"\x02aio", b"\x02uring"]):
    put("parse", "s%02d" % i, s)

# ---- ports: clock (8 bytes), then (op, reg, val) steps ----
def steps(*ops):
    return struct.pack("<II", 1795000000, 5) + b"".join(bytes(o) for o in ops)
uart_init = [(0, 3, 0x80), (0, 0, 1), (0, 1, 0), (0, 3, 3), (0, 1, 0x0f), (0, 4, 0x0b),
             (0, 0, 0x41), (2, 5, 0x61), (1, 0, 0), (1, 5, 0), (1, 2, 0)]
put("ports", "uart", steps(*uart_init))
rtc = [(3, 0, 0x0a), (4, 1, 0), (3, 0, 0x0b), (3, 1, 0x42), (3, 0, 0x0a), (3, 1, 0x26),
       (5, 0, 250), (5, 1, 250), (3, 0, 0x0c), (4, 1, 0), (3, 0, 0x00), (4, 1, 0), (3, 0, 0x32), (4, 1, 0)]
put("ports", "rtc", steps(*rtc))
kbc = [(6, 1, 0xaa), (7, 0, 0), (6, 1, 0x20), (7, 0, 0), (6, 1, 0x60), (6, 0, 0x47),
       (6, 1, 0xd4), (6, 0, 0xf2), (7, 0, 0), (6, 0, 0xff), (7, 0, 0), (6, 1, 0xfe), (8, 0, 0)]
put("ports", "i8042", steps(*kbc))

# ---- virtio-mmio: (op, off u16, val u32); op bits 0-1 log2 len, 2 write, 3 service, 7 device ----
def mmio(dev, *ops):
    out = b""
    for w, off, val in ops:
        svc = 8 if off == 0x050 else 0      # service the queues after a notify
        out += bytes([(dev << 7) | svc | (4 if w else 0) | 2]) + struct.pack("<HI", off, val)
    return out
init = [(0, 0x000, 0), (0, 0x004, 0), (0, 0x008, 0), (1, 0x070, 0), (1, 0x070, 1), (1, 0x070, 3),
        (1, 0x014, 0), (0, 0x010, 0), (1, 0x014, 1), (0, 0x010, 0), (1, 0x024, 1), (1, 0x020, 1),
        (1, 0x024, 0), (1, 0x020, 0), (1, 0x070, 0xb), (0, 0x070, 0),
        (1, 0x030, 0), (0, 0x034, 0), (1, 0x038, 8), (1, 0x080, 0x1000), (1, 0x084, 0),
        (1, 0x090, 0x2000), (1, 0x094, 0), (1, 0x0a0, 0x3000), (1, 0x0a4, 0), (1, 0x044, 1),
        (1, 0x070, 0xf), (1, 0x050, 0), (0, 0x060, 0), (1, 0x064, 3), (0, 0x0fc, 0), (0, 0x100, 0)]
put("virtio-mmio", "rng-init", mmio(0, *init))
put("virtio-mmio", "console-init", mmio(1, *init) + mmio(1, (1, 0x030, 1), (1, 0x038, 4), (1, 0x044, 1), (1, 0x030, 2)))
put("virtio-mmio", "reset", mmio(0, *init) + mmio(0, (1, 0x070, 0), (0, 0x044, 0)))

# ---- pci: (op, where u16, val u32); op bits 0-1 log2 len, 2 write, 3-4 space, 5 service ----
SLOT = 1
def pci(*ops):
    out = b""
    for space, w, where, val, ln in ops:
        svc = 0x20 if (space, where) == (2, 0x3000) else 0   # service after a notify
        out += bytes([svc | (space << 3) | (4 if w else 0) | ln]) + struct.pack("<HI", where, val)
    return out
cfg = lambda w, reg, val=0: (0, w, SLOT << 8 | reg, val, 2)
bar0 = lambda w, off, val=0, ln=2: (2, w, off, val, ln)
bar1 = lambda w, off, val=0: (3, w, off, val, 2)
probe = [cfg(0, 0x00), cfg(0, 0x08), cfg(0, 0x34), cfg(1, 0x10, 0xffffffff), cfg(0, 0x10),
         cfg(1, 0x10, 0xc0000000), cfg(1, 0x14, 0xffffffff), cfg(0, 0x14), cfg(1, 0x14, 0xc0004000),
         cfg(1, 0x04, 0x0006), cfg(0, 0x40), cfg(0, 0x50), cfg(0, 0x60), cfg(0, 0x70), cfg(0, 0x80)]
virtio = [bar0(1, 0x14, 0, 0), bar0(1, 0x14, 1, 0), bar0(1, 0x14, 3, 0), bar0(1, 0x00, 1), bar0(0, 0x04),
          bar0(1, 0x08, 1), bar0(1, 0x0c, 1), bar0(1, 0x14, 0xb, 0), bar0(0, 0x14, 0, 0),
          bar0(1, 0x10, 0, 1), bar0(1, 0x16, 0, 1), bar0(0, 0x18, 0, 1), bar0(1, 0x18, 8, 1), bar0(1, 0x1a, 1, 1),
          bar0(1, 0x20, 0x1000), bar0(1, 0x28, 0x2000), bar0(1, 0x30, 0x3000), bar0(1, 0x1c, 1, 1),
          bar0(0, 0x1e, 0, 1), bar0(1, 0x3000, 0, 1), bar0(0, 0x1000, 0, 0), bar0(0, 0x2000)]
msix = [cfg(0, 0x40), cfg(1, 0x40, 0x80000000 | 0x00000000), bar1(1, 0x00, 0xfee00000), bar1(1, 0x04, 0),
        bar1(1, 0x08, 0x4021), bar1(1, 0x0c, 0), bar1(0, 0x800), bar1(1, 0x0c, 1), bar1(1, 0x0c, 0)]
put("pci", "probe", pci(*probe))
put("pci", "virtio-init", pci(*probe, *virtio))
put("pci", "msix", pci(*probe, *msix, *virtio))
put("pci", "ecam", pci((1, 0, 0x000, 0, 2), (1, 0, 0x100, 0, 2), (1, 1, 0x004, 6, 1), (1, 0, 0xffc, 0, 2)))
# ECAM turning decoding off and on: it remaps BARs on the bus it sits on
# (this hung kite until the ECAM range was served without the bus lock).
put("pci", "ecam-remap", pci((1, 1, 0x004, 0, 1), (1, 1, 0x010, 0xe0000000, 2), (1, 1, 0x004, 6, 1),
                             (2, 0, 0x000, 0, 2)))

# ---- virtq: flags, log2 qsize, desc/avail/used (u16 each), then guest RAM ----
def virtq(flags, qsize, chains, indirect=None):
    desc, avail, used = 0x100, 0x1100, 0x1200
    ram = bytearray(0x3000)
    d = 0
    heads = []
    for chain in chains:
        heads.append(d)
        for i, (addr, ln, w) in enumerate(chain):
            f = (1 if i + 1 < len(chain) else 0) | (2 if w else 0)
            struct.pack_into("<QIHH", ram, desc + 16 * d, addr, ln, f, d + 1)
            d += 1
    if indirect:
        table = 0x2000
        for i, (addr, ln, w) in enumerate(indirect):
            f = (1 if i + 1 < len(indirect) else 0) | (2 if w else 0)
            struct.pack_into("<QIHH", ram, table + 16 * i, addr, ln, f, i + 1)
        struct.pack_into("<QIHH", ram, desc + 16 * d, table, 16 * len(indirect), 4, 0)
        heads.append(d)
    struct.pack_into("<HH", ram, avail, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", ram, avail + 4 + 2 * i, h)
    return bytes([flags, qsize]) + struct.pack("<HHH", desc, avail, used) + bytes(ram)

blk = [(0x2800, 16, False), (0x2900, 512, True), (0x2b00, 1, True)]
put("virtq", "chains", virtq(0, 3, [blk, [(0x2c00, 64, False)]]))
put("virtq", "indirect", virtq(1, 3, [blk], indirect=blk))
put("virtq", "event-idx", virtq(7, 3, [blk, blk], indirect=blk))
put("virtq", "unpop", virtq(9, 4, [blk]))

# ---- virtio-blk: drop, log2 qsize, desc/avail/used (u16, x4), then guest RAM ----
def blk_req(ram, at, typ, sector, data_len, write_dev, extra=b""):
    struct.pack_into("<IIQ", ram, at, typ, 0, sector)
    ram[at + 0x100:at + 0x100 + len(extra)] = extra
    segs = [(at, 16, False)]
    if data_len:
        segs.append((at + 0x100, data_len, write_dev))
    segs.append((at + 0x80, 1, True))
    return segs

def blk(reqs, drop=0, indirect=False):
    desc, avail, used = 0x100, 0x1100, 0x1200
    ram = bytearray(0x10000)
    d, heads = 0, []
    for i, (typ, sector, ln, wdev, extra) in enumerate(reqs):
        segs = blk_req(ram, 0x2000 + 0x1000 * i, typ, sector, ln, wdev, extra)
        if indirect:
            table = 0x8000 + 0x100 * i
            for k, (addr, l, w) in enumerate(segs):
                f = (1 if k + 1 < len(segs) else 0) | (2 if w else 0)
                struct.pack_into("<QIHH", ram, table + 16 * k, addr, l, f, k + 1)
            struct.pack_into("<QIHH", ram, desc + 16 * d, table, 16 * len(segs), 4, 0)
            heads.append(d)
            d += 1
            continue
        heads.append(d)
        for k, (addr, l, w) in enumerate(segs):
            f = (1 if k + 1 < len(segs) else 0) | (2 if w else 0)
            struct.pack_into("<QIHH", ram, desc + 16 * d, addr, l, f, d + 1)
            d += 1
    struct.pack_into("<HH", ram, avail, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", ram, avail + 4 + 2 * i, h)
    return bytes([drop, 4]) + struct.pack("<HHH", desc // 4, avail // 4, used // 4) + bytes(ram)

discard = struct.pack("<QII", 8, 16, 0)		# sector, num_sectors, flags
put("virtio-blk", "read", blk([(0, 0, 512, True, b"")]))
put("virtio-blk", "write-read", blk([(1, 2, 1024, False, b"kite" * 256), (0, 2, 1024, True, b"")]))
put("virtio-blk", "flush-getid", blk([(4, 0, 0, False, b""), (8, 0, 20, True, b"")]))
put("virtio-blk", "discard-zeroes", blk([(11, 0, 16, False, discard), (13, 0, 16, False, discard)]))
put("virtio-blk", "indirect", blk([(1, 0, 512, False, b"x" * 512), (0, 2047, 512, True, b"")], indirect=True))
put("virtio-blk", "no-event-idx", blk([(0, 0, 4096, True, b"")], drop=0x40))

# ---- rings for the devices below: chains of (addr, len, device-writes) ----
def ring(ram, desc, avail, chains):
    d = 0
    for i, segs in enumerate(chains):
        struct.pack_into("<H", ram, avail + 4 + 2 * i, d)
        for k, (addr, l, w) in enumerate(segs):
            f = (1 if k + 1 < len(segs) else 0) | (2 if w else 0)
            struct.pack_into("<QIHH", ram, desc + 16 * d, addr, l, f, d + 1)
            d += 1
    struct.pack_into("<HH", ram, avail, 0, len(chains))

# ---- virtio-net: flags, log2 qsize, RX and TX desc/avail/used (u16, x4),
# passt's bytes (u16 length), guest RAM ----
def eth(n, seq):
    return bytes([0x02, 0x4b, 0x49, 0x54, 0x45, 0x01, 0x02, 0, 0, 0, 0, 2, 0x08, 0]) + \
        bytes((seq * 31 + i) & 0xff for i in range(n - 14))

def net(flags=0, peer_frames=(60, 1500), tx=((0, eth(60, 1)),), peer=b""):
    ram = bytearray(0x10000)
    hdr = 12
    rxq, txq = (0x100, 0x1100, 0x1200), (0x2000, 0x3000, 0x3100)
    ring(ram, rxq[0], rxq[1], [[(0x4000 + 0x800 * i, 0x800, True)] for i in range(4)])
    chains = []
    for i, (hflags, frame) in enumerate(tx):
        at = 0x8000 + 0x800 * i
        struct.pack_into("<BBHHHHH", ram, at, hflags, 0, 0, 0, 34, 16, 0)
        ram[at + hdr:at + hdr + len(frame)] = frame
        chains.append([(at, hdr, False), (at + hdr, len(frame), False)])
    ring(ram, txq[0], txq[1], chains)
    for i, n in enumerate(peer_frames):
        f = (bytes(hdr) if flags & 0x10 else b"") + eth(n, i)
        peer += struct.pack(">I", len(f)) + f
    offs = b"".join(struct.pack("<H", a // 4) for a in rxq + txq)
    # RAM past the input reads as zeros: trailing zeros need not be stored.
    return (bytes([flags, 4]) + offs + struct.pack("<H", len(peer)) + peer + bytes(ram)).rstrip(b"\0")

csum = eth(74, 3)
put("virtio-net", "rx-tx", net())
put("virtio-net", "tx-csum", net(tx=((1, csum), (0, eth(1514, 4)))))
put("virtio-net", "vnet-hdr", net(flags=0x10, tx=((1, csum),)))
put("virtio-net", "no-mrg-rxbuf", net(flags=0x02, peer_frames=(1514, 64)))
put("virtio-net", "hangup", net(flags=0x20, peer_frames=(60,)))
put("virtio-net", "bad-length", net(peer_frames=(), peer=struct.pack(">I", 0x7fffffff)))

# ---- vhost-user: the back-end's replies, chunks of (nr fds, len u8, bytes) ----
def vu_reply(req, payload):
    return struct.pack("<III", req, 5, len(payload)) + payload

def vu_chunks(replies, fds_on=()):
    out = b""
    for i, r in enumerate(replies):
        out += bytes([1 if i in fds_on else 0, len(r)]) + r
    return out

def vu_session(protocol=True, queues=2, fds_on=()):
    u64 = lambda v: struct.pack("<Q", v)
    ack = lambda req: [vu_reply(req, u64(0))] if protocol else []
    feats = (1 << 32) | ((1 << 30) if protocol else 0)
    r = [vu_reply(1, u64(feats))]
    if protocol:
        r += [vu_reply(15, u64(0b1001)), vu_reply(17, u64(queues))]
    r += ack(2) + ack(5)
    for q in range(min(queues, 2)):
        for req in (8, 9, 10, 13, 12, 18):
            r += ack(req) if req != 18 or protocol else []
        r += ack(18) + [vu_reply(11, struct.pack("<II", q, 7))]
    return vu_chunks(r, fds_on)

put("vhost-user", "session-mq-ack", vu_session())
put("vhost-user", "one-queue", vu_session(queues=1))
put("vhost-user", "no-protocol-features", vu_session(protocol=False))
put("vhost-user", "fd-with-reply", vu_session(fds_on=(0,)))

# ---- sandbox-stdio: flags, log2 qsize, 10 queues' desc/avail/used (u16, x4),
# guest RAM: the Linux driver's handshake, then output on the ports ----
def sandbox(flags=0, outputs=((1, b"hello\n"), (2, b"oops\n"), (3, b"exit 3\n"))):
    ram = bytearray(0x40000)
    qs = [(0x1000 * (q + 1), 0x1000 * (q + 1) + 0x100, 0x1000 * (q + 1) + 0x200) for q in range(10)]
    data = 0x20000
    def out(q, payloads):
        nonlocal data
        chains = []
        for p in payloads:
            ram[data:data + len(p)] = p
            chains.append([(data, len(p), False)])
            data += 0x100
        ring(ram, qs[q][0], qs[q][1], chains)
    ctl = lambda i, e, v: struct.pack("<IHH", i, e, v)
    out(3, [ctl(0, 0, 1)] + [ctl(i, 3, 1) for i in range(4)] + [ctl(i, 6, 1) for i in range(4)])
    ring(ram, qs[2][0], qs[2][1], [[(0x30000 + 0x100 * i, 0x48, True)] for i in range(16)])
    by_queue = {}
    for port, text in outputs:
        by_queue.setdefault(1 if port == 0 else 2 + 2 * port + 1, []).append(text)
    for q, texts in by_queue.items():
        out(q, texts)
    offs = b"".join(struct.pack("<HHH", d // 4, a // 4, u // 4) for d, a, u in qs)
    return (bytes([flags, 4]) + offs + bytes(ram)).rstrip(b"\0")

put("sandbox-stdio", "handshake-exit", sandbox())
put("sandbox-stdio", "no-multiport", sandbox(flags=1, outputs=((0, b"one port\n"),)))
put("sandbox-stdio", "exit-split", sandbox(outputs=((3, b"exit"), (3, b" 42\n"))))
