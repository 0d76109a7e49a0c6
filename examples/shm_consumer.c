// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seed's consumer on POSIX shared memory: open the object NAME
 * (default "OS") read-only, map it, print what the producer wrote and remove
 * the object.  Its twin on msgport is region_consumer.c.
 *
 * (The seed maps it with PROT_READ | PROT_WRITE, which a descriptor opened
 * O_RDONLY does not allow: mmap fails with EACCES.  PROT_READ is right.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const int SIZE = 4096;
	const char *name = argc > 1 ? argv[1] : "OS";
	char *ptr;
	int fd;

	/* Open the shared-memory object... */
	fd = shm_open(name, O_RDONLY, 0666);
	if (fd < 0) {
		perror("shm_open (start the producer first)");
		return 1;
	}
	/* ...and map it. */
	ptr = mmap(0, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (ptr == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);

	/* Read from the shared memory. */
	printf("consumer: read \"%.*s\" from shared-memory object /%s\n", SIZE, ptr, name);

	/* Remove the shared-memory object. */
	if (shm_unlink(name) < 0) {
		perror("shm_unlink");
		return 1;
	}
	return 0;
}
