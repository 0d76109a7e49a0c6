// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "device": /dev/msgport itself: open and close, the version
 * handshake, unknown ioctls (-ENOTTY) and bad pointers (-EFAULT).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "msgport_test.h"

/* The device node exists, is a misc character device and opens and closes. */
static void test_device_open_close(void **state)
{
	int fds[64];
	struct stat st;
	size_t i;

	assert_int_equal(stat(MSGPORT_DEVICE_PATH, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 10);	/* MISC_MAJOR */

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		fds[i] = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		assert_int_equal(close(fds[i]), 0);
}

/* The library's open and close, and its error for a missing device. */
static void test_library_open(void **state)
{
	struct msgport *mp = NULL;

	assert_int_equal(msgport_open(MSGPORT_DEVICE_PATH, &mp), 0);
	assert_non_null(mp);
	assert_true(msgport_fd(mp) >= 0);
	msgport_close(mp);

	mp = (struct msgport *)&mp;
	assert_int_equal(msgport_open("/dev/msgport-does-not-exist", &mp), -ENOENT);
	assert_null(mp);
}

/* The library refuses bad arguments itself, with -EINVAL, before any ioctl. */
static void test_library_argument_errors(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("libargs"), 4, 0, 0600, 0);
	struct msgport_mailbox *other = NULL;
	struct msgport_stat st;
	char buf[8];

	assert_int_equal(msgport_open(NULL, NULL), -EINVAL);
	assert_int_equal(msgport_fd(NULL), -EINVAL);
	assert_int_equal(msgport_mailbox_fd(NULL), -EINVAL);
	assert_int_equal(msgport_send(NULL, "x", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EINVAL);
	assert_int_equal(msgport_recv(NULL, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL),
			 -EINVAL);
	assert_int_equal(msgport_mailbox_stat(NULL, &st), -EINVAL);
	assert_int_equal(msgport_mailbox_stat(mb, NULL), -EINVAL);
	assert_int_equal(msgport_mailbox_open(tu_mp(), NULL, MSGPORT_O_RECV, NULL, &other),
			 -EINVAL);
	assert_null(other);
	/* The library owns MSGPORT_F_TIMEOUT; negative timeouts other than "forever". */
	assert_int_equal(msgport_send(mb, "x", 1, 0, MSGPORT_F_TIMEOUT, 1000, NULL), -EINVAL);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_TIMEOUT, 1000, NULL),
			 -EINVAL);
	assert_int_equal(msgport_send(mb, "x", 1, 0, 0, -2, NULL), -EINVAL);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, -2, NULL), -EINVAL);
	/* Nothing reached the mailbox. */
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.sent, 0);
	msgport_mailbox_close(NULL);
	msgport_close(NULL);
}

/* ABI major/minor equal the header's; the module version is a non-empty string. */
static void test_version_handshake(void **state)
{
	struct msgport_version v;
	size_t len;

	memset(&v, 0, sizeof(v));
	assert_int_equal(msgport_module_version(tu_mp(), &v), 0);
	assert_int_equal(v.abi_major, MSGPORT_ABI_MAJOR);
	assert_int_equal(v.abi_minor, MSGPORT_ABI_MINOR);
	assert_true(strlen(v.module_version) > 0);

	/*
	 * Raw: the kernel's answer is NUL-terminated in the field, the bytes
	 * after the string and the reserved fields are zero (the struct was
	 * zeroed before copy_to_user), whatever the buffer held before.
	 */
	memset(&v, 0xa5, sizeof(v));
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, &v), 0);
	assert_int_equal(v.abi_major, MSGPORT_ABI_MAJOR);
	assert_int_equal(v.abi_minor, MSGPORT_ABI_MINOR);
	assert_non_null(memchr(v.module_version, '\0', sizeof(v.module_version)));
	len = strlen(v.module_version);
	assert_true(len > 0);
	for (; len < sizeof(v.module_version); len++)
		assert_int_equal(v.module_version[len], 0);
	assert_int_equal(v.reserved[0], 0);
	assert_int_equal(v.reserved[1], 0);
	print_message("module version \"%s\", ABI %u.%u\n", v.module_version, v.abi_major,
		      v.abi_minor);
}

struct u64_wrap {
	__u64 x;
};

/* Commands the control device does not know, each with a valid buffer. */
static void test_unknown_ioctl_enotty(void **state)
{
	const unsigned long cmds[] = {
		_IOR('x', 0x00, struct msgport_version),		/* wrong magic */
		_IOR(MSGPORT_IOC_MAGIC + 1, 0x00, struct msgport_version),
		_IOR(MSGPORT_IOC_MAGIC, 0x06, struct msgport_version),	/* reserved nr */
		_IOR(MSGPORT_IOC_MAGIC, 0x0f, struct msgport_version),
		_IOR(MSGPORT_IOC_MAGIC, 0xff, struct msgport_version),
		_IO(MSGPORT_IOC_MAGIC, 0x7f),
		/* Sizes no version has (larger ones: suite abi-growth). */
		_IOR(MSGPORT_IOC_MAGIC, 0x00, struct u64_wrap),
		_IOC(_IOC_READ, MSGPORT_IOC_MAGIC, 0x00, MSGPORT_VERSION_SIZE_VER0 + 4),
		_IOW(MSGPORT_IOC_MAGIC, 0x00, struct msgport_version),	/* wrong direction */
		_IOWR(MSGPORT_IOC_MAGIC, 0x00, struct msgport_version),
		_IO(MSGPORT_IOC_MAGIC, 0x00),
		_IOW(MSGPORT_IOC_MAGIC, 0x01, struct u64_wrap),		/* OPEN, wrong size */
		_IOR(MSGPORT_IOC_MAGIC, 0x01, struct msgport_open),	/* OPEN, wrong dir */
		_IOW(MSGPORT_IOC_MAGIC, 0x02, struct u64_wrap),		/* UNLINK, wrong size */
		MSGPORT_IOC_SEND,			/* mailbox commands on the device */
		MSGPORT_IOC_RECV,
		MSGPORT_IOC_STAT,
		MSGPORT_IOC_SET_MODE,
		TCGETS,					/* a tty's */
		FIONREAD,
	};
	union {
		char bytes[4096];
		__u64 align;
	} buf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&buf, 0, sizeof(buf));
		if (tu_ioctl(tu_devfd(), cmds[i], &buf) != -ENOTTY)
			fail_msg("ioctl 0x%lx on %s: got %d, expected -ENOTTY", cmds[i],
				 MSGPORT_DEVICE_PATH, tu_ioctl(tu_devfd(), cmds[i], &buf));
	}
	/* The device still works afterwards. */
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, &buf), 0);
}

/* VERSION writes its struct: NULL, unmapped and read-only buffers fault. */
static void test_version_bad_pointer_efault(void **state)
{
	struct msgport_version zero;
	void *ro;

	memset(&zero, 0, sizeof(zero));
	ro = tu_readonly_copy(&zero, sizeof(zero));
	assert_non_null(ro);

	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, NULL), -EFAULT);
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, tu_unmapped_page()), -EFAULT);
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, ro), -EFAULT);
	/* A pointer into the kernel half must not be followed either. */
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION, (void *)~(uintptr_t)0xfff),
			 -EFAULT);
	/* Straddling the end of a mapping. */
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_VERSION,
				  (char *)ro + 4096 - sizeof(zero) / 2), -EFAULT);
}

/* Descriptors of the device are independent: closing one leaves the others working. */
static void test_device_independent_fds(void **state)
{
	struct msgport_version v;
	int a, b;

	a = tu_track_fd(open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC));
	b = tu_track_fd(open(MSGPORT_DEVICE_PATH, O_RDONLY | O_CLOEXEC));
	assert_true(a >= 0 && b >= 0);
	tu_close_fd(a);
	assert_int_equal(tu_ioctl(b, MSGPORT_IOC_VERSION, &v), 0);
	assert_int_equal(v.abi_major, MSGPORT_ABI_MAJOR);
}

static const struct CMUnitTest device_tests[] = {
	TU_TEST(test_device_open_close),
	TU_TEST(test_library_open),
	TU_TEST(test_library_argument_errors),
	TU_TEST(test_version_handshake),
	TU_TEST(test_unknown_ioctl_enotty),
	TU_TEST(test_version_bad_pointer_efault),
	TU_TEST(test_device_independent_fds),
};

MSGPORT_SUITE(device_suite, MSGPORT_GROUP_MODULE, 100, "device",
	      "/dev/msgport: open/close, version handshake, ENOTTY, EFAULT", device_tests);
