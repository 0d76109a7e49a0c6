// SPDX-License-Identifier: GPL-2.0
/*
 * upgrade-holder: the process that holds a mailbox across a package upgrade
 * in make check-packages (tests/pkg/guest-check).  Built in the guest
 * against the installed libmsgport-dev: cc upgrade-holder.c $(pkg-config
 * --cflags --libs msgport).
 *
 *   upgrade-holder NAME COUNT
 *
 * Creates mailbox NAME (mode 0666, unbounded), queues COUNT messages
 * (message i: i's bytes as below, NULs included), prints "ready" and waits
 * for a line on standard input.  On "recv K" it receives K messages and
 * checks each is the next one expected, byte for byte, and prints "ok K" or
 * "bad: ..."; on end of input it closes the mailbox and exits 0.  Message i
 * is also what `payload I` prints (the checks compare what the CLI receives
 * with it):
 *
 *   upgrade-holder --payload I
 *
 * Message i: (i % 61) + 1 bytes, byte j = (i * 31 + j * 7) & 0xff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmsgport.h>

static size_t payload(unsigned long i, unsigned char *buf)
{
	size_t n = (i % 61) + 1, j;

	for (j = 0; j < n; j++)
		buf[j] = (unsigned char)((i * 31 + j * 7) & 0xff);
	return n;
}

int main(int argc, char **argv)
{
	struct msgport_attr attr = { .capacity = MSGPORT_CAPACITY_UNBOUNDED, .mode = 0666 };
	struct msgport_mailbox *mb;
	unsigned char buf[128], got[128];
	unsigned long count, i, next = 0;
	struct msgport *mp;
	char line[64];
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--payload")) {
		size_t n = payload(strtoul(argv[2], NULL, 10), buf);

		return fwrite(buf, 1, n, stdout) == n ? 0 : 1;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: upgrade-holder NAME COUNT | --payload I\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = msgport_open(NULL, &mp);
	if (ret < 0) {
		fprintf(stderr, "upgrade-holder: /dev/msgport: %s\n", msgport_strerror(ret));
		return 1;
	}
	ret = msgport_mailbox_open(mp, argv[1],
				   MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV | MSGPORT_O_SEND,
				   &attr, &mb);
	if (ret < 0) {
		fprintf(stderr, "upgrade-holder: %s: %s\n", argv[1], msgport_strerror(ret));
		return 1;
	}
	for (i = 0; i < count; i++) {
		ret = msgport_send(mb, buf, payload(i, buf), 0, 0, MSGPORT_WAIT_FOREVER, NULL);
		if (ret < 0) {
			fprintf(stderr, "upgrade-holder: send %lu: %s\n", i, msgport_strerror(ret));
			return 1;
		}
	}
	printf("ready\n");

	while (fgets(line, sizeof(line), stdin)) {
		unsigned long k, done;

		if (sscanf(line, "recv %lu", &k) != 1) {
			printf("bad: command '%s'\n", line);
			continue;
		}
		for (done = 0; done < k; done++, next++) {
			size_t want = payload(next, buf);
			ssize_t n = msgport_recv(mb, got, sizeof(got), MSGPORT_F_NONBLOCK, 0, NULL);

			if (n < 0) {
				printf("bad: message %lu: %s\n", next, msgport_strerror((int)n));
				break;
			}
			if ((size_t)n != want || memcmp(got, buf, want)) {
				printf("bad: message %lu differs (%zd bytes, %zu expected)\n", next, n, want);
				break;
			}
		}
		if (done == k)
			printf("ok %lu\n", k);
	}
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}
