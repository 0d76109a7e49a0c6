/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: short copies between user and kernel space, in 8-byte moves.
 *
 * On the kernels we build for (6.1), x86's copy_from_user() and
 * copy_to_user() are one `rep movsb` whatever the size (with ERMS), and
 * clear_user() one `rep stosb`: their start-up cost dwarfs the few dozen
 * bytes of an ioctl struct or a small message (upstream copies short runs
 * with plain moves since 6.4), and under emulation (TCG) each byte of a
 * `rep` string costs an instruction's dispatch.  Every message crosses
 * this boundary several times (its struct in, its payload in and out, its
 * info out), so those copies go word by word through the unsafe user
 * accessors in one user_access_begin() section instead.  Anything above
 * MSGPORT_SMALL_COPY_MAX bytes takes the usual path.  Same checks as
 * copy_{from,to}_user() (object size, hardened usercopy, usercopy fault
 * injection) and the same contract except all or nothing: 0, or -EFAULT
 * (the destination may then be partly written).
 */
#ifndef _MSGPORT_SMALL_COPY_H
#define _MSGPORT_SMALL_COPY_H

#include <linux/fault-inject-usercopy.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/thread_info.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#define MSGPORT_SMALL_COPY_MAX	256

static inline int msgport_copy_from_user(void *dst, const void __user *src,
					 size_t len)
{
	const u8 __user *s = src;
	u8 *d = dst;
	u64 w;
	u8 b;

	might_fault();
	if (len > MSGPORT_SMALL_COPY_MAX)
		return copy_from_user(dst, src, len) ? -EFAULT : 0;
	if (should_fail_usercopy() || !check_copy_size(dst, len, false))
		return -EFAULT;
	if (!user_access_begin(src, len))
		return -EFAULT;
	for (; len >= sizeof(w); len -= sizeof(w), s += sizeof(w), d += sizeof(w)) {
		unsafe_get_user(w, (const u64 __user *)s, efault);
		memcpy(d, &w, sizeof(w));
	}
	for (; len; len--) {
		unsafe_get_user(b, s++, efault);
		*d++ = b;
	}
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static inline int msgport_copy_to_user(void __user *dst, const void *src,
				       size_t len)
{
	const u8 *s = src;
	u8 __user *d = dst;
	u64 w;

	might_fault();
	if (len > MSGPORT_SMALL_COPY_MAX)
		return copy_to_user(dst, src, len) ? -EFAULT : 0;
	if (should_fail_usercopy() || !check_copy_size(src, len, true))
		return -EFAULT;
	if (!user_access_begin(dst, len))
		return -EFAULT;
	for (; len >= sizeof(w); len -= sizeof(w), s += sizeof(w), d += sizeof(w)) {
		memcpy(&w, s, sizeof(w));
		unsafe_put_user(w, (u64 __user *)d, efault);
	}
	for (; len; len--)
		unsafe_put_user(*s++, d++, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static inline int msgport_clear_user(void __user *dst, size_t len)
{
	u8 __user *d = dst;

	might_fault();
	if (len > MSGPORT_SMALL_COPY_MAX)
		return clear_user(dst, len) ? -EFAULT : 0;
	if (should_fail_usercopy())
		return -EFAULT;
	if (!user_access_begin(dst, len))
		return -EFAULT;
	for (; len >= sizeof(u64); len -= sizeof(u64), d += sizeof(u64))
		unsafe_put_user(0ULL, (u64 __user *)d, efault);
	for (; len; len--)
		unsafe_put_user(0, d++, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

#endif /* _MSGPORT_SMALL_COPY_H */
