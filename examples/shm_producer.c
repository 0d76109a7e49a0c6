// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The seed's producer on POSIX shared memory: create the shared-memory
 * object NAME (default "OS"), size it, map it and write "Hello" then
 * "World!" into it.  Its twin on msgport is region_producer.c; read them
 * side by side.
 *
 *   example-shm-producer [NAME]    then    example-shm-consumer [NAME]
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const int SIZE = 4096;
	const char *name = argc > 1 ? argv[1] : "OS";
	const char *message_0 = "Hello";
	const char *message_1 = "World!";
	char *ptr;
	int fd;

	/* Create the shared-memory object (a file in /dev/shm)... */
	fd = shm_open(name, O_CREAT | O_RDWR, 0666);
	if (fd < 0) {
		perror("shm_open");
		return 1;
	}
	/* ...give it its size... */
	if (ftruncate(fd, SIZE) < 0) {
		perror("ftruncate");
		return 1;
	}
	/* ...and map it. */
	ptr = mmap(0, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ptr == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	close(fd);

	/* Write to the shared memory. */
	sprintf(ptr, "%s", message_0);
	ptr += strlen(message_0);
	sprintf(ptr, "%s", message_1);
	ptr += strlen(message_1);

	/*
	 * Nothing tells a consumer that the data is there: it must be started
	 * after this program, or poll, or use another mechanism to wait.
	 */
	printf("producer: wrote \"%s%s\" to shared-memory object /%s\n", message_0, message_1,
	       name);
	return 0;
}
