// SPDX-License-Identifier: GPL-2.0
/*
 * The submission queue when the kernel says no. The engines normally never
 * put more requests into the kernel than their io_context / SQ holds; here
 * the test widens the queue's own limit (disk->depth, an internal field)
 * past what the kernel context was set up for, so io_submit really returns
 * EAGAIN or a partial count and the io_uring SQ really fills. Every request
 * must still complete, once, with the right data: the refused ones stay
 * queued and go in as completions free room.
 */
#include "disk-test.h"

#define N	1024
#define BS	4096

struct qreq {
	struct disk_req req;
	struct iovec iov;
	ssize_t res;
	atomic_int calls;
};

static void qdone(struct disk_req *req, ssize_t res)
{
	struct qreq *q = container_of(req, struct qreq, req);

	q->res = res;
	atomic_fetch_add(&q->calls, 1);
}

START_TEST(test_overcommit)
{
	/* aio and uring, O_DIRECT (really asynchronous) and buffered. */
	static const enum disk_engine engines[] = { DISK_ENGINE_AIO, DISK_ENGINE_URING };
	struct disk_opts o = { .engine = engines[_i % 2], .direct = _i < 2, .depth = 1 };
	char *path = make_image("q.img", (u64)N * BS, 51);
	struct disk *d = open_ok(path, &o);
	struct qreq *q = calloc(N, sizeof(*q));
	u8 *buf = test_buf((size_t)N * BS), *want = test_buf(BS);
	struct disk_batch b;
	int i;

	d->depth = 4 * N;	/* the queue may now push far more than the kernel holds */
	disk_batch_init(&b);
	for (i = 0; i < N; i++) {
		q[i].iov = (struct iovec){ buf + (size_t)i * BS, BS };
		q[i].req = (struct disk_req){ .op = DISK_OP_READ, .offset = (u64)i * BS,
					      .iov = &q[i].iov, .iovcnt = 1, .done = qdone };
		ck_assert_int_eq(disk_batch_add(d, &b, &q[i].req), 0);
	}
	disk_batch_submit(d, &b);
	disk_wait(d);
	ck_assert_uint_eq(disk_inflight(d), 0);
	/*
	 * The SQ (2 entries) always fills; libaio's ring (~126 events) does
	 * for O_DIRECT, but buffered aio completes inside io_submit and the
	 * thread may reap fast enough that it never does.
	 */
	if (o.direct || o.engine == DISK_ENGINE_URING)
		ck_assert_msg(atomic_load(&d->requeued) > 0, "the kernel never refused: test is moot");
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(q[i].calls, 1);
		ck_assert_int_eq(q[i].res, BS);
		fill_pattern(want, BS, (u64)i * BS, 51);
		ck_assert_msg(!memcmp(buf + (size_t)i * BS, want, BS), "request %d", i);
	}
	disk_close(d);
	free(q);
	free(buf);
	free(want);
	free(path);
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("disk-queue");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_overcommit, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(queue_suite)
