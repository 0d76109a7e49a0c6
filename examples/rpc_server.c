// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An RPC server: answers every call to the mailbox NAME with the request in
 * upper case.  Several may serve one mailbox; each call is answered exactly
 * once, by one of them.  The loop is one system call per call:
 * msgport_reply_recv() answers the previous request and waits for the next
 * (as QNX's MsgReply + MsgReceive, or Binder's write-read).
 *
 *   example-rpc-server NAME [COUNT]     (COUNT calls, then exit; default: forever)
 *
 * Clients: example-rpc-client NAME MESSAGE..., or `msgport call NAME MESSAGE`.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmsgport.h>

int main(int argc, char **argv)
{
	struct msgport_attr attr = { .capacity = 16, .mode = 0666 };
	long count = argc > 2 ? atol(argv[2]) : -1, served = 0;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	char req[8192], reply[8192];
	size_t reply_len = 0;
	uint64_t token = 0;
	struct msgport *mp;
	int ret, res;
	ssize_t n, i;

	if (argc < 2) {
		fprintf(stderr, "usage: example-rpc-server NAME [COUNT]\n");
		return 2;
	}
	ret = msgport_open(NULL, &mp);
	if (ret < 0) {
		fprintf(stderr, "msgport_open: %s\n", msgport_strerror(ret));
		return 1;
	}
	/* Create it if it is not there yet (the first server does). */
	ret = msgport_mailbox_open(mp, argv[1], MSGPORT_O_CREAT | MSGPORT_O_RECV, &attr, &mb);
	msgport_close(mp);
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], msgport_strerror(ret));
		return 1;
	}

	while (count < 0 || served < count) {
		/* Answer the last request (token 0: none yet) and take the next. */
		n = msgport_reply_recv(mb, token, reply, reply_len, &res, req, sizeof(req), 0,
				       MSGPORT_WAIT_FOREVER, &info);
		if (res)
			fprintf(stderr, "server %d: reply to call %llu: %s\n", (int)getpid(),
				(unsigned long long)token, msgport_strerror(res));
		token = 0;
		if (n < 0) {
			fprintf(stderr, "server %d: %s\n", (int)getpid(), msgport_strerror((int)n));
			return 1;
		}
		if (!(info.msg_flags & MSGPORT_MSG_CALL))
			continue;	/* a plain message: nobody waits for an answer */
		for (i = 0; i < n; i++)
			reply[i] = (char)toupper((unsigned char)req[i]);
		reply_len = (size_t)n;
		token = info.token;
		served++;
		printf("server %d: call %llu from pid %d: \"%.*s\"\n", (int)getpid(),
		       (unsigned long long)info.token, (int)info.pid, (int)n, req);
		fflush(stdout);
	}
	if (token) {
		ret = msgport_reply(mb, token, reply, reply_len);
		if (ret < 0)
			fprintf(stderr, "server %d: last reply: %s\n", (int)getpid(),
				msgport_strerror(ret));
	}
	msgport_mailbox_close(mb);
	return 0;
}
