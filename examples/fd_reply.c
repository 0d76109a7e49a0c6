// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reply mailboxes passed by descriptor: a server answers each client in
 * the client's own private mailbox.  Each client makes an anonymous mailbox
 * (reachable only through its descriptors), keeps the receiving end, and
 * sends the server, with its request, a send-only descriptor of it
 * (msgport_mailbox_dup(), then msgport_send_fds()).  The server can put
 * answers in that mailbox and nothing more: it cannot read it, map it, nor
 * get more rights; nobody else can even name it.  When a client goes, its
 * mailbox goes with its last descriptor.
 *
 *   example-fd-reply [CLIENTS]
 *
 * Compare with Unix sockets: SCM_RIGHTS passes descriptors too, but the
 * server would hold a whole socket; here it holds the right to answer only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmsgport.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "example-fd-reply: %s: %s\n", what, msgport_strerror(err));
	return 1;
}

/*
 * The server: answers @clients requests, each in the mailbox it came with.
 * A server must not trust its clients: a request with too many descriptors
 * is cut to the first (MSGPORT_F_TRUNC: the rest are closed), one that is
 * not a mailbox is closed, and a reply that does not fit at once (a client
 * that does not read) is given up rather than waited for.
 */
static int serve(struct msgport_mailbox *requests, int clients)
{
	int i, ret;

	for (i = 0; i < clients; i++) {
		struct msgport_mailbox *reply;
		struct msgport_recvmsg m;
		char buf[64], answer[96];
		int fd[1];
		ssize_t n;

		memset(&m, 0, sizeof(m));
		m.buf = buf;
		m.len = sizeof(buf) - 1;
		m.fds = fd;
		m.nfds = 1;
		m.flags = MSGPORT_F_CLOEXEC | MSGPORT_F_TRUNC;
		m.timeout_ns = MSGPORT_WAIT_FOREVER;
		n = msgport_recv_fds(requests, &m);
		if (n < 0)
			return fail("receive a request", (int)n);
		buf[n < (ssize_t)sizeof(buf) - 1 ? n : (ssize_t)sizeof(buf) - 1] = '\0';
		if (m.nfds_received != 1) {
			fprintf(stderr, "example-fd-reply: a request without its reply mailbox\n");
			continue;
		}
		ret = msgport_mailbox_from_fd(fd[0], &reply);
		if (ret < 0) {
			close(fd[0]);
			fprintf(stderr, "example-fd-reply: a reply descriptor: %s\n",
				msgport_strerror(ret));
			continue;
		}
		snprintf(answer, sizeof(answer), "answer to \"%s\" from pid %d", buf,
			 (int)m.info.pid);
		ret = msgport_send(reply, answer, strlen(answer), 0, 0, 0, NULL);
		msgport_mailbox_close(reply);
		if (ret < 0)
			fprintf(stderr, "example-fd-reply: reply: %s\n", msgport_strerror(ret));
	}
	return 0;
}

/* A client: its own mailbox, a send-only copy of it with the request. */
static int client(struct msgport *mp, const char *server, int i)
{
	struct msgport_attr attr = { .capacity = 1, .mode = 0600 };
	struct msgport_mailbox *mine, *tx, *req;
	struct msgport_sendmsg m;
	char request[32], buf[128];
	ssize_t n;
	int fd, ret;

	ret = msgport_mailbox_create_anon(mp, MSGPORT_O_RECV | MSGPORT_O_SEND, &attr, &mine);
	if (ret < 0)
		return fail("create my mailbox", ret);
	ret = msgport_mailbox_dup(mine, MSGPORT_O_SEND, 0, &tx);
	if (ret < 0)
		return fail("dup it send-only", ret);
	ret = msgport_mailbox_open(mp, server, MSGPORT_O_SEND, NULL, &req);
	if (ret < 0)
		return fail("open the server's mailbox", ret);
	snprintf(request, sizeof(request), "client %d", i);
	fd = msgport_mailbox_fd(tx);
	memset(&m, 0, sizeof(m));
	m.buf = request;
	m.len = strlen(request);
	m.fds = &fd;
	m.nfds = 1;
	m.timeout_ns = MSGPORT_WAIT_FOREVER;
	ret = msgport_send_fds(req, &m);
	/* The message holds the send-only end now: ours is not needed. */
	msgport_mailbox_close(tx);
	msgport_mailbox_close(req);
	if (ret < 0)
		return fail("send the request", ret);
	n = msgport_recv(mine, buf, sizeof(buf) - 1, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		return fail("receive the answer", (int)n);
	buf[n] = '\0';
	printf("client %d (pid %d) got: %s\n", i, (int)getpid(), buf);
	fflush(stdout);
	msgport_mailbox_close(mine);
	return 0;
}

int main(int argc, char **argv)
{
	int clients = argc > 1 ? atoi(argv[1]) : 3, i, status, failed = 0, ret;
	struct msgport_attr attr = { .capacity = 8, .mode = 0600 };
	struct msgport_mailbox *requests;
	struct msgport *mp;
	char name[64];
	pid_t pid;

	if (clients < 1 || clients > 1000) {
		fprintf(stderr, "usage: example-fd-reply [CLIENTS (1..1000)]\n");
		return 2;
	}
	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("open /dev/msgport", ret);
	snprintf(name, sizeof(name), "example-fd-reply-%d", (int)getpid());
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
				   MSGPORT_O_EPHEMERAL | MSGPORT_O_RECV, &attr, &requests);
	if (ret < 0)
		return fail("create the server's mailbox", ret);
	for (i = 1; i <= clients; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork", -errno);
		if (!pid)
			_exit(client(mp, name, i));
	}
	ret = serve(requests, clients);
	for (i = 0; i < clients; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	msgport_mailbox_close(requests);
	msgport_close(mp);
	if (ret || failed) {
		fprintf(stderr, "example-fd-reply: %d client(s) failed\n", failed);
		return 1;
	}
	printf("%d clients, each answered in its own mailbox\n", clients);
	return 0;
}
