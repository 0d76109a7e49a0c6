// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "module-cycle" (runs last): after everything else, every object of
 * the module is gone once closed (the debugfs object counters read zero),
 * unloading is refused while /dev/msgport or a mailbox descriptor is open,
 * and load -> use -> unload -> load works, with nothing surviving a reload.
 * It leaves the module loaded, with default parameters.
 *
 * Loading and unloading use the raw finit_module(2) and delete_module(2)
 * system calls on the module file: $MSGPORT_KO, else
 * /lib/modules/$(uname -r)/extra/msgport.ko (where the VM harness puts it),
 * else the msgport.ko that modules.dep names (an installed module: DKMS
 * compresses it as the kernel's own modules are, msgport.ko.xz on Debian's
 * 6.12, decompressed here as modprobe does), else
 * ./msgport.ko (the build tree, the VM's cwd).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"


#define OBJECTS "/sys/kernel/debug/msgport/objects"
#define SYSMOD "/sys/module/msgport"

static const char *module_path(void)
{
	static char path[2048];
	struct utsname u;
	const char *env = getenv("MSGPORT_KO");

	if (env && *env)
		return env;
	if (uname(&u) == 0) {
		char line[1024], dep[512];
		FILE *f;

		snprintf(path, sizeof(path), "/lib/modules/%s/extra/msgport.ko", u.release);
		if (access(path, R_OK) == 0)
			return path;
		/* Installed elsewhere (dkms: updates/dkms/): ask modules.dep. */
		snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", u.release);
		f = fopen(dep, "re");
		while (f && fgets(line, sizeof(line), f)) {
			char *colon = strchr(line, ':');
			char *name;

			if (!colon)
				continue;
			*colon = '\0';
			name = strrchr(line, '/');
			name = name ? name + 1 : line;
			if (strcmp(name, "msgport.ko") && strcmp(name, "msgport.ko.xz") &&
			    strcmp(name, "msgport.ko.zst") && strcmp(name, "msgport.ko.gz"))
				continue;
			snprintf(path, sizeof(path), "%s%s/%s", line[0] == '/' ? "" : "/lib/modules/",
				 line[0] == '/' ? "" : u.release, line);
			fclose(f);
			return access(path, R_OK) == 0 ? path : NULL;
		}
		if (f)
			fclose(f);
	}
	if (access("msgport.ko", R_OK) == 0)
		return "msgport.ko";
	return NULL;
}

static bool module_loaded(void)
{
	return access(SYSMOD "/initstate", F_OK) == 0;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "msgport", O_NONBLOCK) < 0 ? -errno : 0;
}

/*
 * The decompressor for a compressed module file (by its suffix), or NULL for
 * a plain .ko.  The kernel's own decompressor (MODULE_INIT_COMPRESSED_FILE)
 * is not enough: it takes only what kbuild makes (xz with a 1 MiB
 * dictionary and CRC32), and DKMS compresses with xz's defaults, which it
 * refuses ("decompression failed with status 6"); modprobe decompresses in
 * user space, and so does this.
 */
static const char *decompressor(const char *path)
{
	size_t len = strlen(path);

	if (len > 3 && !strcmp(path + len - 3, ".xz"))
		return "xz";
	if (len > 4 && !strcmp(path + len - 4, ".zst"))
		return "zstd";
	if (len > 3 && !strcmp(path + len - 3, ".gz"))
		return "gzip";
	return NULL;
}

/* A memfd holding path decompressed by prog (prog -dc), or -errno. */
static int decompress(const char *prog, const char *path)
{
	int fd, status;
	pid_t pid;

	fd = memfd_create("msgport.ko", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -EAGAIN;
	}
	if (!pid) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		execlp(prog, prog, "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		print_error("module-cycle: %s -dc %s failed\n", prog, path);
		close(fd);
		return -EIO;
	}
	return fd;
}

static int load(void)
{
	const char *path = module_path();
	const char *prog;
	int fd, ret;

	if (!path)
		return -ENOENT;
	prog = decompressor(path);
	if (prog) {
		fd = decompress(prog, path);
		if (fd < 0)
			return fd;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	ret = syscall(SYS_finit_module, fd, "", 0) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* Whatever happened, leave the module loaded for whoever comes next. */
static int ensure_loaded(void **state)
{
	int ret;

	if (module_loaded())
		return 0;
	ret = load();
	if (ret < 0) {
		print_error("module-cycle: cannot reload msgport: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

static int cycle_setup(void **state)
{
	if (ensure_loaded(state) < 0)
		return -1;
	return tu_setup(state);
}

static int cycle_teardown(void **state)
{
	int ret = tu_teardown(state);

	return ensure_loaded(state) < 0 ? -1 : ret;
}

#define CYCLE_TEST(f) cmocka_unit_test_setup_teardown(f, cycle_setup, cycle_teardown)

struct objects {
	long mailboxes, messages, bytes, files;
};

static int read_objects(struct objects *o)
{
	char key[32];
	long val;
	int n = 0;
	FILE *f = fopen(OBJECTS, "re");

	if (!f)
		return -errno;
	memset(o, 0xff, sizeof(*o));
	while (fscanf(f, "%31s %ld", key, &val) == 2) {
		n++;
		if (!strcmp(key, "mailboxes"))
			o->mailboxes = val;
		else if (!strcmp(key, "messages"))
			o->messages = val;
		else if (!strcmp(key, "bytes"))
			o->bytes = val;
		else if (!strcmp(key, "files"))
			o->files = val;
	}
	fclose(f);
	/* Other counters (regions, ...) may follow these four. */
	return n >= 4 ? 0 : -EINVAL;
}

/*
 * After every other suite: with our mailboxes closed and unlinked, the
 * module holds no mailbox, message, byte or file.  The counters also count
 * what this test creates, so they can be seen to move.
 */
static void test_objects_back_to_zero(void **state)
{
	const char *name = tu_name("objects");
	struct msgport_mailbox *mb;
	struct objects o;
	int ret;

	ret = read_objects(&o);
	if (ret < 0)
		fail_msg("%s: %s", OBJECTS, strerror(-ret));
	if (o.mailboxes || o.messages || o.bytes || o.files)
		fail_msg("objects left over after the other suites: mailboxes %ld, messages %ld, "
			 "bytes %ld, files %ld", o.mailboxes, o.messages, o.bytes, o.files);

	mb = tu_create(name, 4, 0, 0600, 0);
	assert_int_equal(msgport_send(mb, "12345", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(read_objects(&o), 0);
	assert_int_equal(o.mailboxes, 1);
	assert_int_equal(o.messages, 1);
	assert_true(o.bytes >= 5);
	assert_int_equal(o.files, 1);

	/* Unlinked but open: still there; closed: gone, message and all. */
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(read_objects(&o), 0);
	assert_int_equal(o.mailboxes, 1);
	tu_close(mb);
	assert_int_equal(read_objects(&o), 0);
	assert_int_equal(o.mailboxes, 0);
	assert_int_equal(o.messages, 0);
	assert_int_equal(o.bytes, 0);
	assert_int_equal(o.files, 0);
}

/* Unload is refused while /dev/msgport is open, and the module keeps working. */
static void test_unload_refused_device_open(void **state)
{
	int ret;

	assert_true(module_loaded());
	ret = unload();
	if (ret != -EAGAIN && ret != -EBUSY)
		fail_msg("delete_module with /dev/msgport open: %d (%s), expected EAGAIN/EBUSY",
			 ret, strerror(-ret));
	print_message("delete_module while in use: %s\n", strerror(-ret));
	assert_true(module_loaded());
	{
		struct msgport_version v;

		assert_int_equal(msgport_module_version(tu_mp(), &v), 0);
	}
}

/* Unload is refused while only a mailbox descriptor is open. */
static void test_unload_refused_mailbox_open(void **state)
{
	const char *name = tu_name("holdref");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, MSGPORT_O_EPHEMERAL);
	struct msgport_stat st;
	int ret;

	/* Drop the control device: only the mailbox holds the module. */
	msgport_close(tu_mp());
	tu_forget_mp();
	ret = unload();
	if (ret != -EAGAIN && ret != -EBUSY)
		fail_msg("delete_module with a mailbox open: %d (%s), expected EAGAIN/EBUSY", ret,
			 strerror(-ret));
	assert_true(module_loaded());
	assert_int_equal(msgport_send(mb, "still", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 1);
}

/*
 * A mapping of a mailbox's region holds the module: with the mailbox
 * unlinked and every descriptor closed, unload is refused until the last
 * munmap, and allowed right after it (and module exit finds every object
 * counter, regions included, at zero, or it would warn).
 */
static void test_unload_refused_region_mapped(void **state)
{
	const char *name = tu_name("maphold");
	size_t len = 2 * (size_t)sysconf(_SC_PAGESIZE);
	struct msgport_attr a = { .capacity = 1, .mode = 0600, .region_size = len };
	struct msgport_mailbox *mb = tu_create_attr(name, &a, 0);
	long regions = -1;
	char *p;
	int ret;

	p = tu_mmap(msgport_mailbox_fd(mb), len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	assert_true(p != MAP_FAILED);
	strcpy(p, "holds the module");
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	tu_close(mb);
	msgport_close(tu_mp());
	tu_forget_mp();

	ret = unload();
	if (ret != -EAGAIN && ret != -EBUSY)
		fail_msg("delete_module with a region mapped: %d (%s), expected EAGAIN/EBUSY", ret,
			 strerror(-ret));
	assert_true(module_loaded());
	assert_string_equal(p, "holds the module");
	assert_int_equal(tu_objects_read("regions", &regions), 0);
	assert_int_equal(regions, 1);

	tu_munmap(p);
	assert_int_equal(tu_objects_read("regions", &regions), 0);
	assert_int_equal(regions, 0);
	ret = unload();
	if (ret < 0)
		fail_msg("delete_module after the last munmap: %s", strerror(-ret));
	assert_false(module_loaded());
	/* The teardown loads it again. */
}

/*
 * Load -> use -> unload -> load -> use.  A persistent mailbox left behind
 * (name only, no descriptor) does not keep the module, and does not survive
 * the reload.
 */
static void test_load_use_unload_load(void **state)
{
	char name[64];
	struct msgport *mp;
	struct msgport_mailbox *mb;
	char buf[16];
	int ret;

	snprintf(name, sizeof(name), "mpt-%d-cycle", (int)getpid());
	msgport_close(tu_mp());
	tu_forget_mp();

	/* Use. */
	assert_int_equal(msgport_open(NULL, &mp), 0);
	assert_int_equal(msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND, NULL, &mb), 0);
	assert_int_equal(msgport_send(mb, "survive?", 8, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	msgport_mailbox_close(mb);
	msgport_close(mp);

	/* Unload: nothing is open. */
	ret = unload();
	if (ret < 0)
		fail_msg("delete_module with nothing open: %s", strerror(-ret));
	assert_false(module_loaded());
	assert_int_equal(access(MSGPORT_DEVICE_PATH, F_OK), -1);
	assert_int_equal(msgport_open(NULL, &mp), -ENOENT);
	assert_int_equal(access("/proc/msgport", F_OK), -1);

	/* Load again. */
	ret = load();
	if (ret < 0)
		fail_msg("finit_module(%s): %s", module_path() ? module_path() : "(not found)",
			 strerror(-ret));
	assert_true(module_loaded());

	/* Use again: the old mailbox is gone, a new one works. */
	assert_int_equal(msgport_open(NULL, &mp), 0);
	mb = NULL;
	assert_int_equal(msgport_mailbox_open(mp, name, MSGPORT_O_RECV, NULL, &mb), -ENOENT);
	assert_int_equal(msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND | MSGPORT_O_RECV |
					      MSGPORT_O_EPHEMERAL, NULL, &mb), 0);
	assert_int_equal(msgport_send(mb, "again", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 5);
	msgport_mailbox_close(mb);
	msgport_close(mp);
}

/* The same cycle through the CLI (libkmod), when `msgport` is on PATH. */
static void test_cli_unload_load(void **state)
{
	char cmd[2100];
	const char *path = module_path();
	int status;

	assert_non_null(path);
	/* Busy: refused with exit status 1. */
	status = system("msgport unload 2>/dev/null");
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 127)
		fail_msg("the msgport CLI is not on PATH");
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_true(module_loaded());

	msgport_close(tu_mp());
	tu_forget_mp();
	status = system("msgport unload");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(module_loaded());
	snprintf(cmd, sizeof(cmd), "msgport load '%s'", path);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(module_loaded());
	status = system("msgport version >/dev/null");
	assert_int_equal(WEXITSTATUS(status), 0);
}

static const struct CMUnitTest module_cycle_tests[] = {
	CYCLE_TEST(test_objects_back_to_zero),
	CYCLE_TEST(test_unload_refused_device_open),
	CYCLE_TEST(test_unload_refused_mailbox_open),
	CYCLE_TEST(test_unload_refused_region_mapped),
	CYCLE_TEST(test_load_use_unload_load),
	CYCLE_TEST(test_cli_unload_load),
};

MSGPORT_SUITE(module_cycle_suite, MSGPORT_GROUP_LAST, 100, "module-cycle",
	      "objects back to zero, unload refused while open, load/use/unload/load (last)",
	      module_cycle_tests);
