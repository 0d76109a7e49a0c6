// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seed's producer on msgport: shm_producer.c line for line, with a
 * mailbox's shared region instead of a POSIX shared-memory object, plus what
 * POSIX shared memory lacks: a message that tells the consumer the data is
 * ready, so the consumer may just as well start first and wait.
 *
 *   example-region-producer [NAME]    and    example-region-consumer [NAME]
 *
 *   POSIX                                  msgport
 *   shm_open(name, O_CREAT|O_RDWR, 0666)   msgport_mailbox_open(mp, name, O_CREAT|SEND|RECV, attr)
 *   ftruncate(fd, SIZE)                    attr.region_size = SIZE (fixed at creation)
 *   mmap(0, SIZE, ..., MAP_SHARED, fd, 0)  msgport_region_map(mb, &region)
 *   (nothing)                              msgport_send(mb, "", 0, ...): "written"
 *   shm_unlink(name)                       msgport_mailbox_unlink(mp, name)
 */
#include <stdio.h>
#include <string.h>

#include <libmsgport.h>

int main(int argc, char **argv)
{
	const int SIZE = 4096;
	const char *name = argc > 1 ? argv[1] : "OS";
	const char *message_0 = "Hello";
	const char *message_1 = "World!";
	struct msgport_attr attr = { .capacity = 1, .mode = 0666, .region_size = SIZE };
	struct msgport_mailbox *mb;
	struct msgport_region *region;
	struct msgport *mp;
	char *ptr;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret < 0) {
		fprintf(stderr, "msgport_open: %s\n", msgport_strerror(ret));
		return 1;
	}
	/* Create the mailbox with a region of SIZE bytes (shm_open + ftruncate)... */
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_SEND | MSGPORT_O_RECV,
				   &attr, &mb);
	if (ret < 0) {
		fprintf(stderr, "msgport_mailbox_open: %s\n", msgport_strerror(ret));
		return 1;
	}
	/* ...and map the region (mmap). */
	ret = msgport_region_map(mb, &region);
	if (ret < 0) {
		fprintf(stderr, "msgport_region_map: %s\n", msgport_strerror(ret));
		return 1;
	}
	ptr = msgport_region_addr(region);

	/* Write to the shared memory. */
	sprintf(ptr, "%s", message_0);
	ptr += strlen(message_0);
	sprintf(ptr, "%s", message_1);
	ptr += strlen(message_1);

	/*
	 * Tell the consumer it is there: an empty message, buffered by the
	 * kernel (if the mailbox already existed with capacity 0, a rendezvous,
	 * this waits until the consumer takes it).
	 */
	ret = msgport_send(mb, "", 0, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (ret < 0) {
		fprintf(stderr, "msgport_send: %s\n", msgport_strerror(ret));
		return 1;
	}
	printf("producer: wrote \"%s%s\" to the region of mailbox %s, and said so\n", message_0,
	       message_1, name);
	msgport_region_unmap(region);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}
