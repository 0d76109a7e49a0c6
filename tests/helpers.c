// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of msgport-test that make no cmocka assertion, so that children
 * and threads may use them: raw ioctls, time, privileges, awaiting a state,
 * module parameters, /proc/msgport, payloads.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "msgport_test.h"

#define PARAM_DIR "/sys/module/msgport/parameters/"
#define PROC_MSGPORT "/proc/msgport"

int tu_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int tu_raw_open(int devfd, const char *name, uint32_t flags, uint32_t mode, uint32_t capacity,
		uint32_t max_msg_size)
{
	struct msgport_open o;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.name_len = name ? (uint32_t)strlen(name) : 0;
	o.flags = flags;
	o.mode = mode;
	o.capacity = capacity;
	o.max_msg_size = max_msg_size;
	return tu_ioctl(devfd, MSGPORT_IOC_OPEN, &o);
}

uint64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int tu_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0)
		return -errno;
	if (setresgid(gid, gid, gid) < 0)
		return -errno;
	if (setresuid(uid, uid, uid) < 0)
		return -errno;
	if (geteuid() != uid || getegid() != gid)
		return -EPERM;
	return 0;
}

int tu_drop_privileges(void)
{
	return tu_become(TU_NOBODY, TU_NOBODY);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int tu_await_stat(int mbfd, enum tu_stat_field field, uint64_t value, int timeout_ms)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct msgport_stat st;
	uint64_t cur;
	int ret;

	for (;;) {
		memset(&st, 0, sizeof(st));
		ret = tu_ioctl(mbfd, MSGPORT_IOC_STAT, &st);
		if (ret < 0)
			return ret;
		switch (field) {
		case TU_WAITING_SENDERS:
			cur = st.waiting_senders;
			break;
		case TU_WAITING_RECEIVERS:
			cur = st.waiting_receivers;
			break;
		case TU_QUEUED_MSGS:
		default:
			cur = st.queued_msgs;
			break;
		}
		if (cur == value)
			return 0;
		if (tu_now_ns() > deadline) {
			fprintf(stderr, "await: stat field %d is %llu, awaited %llu\n", (int)field,
				(unsigned long long)cur, (unsigned long long)value);
			return -ETIMEDOUT;
		}
		sleep_ms(1);
	}
}

int tu_await_sleeping(pid_t pid, int timeout_ms)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return -EIO;
		buf[n] = '\0';
		/* "tid (comm) S ...": the state follows the last ')'. */
		p = strrchr(buf, ')');
		if (p && (p[2] == 'S' || p[2] == 'D'))
			return 0;
		if (tu_now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(1);
	}
}

int tu_file_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	return n == (ssize_t)len ? 0 : -EIO;
}

long long tu_file_number(const char *path)
{
	char buf[64], *end;
	long long v;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 0);
	if (errno || end == buf || v < 0)
		return -EINVAL;
	return v;
}

int tu_param_read(const char *param, unsigned long long *value)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), PARAM_DIR "%s", param);
	v = tu_file_number(path);
	if (v < 0)
		return (int)v;
	*value = (unsigned long long)v;
	return 0;
}

int tu_param_write(const char *param, unsigned long long value)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", param);
	snprintf(buf, sizeof(buf), "%llu\n", value);
	return tu_file_write(path, buf);
}

static FILE *open_proc(void)
{
	return fopen(PROC_MSGPORT, "re");
}

/* Split line into whitespace-separated words, in place. */
static size_t split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(line, " \t\n", &save); w && n < max; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	return n;
}

int tu_proc_count(const char *name)
{
	char line[1024], *words[32];
	int count = 0;
	size_t i, n;
	FILE *f;

	f = open_proc();
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		n = split_words(line, words, ARRAY_SIZE(words));
		for (i = 0; i < n; i++)
			if (!strcmp(words[i], name))
				count++;
	}
	fclose(f);
	return count;
}

int tu_proc_field(const char *name, const char *column, char *out, size_t outlen)
{
	char header[1024], line[1024], *hw[32], *lw[32];
	size_t nh, nl, i, col = SIZE_MAX, namecol = SIZE_MAX;
	int ret = -ENOENT;
	FILE *f;

	f = open_proc();
	if (!f)
		return -errno;
	if (!fgets(header, sizeof(header), f)) {
		fclose(f);
		return -EIO;
	}
	nh = split_words(header, hw, ARRAY_SIZE(hw));
	for (i = 0; i < nh; i++) {
		if (!strcmp(hw[i], column))
			col = i;
		if (!strcmp(hw[i], "name"))
			namecol = i;
	}
	if (col == SIZE_MAX || namecol == SIZE_MAX) {
		fclose(f);
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f)) {
		nl = split_words(line, lw, ARRAY_SIZE(lw));
		if (nl == nh && !strcmp(lw[namecol], name)) {
			snprintf(out, outlen, "%s", lw[col]);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int tu_objects_read(const char *key, long *value)
{
	char k[64];
	long v;
	int ret = -ENOENT;
	FILE *f = fopen("/sys/kernel/debug/msgport/objects", "re");

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", k, &v) == 2) {
		if (!strcmp(k, key)) {
			*value = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* debugfs msgport/users: uid's line ("uid bytes mailboxes"), zeros if none. */
static int user_line(uid_t uid, long *bytes, int *mailboxes)
{
	char line[128];
	unsigned int u;
	long b;
	int n;
	FILE *f = fopen("/sys/kernel/debug/msgport/users", "re");

	if (!f)
		return -errno;
	*bytes = 0;
	*mailboxes = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %ld %d", &u, &b, &n) == 3 && u == uid) {
			*bytes = b;
			*mailboxes = n;
			break;
		}
	}
	fclose(f);
	return 0;
}

int tu_user_charge(uid_t uid, long *bytes)
{
	int mailboxes;

	return user_line(uid, bytes, &mailboxes);
}

int tu_user_mailboxes(uid_t uid)
{
	long bytes;
	int mailboxes, ret = user_line(uid, &bytes, &mailboxes);

	return ret ? ret : mailboxes;
}

void *tu_unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 4096);
	return p;
}

void *tu_readonly_copy(const void *src, size_t len)
{
	/* Two pages: the second stays inaccessible, for pointers that run off the first. */
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || len > 4096)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, 4096, PROT_READ) < 0 || mprotect(p + 4096, 4096, PROT_NONE) < 0)
		return NULL;
	return p;
}

uint32_t tu_fnv1a(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t h = 2166136261U;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619U;
	}
	return h;
}

void tu_fill(void *buf, size_t len, uint32_t a, uint32_t b)
{
	unsigned char *p = buf;
	uint32_t x = (a * 2654435761U ^ (b + 0x9e3779b9U)) | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

int tu_await_wchan(pid_t pid, const char *fn)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)TU_AWAIT_MS * 1000000ULL;
	char path[64], buf[128];

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	while (tu_now_ns() < deadline) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, fn))
				return 0;
		}
		usleep(1000);
	}
	return -ETIMEDOUT;
}
