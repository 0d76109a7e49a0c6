// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seed's consumer on msgport: shm_consumer.c line for line, but it
 * waits (at most 10 seconds) for the producer's "written" message before it
 * reads, so the two may start in either order.  Opened for receiving only,
 * the region maps read-only, as O_RDONLY does for shm_open.
 */
#include <stdio.h>

#include <libmsgport.h>

#define WAIT_NS	(10 * 1000000000LL)

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "OS";
	struct msgport_mailbox *mb;
	struct msgport_region *region;
	struct msgport *mp;
	ssize_t n;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret < 0) {
		fprintf(stderr, "msgport_open: %s\n", msgport_strerror(ret));
		return 1;
	}
	/* Open the mailbox for receiving (shm_open O_RDONLY)... */
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_RECV, NULL, &mb);
	if (ret < 0) {
		fprintf(stderr, "msgport_mailbox_open %s: %s (start the producer first)\n", name,
			msgport_strerror(ret));
		return 1;
	}
	/* ...wait until the producer says the data is there... */
	n = msgport_recv(mb, NULL, 0, 0, WAIT_NS, NULL);
	if (n < 0) {
		fprintf(stderr, "waiting for the producer: %s\n", msgport_strerror((int)n));
		return 1;
	}
	/* ...and map the region, read-only (mmap). */
	ret = msgport_region_map(mb, &region);
	if (ret < 0) {
		fprintf(stderr, "msgport_region_map: %s\n", msgport_strerror(ret));
		return 1;
	}

	/* Read from the shared memory. */
	printf("consumer: read \"%.*s\" from the region of mailbox %s\n",
	       (int)msgport_region_size(region), (char *)msgport_region_addr(region), name);

	/* Remove the mailbox (shm_unlink): the region goes with the last mapping. */
	ret = msgport_mailbox_unlink(mp, name);
	if (ret < 0) {
		fprintf(stderr, "msgport_mailbox_unlink: %s\n", msgport_strerror(ret));
		return 1;
	}
	msgport_region_unmap(region);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}
