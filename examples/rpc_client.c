// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An RPC client: calls the server of the mailbox NAME once per MESSAGE and
 * prints each reply with the pid of the server that answered.  A call is
 * one system call: the request goes out with a token and the caller sleeps
 * until that request's reply comes back, to it and to no one else.
 *
 *   example-rpc-client NAME MESSAGE...
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libmsgport.h>

int main(int argc, char **argv)
{
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	struct msgport *mp;
	char reply[8192];
	int i, ret;
	ssize_t n;

	if (argc < 3) {
		fprintf(stderr, "usage: example-rpc-client NAME MESSAGE...\n");
		return 2;
	}
	ret = msgport_open(NULL, &mp);
	if (ret < 0) {
		fprintf(stderr, "msgport_open: %s\n", msgport_strerror(ret));
		return 1;
	}
	ret = msgport_mailbox_open(mp, argv[1], MSGPORT_O_SEND, NULL, &mb);
	msgport_close(mp);
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], msgport_strerror(ret));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		/* 5 s at most: a call nobody took by then is withdrawn. */
		n = msgport_call(mb, argv[i], strlen(argv[i]), reply, sizeof(reply), 0, 0,
				 5000000000LL, &info);
		if (n < 0) {
			fprintf(stderr, "client %d: call \"%s\": %s\n", (int)getpid(), argv[i],
				msgport_strerror((int)n));
			return 1;
		}
		printf("client %d: \"%s\" -> \"%.*s\" (answered by server %d)\n", (int)getpid(),
		       argv[i], (int)n, reply, (int)info.pid);
		fflush(stdout);
	}
	msgport_mailbox_close(mb);
	return 0;
}
