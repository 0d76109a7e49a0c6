// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "rpc-stress": 8 client processes x 2 server processes x 1000 calls
 * each on one mailbox.  Every request names its client and sequence number
 * and carries a pseudo-random payload; every reply must be that request's
 * transformation (so a reply delivered to the wrong caller, twice, or
 * corrupted is caught), the calls' tokens must all differ (and not be 0),
 * and the servers together must have answered exactly the calls made.  Servers
 * loop on reply-and-receive, each through its own descriptor.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msgport_test.h"

#define NCLIENTS	8
#define NSERVERS	2
#define NCALLS		1000
#define MAXPAYLOAD	200
#define LONG_NS		(60LL * 1000000000LL)

struct stress {
	const char *name;
	int counts[2];		/* servers -> parent: calls answered */
	uint64_t *tokens;	/* shared: [client * NCALLS + call] */
};

struct request {
	uint32_t client;
	uint32_t seq;
	uint32_t sum;		/* FNV-1a of data */
	uint32_t len;
	unsigned char data[MAXPAYLOAD];
};

/* The reply to a request: the header with sum inverted, data reversed. */
static size_t make_reply(const struct request *rq, size_t n, struct request *rp)
{
	size_t i, dlen = n - offsetof(struct request, data);

	rp->client = rq->client;
	rp->seq = rq->seq;
	rp->sum = ~rq->sum;
	rp->len = rq->len;
	for (i = 0; i < dlen; i++)
		rp->data[i] = rq->data[dlen - 1 - i];
	return n;
}

static int child_stress_server(void *arg)
{
	struct stress *s = arg;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	struct request rq, rp;
	uint64_t token = 0;
	size_t rlen = 0;
	int res, served = 0;
	ssize_t n;

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), s->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	for (;;) {
		n = msgport_reply_recv(mb, token, &rp, rlen, &res, &rq, sizeof(rq), 0, LONG_NS,
				       &info);
		if (n < 0)
			fprintf(stderr, "stress server: %s\n", msgport_strerror((int)n));
		CHILD_CHECK(n >= 0);
		CHILD_CHECK(res == 0);
		if (!(info.msg_flags & MSGPORT_MSG_CALL))
			break;		/* the parent's "stop" */
		CHILD_CHECK((size_t)n >= offsetof(struct request, data));
		CHILD_CHECK(rq.len == (size_t)n - offsetof(struct request, data));
		token = info.token;
		rlen = make_reply(&rq, (size_t)n, &rp);
		served++;
	}
	CHILD_CHECK(write(s->counts[1], &served, sizeof(served)) == sizeof(served));
	msgport_mailbox_close(mb);
	return 0;
}

struct client_arg {
	struct stress *s;
	uint32_t id;
};

static int child_stress_client(void *arg)
{
	const struct client_arg *c = arg;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	struct request rq, rp, want;
	uint64_t *tokens = c->s->tokens + (size_t)c->id * NCALLS;
	uint32_t j;
	ssize_t n;
	size_t len;

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), c->s->name, MSGPORT_O_SEND, NULL, &mb) == 0);
	for (j = 0; j < NCALLS; j++) {
		rq.client = c->id;
		rq.seq = j;
		rq.len = (j * 37 + c->id * 11) % (MAXPAYLOAD + 1);
		tu_fill(rq.data, rq.len, c->id, j);
		rq.sum = tu_fnv1a(rq.data, rq.len);
		len = offsetof(struct request, data) + rq.len;
		n = msgport_call(mb, &rq, len, &rp, sizeof(rp), j % 32, 0, LONG_NS, &info);
		if (n < 0)
			fprintf(stderr, "client %u call %u: %s\n", c->id, j,
				msgport_strerror((int)n));
		CHILD_CHECK(n == (ssize_t)len);
		make_reply(&rq, len, &want);
		if (memcmp(&rp, &want, len))
			fprintf(stderr, "client %u call %u: reply for client %u call %u\n", c->id,
				j, rp.client, rp.seq);
		CHILD_CHECK(!memcmp(&rp, &want, len));
		/* Checked by the parent: unique, not ordered (made per CPU). */
		tokens[j] = info.token;
		CHILD_CHECK(info.priority == j % 32);
	}
	msgport_mailbox_close(mb);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_many_clients_many_servers(void **state)
{
	struct stress s = { .name = tu_name("rpcstress") };
	struct msgport_mailbox *mb = tu_create(s.name, 16, 0, 0600, 0);
	struct client_arg ca[NCLIENTS];
	pid_t srv[NSERVERS], cli[NCLIENTS];
	struct msgport_stat st;
	int i, total = 0;

	const size_t tokens_size = sizeof(uint64_t) * NCLIENTS * NCALLS;

	s.tokens = mmap(NULL, tokens_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	assert_true(s.tokens != MAP_FAILED);
	assert_int_equal(pipe2(s.counts, O_CLOEXEC), 0);
	tu_track_fd(s.counts[0]);
	tu_track_fd(s.counts[1]);
	for (i = 0; i < NSERVERS; i++)
		srv[i] = tu_fork(child_stress_server, &s);
	for (i = 0; i < NCLIENTS; i++) {
		ca[i].s = &s;
		ca[i].id = (uint32_t)i;
		cli[i] = tu_fork(child_stress_client, &ca[i]);
	}
	for (i = 0; i < NCLIENTS; i++)
		assert_child_ok(cli[i]);
	for (i = 0; i < NSERVERS; i++)
		assert_int_equal(msgport_send(mb, "stop", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	for (i = 0; i < NSERVERS; i++) {
		int served = -1;

		assert_child_ok(srv[i]);
		assert_int_equal(read(s.counts[0], &served, sizeof(served)), sizeof(served));
		print_message("server answered %d calls\n", served);
		total += served;
	}
	assert_int_equal(total, NCLIENTS * NCALLS);
	/* Every call of every client had a token of its own. */
	qsort(s.tokens, NCLIENTS * NCALLS, sizeof(uint64_t), cmp_u64);
	assert_true(s.tokens[0] != 0);
	for (i = 1; i < NCLIENTS * NCALLS; i++)
		assert_true(s.tokens[i] != s.tokens[i - 1]);
	munmap(s.tokens, tokens_size);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, NCLIENTS * NCALLS + NSERVERS);
	assert_int_equal(st.received, NCLIENTS * NCALLS + NSERVERS);
	{
		long calls = -1;

		assert_int_equal(tu_objects_read("calls", &calls), 0);
		assert_int_equal(calls, 0);
	}
}

static const struct CMUnitTest rpc_stress_tests[] = {
	TU_TEST(test_many_clients_many_servers),
};

MSGPORT_SUITE(rpc_stress_suite, MSGPORT_GROUP_MODULE, 1700, "rpc-stress",
	      "8 clients x 2 servers x 1000 calls, every reply matched to its call",
	      rpc_stress_tests);
