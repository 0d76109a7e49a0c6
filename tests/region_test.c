// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "region": a mailbox's shared region.  Size rounding and stat and
 * /proc/msgport; sharing between processes that open the mailbox on their
 * own (and with `msgport dump`, another program) and after fork; access follows the descriptor (no PROT_WRITE, not even
 * by mprotect, without MSGPORT_O_SEND; no mapping at all without
 * MSGPORT_O_RECV); bad mmaps (MAP_PRIVATE, out of bounds, growth); the region
 * outlives unlink and close while mapped and is freed by the last munmap
 * (debugfs object counters); max_region_size (EFBIG) and the per-user
 * max_user_bytes (EDQUOT) that regions count in; the creator's memory
 * cgroup pays for the pages (memory.current, memory.max -> ENOMEM);
 * MSGPORT_IOC_REGION_WAIT/_WAKE, the region's futex, across processes.
 * (Unloading while mapped: the module-cycle suite.)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

static size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static struct msgport_mailbox *create_region(const char *name, uint64_t size, uint32_t capacity)
{
	struct msgport_attr a = { .capacity = capacity, .mode = 0600, .region_size = size };

	return tu_create_attr(name, &a, 0);
}

static long objects(const char *key)
{
	long v = -1;
	int ret = tu_objects_read(key, &v);

	if (ret < 0)
		fail_msg("debugfs msgport/objects %s: %s", key, strerror(-ret));
	return v;
}

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

static void assert_proc(const char *name, const char *column, const char *want)
{
	char text[64];

	assert_int_equal(tu_proc_field(name, column, text, sizeof(text)), 0);
	assert_string_equal(text, want);
}

/* mmap(2) of fd, expected to fail with err; nothing is left mapped. */
static void assert_mmap_fails(int fd, size_t len, int prot, int flags, off_t off, int err)
{
	void *p = tu_mmap(fd, len, prot, flags, off);

	if (p != MAP_FAILED) {
		tu_munmap(p);
		fail_msg("mmap(len %zu, prot %#x, flags %#x, off %lld) succeeded, expected %s",
			 len, prot, flags, (long long)off, strerror(err));
	}
	assert_int_equal(errno, err);
}

/* The size is rounded up to pages; stat and /proc show it and the maps. */
static void test_region_size_and_stat(void **state)
{
	const char *name = tu_name("size");
	size_t p = pg(), i;
	struct msgport_mailbox *mb = create_region(name, 2 * p + 1, 4);
	struct msgport_stat st = stat_of(mb);
	char want[32], *a, *b;

	assert_int_equal(st.region_size, 3 * p);
	assert_int_equal(st.region_maps, 0);
	snprintf(want, sizeof(want), "%zu", 3 * p);
	assert_proc(name, "region", want);
	assert_proc(name, "maps", "0");

	a = tu_mmap(msgport_mailbox_fd(mb), 3 * p, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(a != MAP_FAILED);
	for (i = 0; i < 3 * p; i++)
		if (a[i])
			fail_msg("region byte %zu is %d, not zero", i, a[i]);
	assert_int_equal(stat_of(mb).region_maps, 1);
	assert_proc(name, "maps", "1");

	/* A second mapping of the last page sees the same memory. */
	b = tu_mmap(msgport_mailbox_fd(mb), p, PROT_READ, MAP_SHARED, (off_t)(2 * p));
	assert_true(b != MAP_FAILED);
	assert_int_equal(stat_of(mb).region_maps, 2);
	strcpy(a + 2 * p + 10, "same pages");
	assert_string_equal(b + 10, "same pages");

	tu_munmap(b);
	tu_munmap(a);
	assert_int_equal(stat_of(mb).region_maps, 0);
	assert_proc(name, "maps", "0");
}

/* No region: stat says 0, mmap says ENODEV; capacity 0 + region is a pure region. */
static void test_region_absent_and_pure(void **state)
{
	const char *plain = tu_name("plain"), *pure = tu_name("pure");
	struct msgport_mailbox *mb = tu_create(plain, 4, 0, 0600, 0);
	struct msgport_mailbox *rg = create_region(pure, pg(), 0);
	char *p;

	assert_int_equal(stat_of(mb).region_size, 0);
	assert_proc(plain, "region", "0");
	assert_mmap_fails(msgport_mailbox_fd(mb), pg(), PROT_READ, MAP_SHARED, 0, ENODEV);

	assert_int_equal(stat_of(rg).capacity, 0);
	assert_int_equal(stat_of(rg).region_size, pg());
	p = tu_mmap(msgport_mailbox_fd(rg), pg(), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(p != MAP_FAILED);
	strcpy(p, "pure");
	assert_int_equal(stat_of(rg).queued_msgs, 0);
}

struct share_arg {
	const char *name;
	size_t page;
};

/*
 * A process that inherited nothing useful: it opens /dev/msgport and the
 * mailbox by name itself, reads the parent's "Hello" and writes "World!".
 */
static int share_child(void *argp)
{
	struct share_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport *mp;
	char *base;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->name, RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	CHILD_CHECK(msgport_region_size(r) == 2 * arg->page);
	CHILD_CHECK(msgport_region_writable(r) == 1);
	base = msgport_region_addr(r);
	CHILD_CHECK(strcmp(base, "Hello") == 0);
	strcpy(base + arg->page, "World!");
	msgport_region_unmap(r);
	return 0;
}

/* The same, through a descriptor opened for receiving only: read-only. */
static int share_reader(void *argp)
{
	struct share_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport *mp;
	char *base;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_region_writable(r) == 0);
	base = msgport_region_addr(r);
	CHILD_CHECK(strcmp(base, "Hello") == 0);
	CHILD_CHECK(strcmp(base + arg->page, "World!") == 0);
	msgport_region_unmap(r);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

/*
 * Another program altogether: `msgport dump` (on PATH in the VM) maps the
 * region read-only and shows both texts at their offsets.
 */
static void assert_cli_dump(const char *name, size_t page)
{
	char cmd[512], line[256], want[32];
	int hello = 0, world = 0, status;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "msgport dump %s --offset %zu --length 16 && "
		 "msgport dump %s --length 16", name, page, name);
	snprintf(want, sizeof(want), "%08zx  57 6f 72 6c 64 21", page);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "00000000  48 65 6c 6c 6f 00") && strstr(line, "|Hello"))
			hello = 1;
		if (strstr(line, want) && strstr(line, "|World!"))
			world = 1;
	}
	status = pclose(f);
	if (status != 0)
		fail_msg("'%s' failed (status %#x): is the msgport CLI on PATH?", cmd, status);
	assert_true(hello);
	assert_true(world);
}

/* Processes that open the mailbox on their own share the same pages. */
static void test_region_shared_between_processes(void **state)
{
	struct share_arg arg = { tu_name("share"), pg() };
	struct msgport_mailbox *mb = create_region(arg.name, 2 * arg.page, 4);
	struct msgport_region *r = tu_region_map(mb);
	char *base = msgport_region_addr(r);

	strcpy(base, "Hello");
	assert_child_ok(tu_fork(share_child, &arg));
	assert_string_equal(base + arg.page, "World!");
	assert_child_ok(tu_fork(share_reader, &arg));
	assert_int_equal(stat_of(mb).region_maps, 1);
	assert_cli_dump(arg.name, arg.page);
}

struct fork_arg {
	char *base;
	int mbfd;
};

static int fork_child(void *argp)
{
	struct fork_arg *arg = argp;
	struct msgport_stat st;

	/* The inherited mapping: one more VMA on the region. */
	memset(&st, 0, sizeof(st));
	CHILD_CHECK(tu_ioctl(arg->mbfd, MSGPORT_IOC_STAT, &st) == 0);
	CHILD_CHECK(st.region_maps == 2);
	CHILD_CHECK(strcmp(arg->base, "from the parent") == 0);
	strcpy(arg->base + 100, "from the child");
	return 0;
}

/* fork(2) inherits the mapping, shared (not copied on write). */
static void test_region_fork_inherits(void **state)
{
	const char *name = tu_name("fork");
	struct msgport_mailbox *mb = create_region(name, pg(), 4);
	struct fork_arg arg;

	arg.mbfd = msgport_mailbox_fd(mb);
	arg.base = tu_mmap(arg.mbfd, pg(), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(arg.base != MAP_FAILED);
	strcpy(arg.base, "from the parent");
	assert_child_ok(tu_fork(fork_child, &arg));
	assert_string_equal(arg.base + 100, "from the child");
	assert_int_equal(stat_of(mb).region_maps, 1);
}

static int write_child(void *argp)
{
	/* cmocka catches SIGSEGV to report a crash: the child must just die. */
	signal(SIGSEGV, SIG_DFL);
	*(volatile char *)argp = 'x';
	return 0;	/* not reached: the write must fault */
}

/*
 * Access follows the descriptor: receive-only maps read-only and
 * mprotect() cannot add write; send-only and stat-only cannot map.
 */
static void test_region_readonly_descriptor(void **state)
{
	const char *name = tu_name("ro");
	size_t p = pg();
	struct msgport_mailbox *mb = create_region(name, p, 4);
	struct msgport_mailbox *ro = tu_open(name, MSGPORT_O_RECV);
	struct msgport_mailbox *wo = tu_open(name, MSGPORT_O_SEND);
	struct msgport_mailbox *so = tu_open(name, 0);
	char *rw, *r;

	rw = tu_mmap(msgport_mailbox_fd(mb), p, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(rw != MAP_FAILED);
	strcpy(rw, "written by the owner");

	assert_mmap_fails(msgport_mailbox_fd(ro), p, PROT_READ | PROT_WRITE, MAP_SHARED, 0, EACCES);
	assert_mmap_fails(msgport_mailbox_fd(ro), p, PROT_WRITE, MAP_SHARED, 0, EACCES);
	r = tu_mmap(msgport_mailbox_fd(ro), p, PROT_READ, MAP_SHARED, 0);
	assert_true(r != MAP_FAILED);
	assert_string_equal(r, "written by the owner");
	assert_int_equal(mprotect(r, p, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	/* A write through it faults (SIGSEGV) and changes nothing. */
	assert_int_equal(tu_join(tu_fork(write_child, r)), 128 + SIGSEGV);
	assert_string_equal(rw, "written by the owner");

	/* Sending only, or neither direction: no mapping at all. */
	assert_mmap_fails(msgport_mailbox_fd(wo), p, PROT_READ | PROT_WRITE, MAP_SHARED, 0, EACCES);
	assert_mmap_fails(msgport_mailbox_fd(wo), p, PROT_READ, MAP_SHARED, 0, EACCES);
	assert_mmap_fails(msgport_mailbox_fd(so), p, PROT_READ, MAP_SHARED, 0, EACCES);

	/* Read-only at first, write added later: allowed with MSGPORT_O_SEND. */
	tu_munmap(rw);
	rw = tu_mmap(msgport_mailbox_fd(mb), p, PROT_READ, MAP_SHARED, 0);
	assert_true(rw != MAP_FAILED);
	assert_int_equal(mprotect(rw, p, PROT_READ | PROT_WRITE), 0);
	rw[0] = 'W';
	assert_int_equal(r[0], 'W');
}

/* MAP_PRIVATE, out-of-bounds offsets and lengths, zero length, growth. */
static void test_region_bad_mmaps(void **state)
{
	const char *name = tu_name("bad");
	size_t p = pg();
	struct msgport_mailbox *mb = create_region(name, 2 * p, 4);
	int fd = msgport_mailbox_fd(mb);
	char *a, *b;

	assert_mmap_fails(fd, p, PROT_READ, MAP_PRIVATE, 0, EINVAL);
	assert_mmap_fails(fd, p, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, EINVAL);
	assert_mmap_fails(fd, 3 * p, PROT_READ, MAP_SHARED, 0, EINVAL);
	assert_mmap_fails(fd, 2 * p, PROT_READ, MAP_SHARED, (off_t)p, EINVAL);
	assert_mmap_fails(fd, p, PROT_READ, MAP_SHARED, (off_t)(2 * p), EINVAL);
	assert_mmap_fails(fd, p, PROT_READ, MAP_SHARED, (off_t)(1000 * p), EINVAL);
	assert_mmap_fails(fd, 0, PROT_READ, MAP_SHARED, 0, EINVAL);
	assert_mmap_fails(fd, p, PROT_READ, MAP_SHARED, 1, EINVAL);
	/* Flags the region does not support, asked for with MAP_SHARED_VALIDATE. */
	assert_mmap_fails(fd, p, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, 0, EOPNOTSUPP);
	assert_int_equal(stat_of(mb).region_maps, 0);

	/* In bounds at an offset: that part of the region. */
	a = tu_mmap(fd, 2 * p, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(a != MAP_FAILED);
	strcpy(a + p, "second page");
	b = tu_mmap(fd, p, PROT_READ, MAP_SHARED, (off_t)p);
	assert_true(b != MAP_FAILED);
	assert_string_equal(b, "second page");

	/* The mapping cannot grow (VM_DONTEXPAND); shrinking is fine. */
	assert_true(mremap(b, p, 2 * p, MREMAP_MAYMOVE) == MAP_FAILED);
	assert_true(mremap(a, 2 * p, 3 * p, MREMAP_MAYMOVE) == MAP_FAILED);
	assert_string_equal(b, "second page");
}

/*
 * Unlinked and closed while mapped: the region stays (the mapping holds the
 * descriptor), the name is free for a new mailbox with its own region, and
 * the last munmap frees it: the module's object counters say so.
 */
static void test_region_outlives_unlink_while_mapped(void **state)
{
	const char *name = tu_name("life");
	long regions = objects("regions"), bytes = objects("region_bytes");
	long maps = objects("region_maps"), files = objects("files");
	size_t p = pg();
	struct msgport_mailbox *mb, *again;
	char *a, *b;

	mb = create_region(name, 4 * p, 4);
	assert_int_equal(objects("regions"), regions + 1);
	assert_int_equal(objects("region_bytes"), bytes + (long)(4 * p));
	a = tu_mmap(msgport_mailbox_fd(mb), 4 * p, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(objects("region_maps"), maps + 1);
	strcpy(a + 3 * p, "still here");

	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	tu_close(mb);
	assert_int_equal(tu_proc_count(name), 0);
	assert_int_equal(objects("regions"), regions + 1);
	assert_int_equal(objects("region_maps"), maps + 1);
	assert_int_equal(objects("files"), files + 1);	/* the mapping's */
	assert_string_equal(a + 3 * p, "still here");
	strcpy(a, "and writable");
	assert_string_equal(a, "and writable");

	/* The name is free: a new mailbox, a new (zeroed) region. */
	again = create_region(name, p, 4);
	assert_int_equal(objects("regions"), regions + 2);
	b = tu_mmap(msgport_mailbox_fd(again), p, PROT_READ, MAP_SHARED, 0);
	assert_true(b != MAP_FAILED);
	assert_int_equal(b[0], 0);
	tu_munmap(b);
	tu_close(again);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(objects("regions"), regions + 1);

	tu_munmap(a);
	assert_int_equal(objects("regions"), regions);
	assert_int_equal(objects("region_bytes"), bytes);
	assert_int_equal(objects("region_maps"), maps);
	assert_int_equal(objects("files"), files);
}

/* max_region_size: EFBIG past it (after rounding); only when creating. */
static void test_region_max_size(void **state)
{
	const char *ok = tu_name("max-ok"), *big = tu_name("max-big");
	size_t p = pg();
	struct msgport_attr a = { .capacity = 1, .mode = 0600 };
	struct msgport_mailbox *mb = NULL;
	unsigned long long v;

	assert_int_equal(tu_param_read("max_region_size", &v), 0);
	assert_true(v >= 64ULL << 20);
	tu_param_set("max_region_size", 8 * p);
	create_region(ok, 8 * p, 1);
	a.region_size = 8 * p + 1;
	assert_int_equal(msgport_mailbox_open(tu_mp(), big, MSGPORT_O_CREAT | RW, &a, &mb), -EFBIG);
	a.region_size = 1ULL << 62;
	assert_int_equal(msgport_mailbox_open(tu_mp(), big, MSGPORT_O_CREAT | RW, &a, &mb), -EFBIG);
	a.region_size = ~0ULL;
	assert_int_equal(msgport_mailbox_open(tu_mp(), big, MSGPORT_O_CREAT | RW, &a, &mb), -EFBIG);
	assert_null(mb);
	assert_int_equal(tu_proc_count(big), 0);
	/* Opening an existing mailbox ignores the creation attributes. */
	assert_int_equal(msgport_mailbox_open(tu_mp(), ok, MSGPORT_O_CREAT | RW, &a, &mb), 0);
	assert_int_equal(stat_of(mb).region_size, 8 * p);
	msgport_mailbox_close(mb);
}

/* Regions count in the creator's max_user_bytes, with queued messages. */
static void test_region_user_quota(void **state)
{
	const char *a = tu_name("quota-a"), *b = tu_name("quota-b");
	size_t p = pg();
	struct msgport_attr attr = { .capacity = 4, .mode = 0600, .region_size = p };
	struct msgport_mailbox *ma, *mb = NULL;
	char byte = 'q';

	tu_param_set("max_user_bytes", 16 * p);
	ma = create_region(a, 15 * p, 4);
	assert_int_equal(msgport_mailbox_open(tu_mp(), b, MSGPORT_O_CREAT | RW, &attr, &mb), 0);
	/* 16 pages charged: not one more region page, not one more byte queued. */
	assert_int_equal(msgport_send(mb, &byte, 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EDQUOT);
	msgport_mailbox_close(mb);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), b), 0);
	attr.region_size = 2 * p;
	assert_int_equal(msgport_mailbox_open(tu_mp(), b, MSGPORT_O_CREAT | RW, &attr, &mb),
			 -EDQUOT);
	assert_int_equal(tu_proc_count(b), 0);
	assert_int_equal(msgport_send(ma, &byte, 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), 0);

	/* Freed with its mailbox: the charge goes too. */
	tu_close(ma);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), a), 0);
	attr.region_size = 15 * p;
	assert_int_equal(msgport_mailbox_open(tu_mp(), b, MSGPORT_O_CREAT | RW, &attr, &mb), 0);
	msgport_mailbox_close(mb);
}

/* MSGPORT_IOC_REGION_WAIT, raw: 0 or -errno. */
static int raw_wait(int fd, uint64_t off, uint32_t value, uint32_t flags, uint64_t timeout_ns,
		    uint64_t reserved)
{
	struct msgport_region_wait w;

	memset(&w, 0, sizeof(w));
	w.offset = off;
	w.value = value;
	w.flags = flags;
	w.timeout_ns = timeout_ns;
	w.reserved = reserved;
	return tu_ioctl(fd, MSGPORT_IOC_REGION_WAIT, &w);
}

struct waiter_arg {
	const char *name;
	uint64_t off;
};

/* Another process: waits while the word holds 5, expects 6 after. */
static int waiter_child(void *argp)
{
	struct waiter_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport *mp;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_region_wait(r, arg->off, 5, MSGPORT_WAIT_FOREVER) == 0);
	CHILD_CHECK(*(volatile uint32_t *)((char *)msgport_region_addr(r) + arg->off) == 6);
	return 0;
}

/*
 * The region's futex: errors, a word that differs returns at once, a time-
 * out, a wake-up with the word unchanged keeps the sleeper asleep, a change
 * plus a wake-up ends its wait.  futex(2) itself cannot do this here.
 */
static void test_region_wait_wake(void **state)
{
	const char *name = tu_name("wait"), *plain = tu_name("nowait");
	size_t p = pg();
	struct msgport_mailbox *mb = create_region(name, p, 4);
	struct msgport_mailbox *nr = tu_create(plain, 4, 0, 0600, 0);
	struct msgport_mailbox *wo = tu_open(name, MSGPORT_O_SEND);
	struct msgport_mailbox *so = tu_open(name, 0);
	struct msgport_region *r = tu_region_map(mb);
	struct waiter_arg arg = { name, 64 };
	volatile uint32_t *word = (uint32_t *)((char *)msgport_region_addr(r) + arg.off);
	int fd = msgport_mailbox_fd(mb), status;
	pid_t pid;

	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REGION_WAIT, NULL), -EFAULT);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REGION_WAIT, tu_unmapped_page()), -EFAULT);
	assert_int_equal(raw_wait(fd, 64, 1, 0, 0, 1), -EINVAL);
	assert_int_equal(raw_wait(fd, 64, 1, MSGPORT_F_NONBLOCK, 0, 0), -EINVAL);
	assert_int_equal(raw_wait(fd, 66, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(raw_wait(fd, p, 1, 0, 0, 0), -ERANGE);
	assert_int_equal(raw_wait(fd, ~0ULL - 3, 1, 0, 0, 0), -ERANGE);
	assert_int_equal(raw_wait(msgport_mailbox_fd(nr), 0, 1, 0, 0, 0), -ENODEV);
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(nr), MSGPORT_IOC_REGION_WAKE, NULL), -ENODEV);
	assert_int_equal(raw_wait(msgport_mailbox_fd(wo), 0, 1, 0, 0, 0), -EBADF);
	assert_int_equal(raw_wait(msgport_mailbox_fd(so), 0, 1, 0, 0, 0), -EBADF);
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(so), MSGPORT_IOC_REGION_WAKE, NULL), -EBADF);

	*word = 5;
	assert_int_equal(raw_wait(fd, p - 4, 1, 0, 0, 0), 0);	/* holds 0, not 1 */
	assert_int_equal(msgport_region_wait(r, arg.off, 7, MSGPORT_WAIT_FOREVER), 0);
	assert_int_equal(msgport_region_wait(r, arg.off, 5, 20000000), -ETIMEDOUT);
	assert_int_equal(msgport_region_wait(r, arg.off, 5, 0), -ETIMEDOUT);

	/* futex(2) cannot key a shared wait on these pages. */
	assert_int_equal(syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0), -1);
	assert_int_equal(errno, EFAULT);

	pid = tu_fork(waiter_child, &arg);
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	assert_int_equal(msgport_region_wake(r), 0);	/* word unchanged */
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	__atomic_store_n(word, 6, __ATOMIC_SEQ_CST);
	assert_int_equal(msgport_region_wake(r), 0);
	assert_child_ok(pid);
}

#define CHURN_PROCS	4
#define CHURN_ROUNDS	300

struct churn_arg {
	const char *name;
	unsigned int slot;
};

/* Open by name, map, write, fork a toucher, unmap, close: over and over. */
static int churn_child(void *argp)
{
	struct churn_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport *mp;
	unsigned int i, mapped = 0, absent = 0;
	int ret;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	for (i = 0; i < CHURN_ROUNDS; i++) {
		ret = msgport_mailbox_open(mp, arg->name, RW, NULL, &mb);
		if (ret == -ENOENT) {
			/*
			 * Between unlink and re-creation.  A loaded host can
			 * stall the parent's vCPU there for a long time: wait
			 * for it (and do not count the round), up to 10 s.
			 */
			CHILD_CHECK(++absent < 10000);
			usleep(1000);
			i--;
			continue;
		}
		CHILD_CHECK(ret == 0);
		ret = msgport_region_map(mb, &r);
		msgport_mailbox_close(mb);
		CHILD_CHECK(ret == 0);
		((volatile unsigned int *)msgport_region_addr(r))[arg->slot] = i;
		if (i % 50 == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				((volatile unsigned int *)msgport_region_addr(r))[arg->slot] = ~i;
				_exit(0);
			}
			CHILD_CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid);
		}
		msgport_region_unmap(r);
		mapped++;
	}
	msgport_close(mp);
	CHILD_CHECK(mapped > 0);
	return 0;
}

/*
 * Mappings come and go in several processes (and their forks) while the
 * mailbox is unlinked and created again under them: nothing leaks (the
 * module's counters go back to where they were) and the kernel stays quiet.
 */
static void test_region_churn(void **state)
{
	const char *name = tu_name("churn");
	long regions = objects("regions"), maps = objects("region_maps");
	long files = objects("files"), mailboxes = objects("mailboxes");
	struct churn_arg args[CHURN_PROCS];
	pid_t pids[CHURN_PROCS];
	struct msgport_mailbox *mb;
	unsigned int i;

	mb = create_region(name, 4 * pg(), 1);
	for (i = 0; i < CHURN_PROCS; i++) {
		args[i].name = name;
		args[i].slot = i;
		pids[i] = tu_fork(churn_child, &args[i]);
	}
	for (i = 0; i < 40; i++) {
		usleep(2000);
		assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
		tu_close(mb);
		mb = create_region(name, 4 * pg(), 1);
	}
	for (i = 0; i < CHURN_PROCS; i++)
		assert_child_ok(pids[i]);
	tu_close(mb);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(objects("regions"), regions);
	assert_int_equal(objects("region_maps"), maps);
	assert_int_equal(objects("files"), files);
	assert_int_equal(objects("mailboxes"), mailboxes);
}

#define CGROOT "/sys/fs/cgroup"

struct memcg_arg {
	const char *cg;
	const char *a, *b;
};

#define MEMCG_REGION	(8LL << 20)
/*
 * memory.current moves in batches: each CPU keeps up to MEMCG_CHARGE_BATCH
 * (64) pages charged ahead for one cgroup, and gives them back when another
 * cgroup charges on that CPU (any busy system: systemd's services).  So the
 * counter may show a charge up to that much less than what was allocated.
 */
#define MEMCG_SLACK	(64LL * 4096)

/* In its own memory cgroup: the region is charged there, and capped. */
static int memcg_child(void *argp)
{
	struct memcg_arg *arg = argp;
	struct msgport_attr attr = { .capacity = 1, .mode = 0600, .region_size = MEMCG_REGION };
	struct msgport_mailbox *mb;
	struct msgport *mp;
	char path[256], text[32];
	long long before, after;

	snprintf(path, sizeof(path), "%s/cgroup.procs", arg->cg);
	CHILD_CHECK(tu_file_write(path, "0") == 0);
	snprintf(path, sizeof(path), "%s/memory.current", arg->cg);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	before = tu_file_number(path);
	CHILD_CHECK(before >= 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->a, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, &attr,
					 &mb) == 0);
	after = tu_file_number(path);
	if (after - before < MEMCG_REGION - MEMCG_SLACK)
		fprintf(stderr, "memory.current %lld -> %lld\n", before, after);
	CHILD_CHECK(after - before >= MEMCG_REGION - MEMCG_SLACK);

	/* Room for less than another region: creating one fails, nothing kept. */
	snprintf(path, sizeof(path), "%s/memory.max", arg->cg);
	snprintf(text, sizeof(text), "%lld", after + MEMCG_REGION / 4);
	CHILD_CHECK(tu_file_write(path, text) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->b, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, &attr,
					 &mb) == -ENOMEM);
	return 0;
}

/* The creator's memory cgroup is charged for the region, and its limit holds. */
static void test_region_memcg_charged(void **state)
{
	struct memcg_arg arg = { NULL, tu_name("memcg-a"), tu_name("memcg-b") };
	char cg[128];

	if (access(CGROOT "/cgroup.controllers", F_OK) < 0) {
		mkdir(CGROOT, 0755);
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL) < 0)
			fail_msg("mounting cgroup2 on %s: %s", CGROOT, strerror(errno));
	}
	/* Already enabled is fine; so is failing if memory is not available: mkdir says. */
	tu_file_write(CGROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg, sizeof(cg), CGROOT "/msgport-test-%d", (int)getpid());
	if (mkdir(cg, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", cg, strerror(errno));
	arg.cg = cg;
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/memory.current", cg);
		if (access(path, F_OK) < 0)
			fail_msg("%s: %s: this kernel has no memory cgroup controller (CONFIG_MEMCG), "
				 "so the charge cannot be checked", path, strerror(errno));
	}
	assert_child_ok(tu_fork(memcg_child, &arg));
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), arg.a), 0);
	assert_int_equal(tu_proc_count(arg.b), 0);
	assert_int_equal(rmdir(cg), 0);
}

static const struct CMUnitTest region_tests[] = {
	TU_TEST(test_region_size_and_stat),
	TU_TEST(test_region_absent_and_pure),
	TU_TEST(test_region_shared_between_processes),
	TU_TEST(test_region_fork_inherits),
	TU_TEST(test_region_readonly_descriptor),
	TU_TEST(test_region_bad_mmaps),
	TU_TEST(test_region_outlives_unlink_while_mapped),
	TU_TEST(test_region_max_size),
	TU_TEST(test_region_user_quota),
	TU_TEST(test_region_wait_wake),
	TU_TEST(test_region_churn),
	TU_TEST(test_region_memcg_charged),
};

MSGPORT_SUITE(region_suite, MSGPORT_GROUP_MODULE, 1100, "region",
	      "shared regions: mmap, sharing, access, bounds, lifetime, limits", region_tests);
