// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Batches: many sends or receives on one mailbox in one system call
 * (MSGPORT_IOC_SEND_BATCH / _RECV_BATCH, as sendmmsg(2) / recvmmsg(2)).
 *
 * The caller's struct msgport_batch_msg array is translated into the
 * kernel's structs a chunk at a time, on the stack.  Chunks keep the
 * kernel's semantics: a batch stops at the first message that fails, and a
 * receive batch waits only for its first message (later chunks are
 * non-blocking), so a short chunk ends the batch.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define BATCH_CHUNK	64

/* msgport_recv_batch() sets each input field of struct msgport_recv itself. */
_Static_assert(offsetof(struct msgport_recv, fds) == 32 &&
	       offsetof(struct msgport_recv, info) == 32 + sizeof(__u64),
	       "struct msgport_recv's input fields changed: update msgport_recv_batch()");

/* A batch's arguments checked (@refused: flags not allowed) and its timeout applied. */
static int batch_begin(const struct msgport_mailbox *mb, const struct msgport_batch_msg *msgs,
		       unsigned int n, unsigned int *flags, unsigned int refused, __u64 *timeout,
		       int64_t timeout_ns)
{
	if (!mb || !msgs || !n || n > MSGPORT_BATCH_MAX || (*flags & refused))
		return -EINVAL;
	return msgport_apply_timeout(flags, timeout, timeout_ns);
}

static int batch_ioctl(const struct msgport_mailbox *mb, unsigned long request, void *array,
		       unsigned int count)
{
	struct msgport_batch b;

	memset(&b, 0, sizeof(b));
	b.msgs = (__u64)(uintptr_t)array;
	b.count = count;
	/*
	 * entry_size 0: the entries' first published size (internal.h keeps
	 * them there), which a module of ABI 1.1 takes too.
	 */
	return msgport_ioctl(mb->fd, request, &b);
}

MSGPORT_EXPORT int msgport_send_batch(struct msgport_mailbox *mb, struct msgport_batch_msg *msgs,
				      unsigned int n, unsigned int flags, int64_t timeout_ns)
{
	struct msgport_send ks[BATCH_CHUNK];
	unsigned int done = 0, i, count;
	__u64 timeout = 0;
	int ret;

	/* buf is a pointer here, never a region offset: no MSGPORT_F_SPAN. */
	ret = batch_begin(mb, msgs, n, &flags, MSGPORT_F_SPAN, &timeout, timeout_ns);
	if (ret < 0)
		return ret;

	while (done < n) {
		count = n - done < BATCH_CHUNK ? n - done : BATCH_CHUNK;
		memset(ks, 0, count * sizeof(ks[0]));
		for (i = 0; i < count; i++) {
			const struct msgport_batch_msg *m = &msgs[done + i];

			if (m->len > UINT32_MAX) {
				if (!i)
					return done ? (int)done : -EMSGSIZE;
				count = i;
				break;
			}
			ks[i].buf = (__u64)(uintptr_t)m->buf;
			ks[i].len = (__u32)m->len;
			ks[i].flags = flags;
			ks[i].priority = m->prio;
			ks[i].timeout_ns = timeout;
		}
		ret = batch_ioctl(mb, MSGPORT_IOC_SEND_BATCH, ks, count);
		if (ret < 0)
			return done ? (int)done : ret;
		for (i = 0; i < (unsigned int)ret; i++)
			msgs[done + i].seq = ks[i].seq;
		done += (unsigned int)ret;
		if ((unsigned int)ret < count)
			break;
	}
	return (int)done;
}

MSGPORT_EXPORT int msgport_recv_batch(struct msgport_mailbox *mb, struct msgport_batch_msg *msgs,
				      unsigned int n, unsigned int flags, int64_t timeout_ns)
{
	struct msgport_recv kr[BATCH_CHUNK];
	unsigned int done = 0, i, count;
	__u64 timeout = 0;
	int ret;

	/* A batch takes messages, from any sender. */
	ret = batch_begin(mb, msgs, n, &flags, MSGPORT_F_PEEK | MSGPORT_F_FROM | MSGPORT_F_NOINFO,
			  &timeout, timeout_ns);
	if (ret < 0)
		return ret;

	while (done < n) {
		count = n - done < BATCH_CHUNK ? n - done : BATCH_CHUNK;
		/* The input fields only: info is the kernel's to write. */
		for (i = 0; i < count; i++) {
			const struct msgport_batch_msg *m = &msgs[done + i];

			kr[i].buf = (__u64)(uintptr_t)m->buf;
			/* As msgport_recv(): no message is larger than INT_MAX. */
			kr[i].buf_len = m->len > INT32_MAX ? INT32_MAX : (__u32)m->len;
			/* Only the batch's first message may wait. */
			kr[i].flags = done ? (flags & ~MSGPORT_F_TIMEOUT) | MSGPORT_F_NONBLOCK : flags;
			kr[i].timeout_ns = timeout;
			kr[i].from_pid = 0;
			kr[i].nfds = 0;
			kr[i].fds = 0;
		}
		ret = batch_ioctl(mb, MSGPORT_IOC_RECV_BATCH, kr, count);
		if (ret < 0) {
			if (!done && ret == -EMSGSIZE)
				msgs[0].info = kr[0].info;
			return done ? (int)done : ret;
		}
		for (i = 0; i < (unsigned int)ret; i++) {
			struct msgport_batch_msg *m = &msgs[done + i];

			m->info = kr[i].info;
			if (kr[i].flags & MSGPORT_F_SPAN && kr[i].info.msg_flags & MSGPORT_MSG_SPAN)
				m->len = 0;
			else
				m->len = kr[i].info.len < kr[i].buf_len ? kr[i].info.len : kr[i].buf_len;
		}
		done += (unsigned int)ret;
		if ((unsigned int)ret < count)
			break;
	}
	return (int)done;
}
