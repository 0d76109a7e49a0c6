// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Direct communication: a parent and its child play ping-pong through
 * their inboxes.  Each names the other by pid (msgport_send_pid) and
 * receives only from the other (msgport_recv_from: symmetric addressing),
 * and the kernel stamps who sent each message, so neither can be fooled by
 * a third process writing to its inbox.
 *
 *   example-direct-pingpong [ROUNDS]
 *
 * Compare with a pair of pipes: nothing to set up before fork() but each
 * process's own inbox, no file descriptor to pass, and the sender's pid on
 * every message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmsgport.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "example-direct-pingpong: %s: %s\n", what, msgport_strerror(err));
	return 1;
}

/* One side: opens its inbox, then plays rounds with the peer. */
static int play(struct msgport *mp, struct msgport_mailbox *in, pid_t peer, int rounds,
		int serve_first, const char *me)
{
	struct msgport_msginfo info;
	char buf[64];
	ssize_t n;
	int i, ret;

	for (i = 1; i <= rounds; i++) {
		if (serve_first) {
			snprintf(buf, sizeof(buf), "ping %d", i);
			ret = msgport_send_pid(mp, peer, buf, strlen(buf), 0, 0,
					       MSGPORT_WAIT_FOREVER, NULL);
			if (ret < 0)
				return fail("send", ret);
		}
		/* Only the peer's messages: anyone else's stay queued. */
		n = msgport_recv_from(in, peer, buf, sizeof(buf) - 1, 0, MSGPORT_WAIT_FOREVER,
				      &info);
		if (n < 0)
			return fail("receive", (int)n);
		buf[n] = '\0';
		printf("%-6s (pid %d) got \"%s\" from pid %d\n", me, (int)getpid(), buf,
		       (int)info.pid);
		fflush(stdout);
		if (!serve_first) {
			snprintf(buf, sizeof(buf), "pong %d", i);
			ret = msgport_send_pid(mp, peer, buf, strlen(buf), 0, 0,
					       MSGPORT_WAIT_FOREVER, NULL);
			if (ret < 0)
				return fail("send", ret);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	struct msgport_mailbox *in;
	struct msgport *mp;
	pid_t child, parent = getpid();
	int ret, status;

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("msgport_open", ret);
	/* The parent's inbox exists before the child does: it may send at once. */
	ret = msgport_inbox_open(mp, NULL, 0, &in);
	if (ret < 0)
		return fail("inbox", ret);

	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		/* The inherited descriptor is the parent's inbox: open our own. */
		msgport_mailbox_close(in);
		ret = msgport_inbox_open(mp, NULL, 0, &in);
		if (ret < 0)
			return fail("child inbox", ret);
		/* Tell the parent we can be reached. */
		ret = msgport_send_pid(mp, parent, "ready", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
		if (ret < 0)
			return fail("send ready", ret);
		ret = play(mp, in, parent, rounds, 0, "child");
		msgport_mailbox_close(in);
		msgport_close(mp);
		return ret;
	}

	{
		char buf[8];
		ssize_t n = msgport_recv_from(in, child, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER,
					      NULL);

		if (n < 0)
			return fail("receive ready", (int)n);
	}
	ret = play(mp, in, child, rounds, 1, "parent");
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		ret = 1;
	msgport_mailbox_close(in);
	msgport_close(mp);
	return ret;
}
