// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the mailbox descriptor (an anonymous-inode file).
 *
 * file->private_data is a struct mp_file, fixed for the file's life:
 * the mailbox (one kref held until release), the access granted at open
 * and, with send access, a reference to the opener's quota record (so it
 * is not freed and re-created between messages; user_quota.c).
 * No locks of its own; the mailbox's are in mailbox.c and registry.c.
 * mmap(2) maps the mailbox's region, and MSGPORT_IOC_REGION_WAIT/_WAKE wait
 * on its words: region.c owns those, and the lifetime rule that a mapping
 * holds this file (so the mailbox, so the module).
 * An inbox descriptor (inbox.c) is the same kind of file, receive-only, on
 * an inbox: flush tells inbox.c when its owner closes it, release closes it.
 * MSGPORT_IOC_DUP makes another descriptor of the same (named or anonymous)
 * mailbox with a subset of the access; release counts receivers and senders
 * down (mailbox.c: the ends of an anonymous mailbox).
 * Release also fails the calls received through the file and not answered
 * (rpc.c), before the mailbox reference goes.
 *
 * Each ioctl copies its struct once and validates the kernel copy (a send's
 * and a receive's field by field, in one user access).  Output fields are
 * made writable (zeroed) before the operation starts, so a read-only struct
 * fails with -EFAULT before any message moves.
 */
#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/magic.h>
#include <net/sock.h>

#include "msgport.h"

static u32 file_nonblock(const struct file *file)
{
	return (file->f_flags & O_NONBLOCK) ? MSGPORT_F_NONBLOCK : 0;
}

/*
 * Copy and check a struct msgport_send and prepare @x from it.  Its fields
 * are read and seq is made writable in one user access (one access check,
 * one speculation barrier, no copy of the struct through a buffer); the
 * checks in between are the ones a copy would be followed by, in the same
 * order.
 */
/* Is @file an anonymous inode's named @name (the kernel's own files)? */
static bool anon_file_named(const struct file *file, const char *name)
{
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, name);
}

/*
 * May @file travel in a message (fds.c)?  Not what could, from inside a
 * queue, keep alive a mailbox or the IPC namespace that would free it, so
 * that no cycle of messages can keep itself alive (see the uapi header):
 *  - a mailbox descriptor that may receive, an inbox's (its owner's), or
 *    one of an ephemeral named mailbox (it lives while descriptors do, in
 *    flight too: sent into itself it would never go);
 *  - files that hold other open files: AF_UNIX sockets, io_uring;
 *  - files that pin a namespace (the namespace files of /proc/PID/ns, and
 *    what can hold them: inotify and fanotify instances, a filesystem
 *    context of fsopen(2)): an IPC namespace pinned from inside one of its
 *    own mailboxes would never be cleaned up (registry.c).
 * The kernel's anonymous files are told by their inode's name, the only
 * mark a module can see (io_is_uring_fops() and the like are not exported).
 */
static int fd_may_travel(struct file *file)
{
	struct socket *sock;

	if (file->f_op == &mp_file_fops) {
		const struct mp_file *mbf = file->private_data;

		return (mbf->access & MSGPORT_O_RECV) || mbf->mb->owner ||
		       (mbf->mb->ephemeral && !mbf->mb->anon) ? -EINVAL : 0;
	}
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_UNIX)
		return -EINVAL;
	if (file_inode(file)->i_sb->s_magic == NSFS_MAGIC)
		return -EINVAL;
	if (anon_file_named(file, "[io_uring]") ||
	    anon_file_named(file, "inotify") ||
	    anon_file_named(file, "[fanotify]") ||
	    anon_file_named(file, "[fscontext]"))
		return -EINVAL;
	return 0;
}

/*
 * @relay is where the kernel copy of a relayed send's claim goes (the
 * caller's, as long as @x is used).
 */
static int send_args(struct mp_file *mbf,
		     struct msgport_send __user *u, struct mp_xfer *x,
		     bool batch, struct msgport_relay *relay)
{
	/* Its fields are read before use (no stack zeroing: mp_wake). */
	struct msgport_send s __uninitialized;
	int ret = -EFAULT;

	if (!user_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(s.buf, &u->buf, out);
	unsafe_get_user(s.timeout_ns, &u->timeout_ns, out);
	unsafe_get_user(s.len, &u->len, out);
	unsafe_get_user(s.flags, &u->flags, out);
	unsafe_get_user(s.priority, &u->priority, out);
	unsafe_get_user(s.nfds, &u->nfds, out);
	unsafe_get_user(s.fds, &u->fds, out);
	unsafe_get_user(s.relay, &u->relay, out);
	ret = -EINVAL;
	if (!(s.flags & MSGPORT_F_RELAY) && s.relay)
		goto out;
	if (s.flags & ~MSGPORT_SEND_FLAGS)
		goto out;
	/* Descriptors: one send at a time, with a payload (not a span). */
	if (s.nfds ? batch || (s.flags & MSGPORT_F_SPAN) ||
	    s.nfds > MSGPORT_FDS_MAX : s.fds)
		goto out;
	if (s.priority > MSGPORT_PRIO_MAX)
		goto out;
	ret = -EBADF;
	if (!(mbf->access & MSGPORT_O_SEND))
		goto out;
	ret = -EFAULT;
	unsafe_put_user(0, &u->seq, out);
	ret = 0;
out:
	user_access_end();
	if (ret)
		return ret;

	memset(x, 0, sizeof(*x));
	if (s.flags & MSGPORT_F_RELAY) {
		ret = mp_args_relay(relay, s.relay);
		if (ret)
			return ret;
		x->relay = relay;
	}
	if (s.flags & MSGPORT_F_SPAN) {
		/* buf is an offset in the region (checked by mp_send). */
		x->span_off = s.buf;
		x->span_len = s.len;
	} else {
		x->buf = u64_to_user_ptr(s.buf);
		x->len = s.len;
	}
	x->flags = s.flags & ~MSGPORT_F_RELAY;
	x->prio = s.priority;
	x->timeout_ns = s.timeout_ns;
	x->utimeout = &u->timeout_ns;
	x->quota = mbf->quota;
	if (s.nfds)
		return mp_fds_get(u64_to_user_ptr(s.fds), s.nfds,
				  fd_may_travel, &x->fds);
	return 0;
}

static long mp_ioc_send(struct mp_file *mbf, struct msgport_send __user *u)
{
	/* Set by send_args(), @relay if used (no stack zeroing: mp_wake). */
	struct msgport_relay relay __uninitialized;
	struct mp_xfer x __uninitialized;
	int ret;

	ret = send_args(mbf, u, &x, false, &relay);
	if (ret)
		return ret;
	if (unlikely(mbf->publish))
		ret = mp_topic_publish(mbf->mb, &x);
	else
		ret = mp_send(mbf->mb, &x);
	/* Files a send did not take (it failed before making its message). */
	mp_fds_put(x.fds);
	if (ret)
		return ret;
	if (put_user(x.seq, &u->seq))
		return -EFAULT;
	return 0;
}

/*
 * Entry @i of a batch's array at @base, entries @esize bytes apart (the
 * caller's size of the entry's struct, the module's or more).
 */
static void __user *batch_entry(void __user *base, u32 esize, u32 i)
{
	return base + (size_t)esize * i;
}

/*
 * A topic's batch: one publish after another (topic.c), as mp_send_batch()
 * counts them: how many, or the first one's error.
 */
static long publish_batch(struct mp_file *mbf, struct mp_xfer *xs, u32 n)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		ret = mp_topic_publish(mbf->mb, &xs[i]);
		if (ret)
			break;
	}
	/* Not "i ? i : ret": that would make the error an unsigned count. */
	if (i)
		return i;
	return ret;
}

/*
 * A send batch, MP_SEND_BATCH_CHUNK entries at a time: each chunk's
 * messages that need not wait go out in one hold of the mailbox lock
 * (mp_send_batch()).  The number sent, or the first entry's error.
 */
static long send_batch(struct mp_file *mbf, void __user *base, u32 esize,
		       u32 count)
{
	/* Each entry's set by send_args() (stack zeroing skipped: mp_wake). */
	struct msgport_relay relays[MP_SEND_BATCH_CHUNK] __uninitialized;
	struct mp_xfer xs[MP_SEND_BATCH_CHUNK] __uninitialized;
	struct msgport_send __user *u;
	u32 done = 0, n, i;
	long ret = 0;

	while (done < count) {
		for (n = 0; n < MP_SEND_BATCH_CHUNK && done + n < count; n++) {
			u = batch_entry(base, esize, done + n);
			ret = 0;
			if (unlikely(esize > sizeof(*u)))
				ret = mp_args_tail(u, esize, sizeof(*u), false);
			if (!ret)
				ret = send_args(mbf, u, &xs[n], true,
						&relays[n]);
			if (ret)
				break;
		}
		if (n) {
			long sent;

			if (unlikely(mbf->publish))
				sent = publish_batch(mbf, xs, n);
			else
				sent = mp_send_batch(mbf->mb, xs, n);

			if (sent < 0) {
				ret = sent;
				break;
			}
			/* Made writable by send_args(): a fault now is a race. */
			for (i = 0; i < sent; i++) {
				u = batch_entry(base, esize, done + i);
				if (put_user(xs[i].seq, &u->seq))
					ret = -EFAULT;
			}
			done += sent;
			if (sent < n)
				break;
		}
		if (ret)
			break;
		cond_resched();
	}
	return done ? done : ret;
}

/*
 * Copy and check a struct msgport_recv (its input fields) and prepare @x
 * from it.  With MSGPORT_F_FROM, @x->from holds a reference the caller
 * puts.  @clear_info: zero info now (what a failed receive leaves there),
 * which also fails a read-only struct before any message moves; a batch's
 * later entries skip it, as a fault writing their info puts their
 * messages back (mp_recv_batch()).  With MSGPORT_F_NOINFO info is left
 * alone (@x->uinfo NULL, as for read(2)), and a read-only struct is found
 * only by the writes the receive still makes (nfds, timeout_ns).  The
 * fields are read and info zeroed in one user access, as send_args() does.
 */
static long recv_args(struct mp_file *mbf,
		      struct msgport_recv __user *u, struct mp_xfer *x,
		      bool clear_info, u32 info_tail, bool batch, bool grown)
{
	/* Its fields but info are read before use (no zeroing: mp_wake). */
	struct msgport_recv r __uninitialized;
	long ret = -EFAULT;

	if (!user_access_begin(u, clear_info ? sizeof(*u) :
				offsetof(struct msgport_recv, info)))
		return -EFAULT;
	unsafe_get_user(r.buf, &u->buf, out);
	unsafe_get_user(r.timeout_ns, &u->timeout_ns, out);
	unsafe_get_user(r.buf_len, &u->buf_len, out);
	unsafe_get_user(r.flags, &u->flags, out);
	unsafe_get_user(r.from_pid, &u->from_pid, out);
	unsafe_get_user(r.nfds, &u->nfds, out);
	unsafe_get_user(r.fds, &u->fds, out);
	ret = -EINVAL;
	if (r.flags & ~MSGPORT_RECV_FLAGS)
		goto out;
	/* A lease takes the message as it is, and leaves it the mailbox's. */
	if ((r.flags & MSGPORT_F_LEASE) &&
	    (r.flags & (MSGPORT_F_PEEK | MSGPORT_F_SPAN | MSGPORT_F_FDS)))
		goto out;
	/* Descriptors: taken one receive at a time, never by a peek. */
	if ((r.flags & MSGPORT_F_FDS) ?
	    batch || (r.flags & MSGPORT_F_PEEK) || !r.nfds :
	    r.nfds || r.fds || (r.flags & MSGPORT_F_CLOEXEC))
		goto out;
	/*
	 * No info where it says how many bytes came (a batch), where the
	 * message is (a span by reference), how to commit it (a lease) or
	 * whether the relay holds a claim (a grown receive).
	 */
	if ((r.flags & MSGPORT_F_NOINFO) &&
	    (batch || grown || (r.flags & (MSGPORT_F_SPAN | MSGPORT_F_LEASE))))
		goto out;
	if ((r.flags & MSGPORT_F_FROM) ? r.from_pid <= 0 : r.from_pid != 0)
		goto out;
	ret = -EBADF;
	if (!(mbf->access & MSGPORT_O_RECV))
		goto out;
	ret = -EFAULT;
	if (r.flags & MSGPORT_F_FDS)
		unsafe_put_user(0, &u->nfds, out);
	if (clear_info && !(r.flags & MSGPORT_F_NOINFO)) {
		/* struct msgport_msginfo is 8-byte words (the uapi header). */
		u64 __user *p = (u64 __user *)&u->info;
		unsigned int i;

		BUILD_BUG_ON(sizeof(u->info) % sizeof(u64));
		for (i = 0; i < sizeof(u->info) / sizeof(u64); i++)
			unsafe_put_user(0, &p[i], out);
	}
	ret = 0;
out:
	user_access_end();
	if (ret)
		return ret;
	/* The grown receive's relay follows the struct (args.c). */
	if (grown) {
		x->urelay = (struct msgport_relay __user *)(u + 1);
		if (clear_info && clear_user(x->urelay, sizeof(*x->urelay)))
			return -EFAULT;
	}
	/* A batch entry larger than the module's: its tail goes with info. */
	if (unlikely(info_tail) && clear_info &&
	    clear_user(grown ? (void __user *)(x->urelay + 1) :
		       (void __user *)(u + 1), info_tail))
		return -EFAULT;
	if (r.flags & MSGPORT_F_FDS) {
		/* No more than a message carries; made writable ahead. */
		x->fds_room = min_t(u32, r.nfds, MSGPORT_FDS_MAX);
		x->ufds = u64_to_user_ptr(r.fds);
		x->unfds = &u->nfds;
		if (clear_user(x->ufds, x->fds_room * sizeof(s32)))
			return -EFAULT;
	}
	if (r.flags & MSGPORT_F_FROM) {
		x->from = mp_get_tgid(r.from_pid);
		if (!x->from)
			return -ESRCH;
	}

	x->buf = u64_to_user_ptr(r.buf);
	x->len = r.buf_len;
	x->flags = r.flags;
	x->timeout_ns = r.timeout_ns;
	x->utimeout = &u->timeout_ns;
	/* None, as for read(2): nothing made, nothing written. */
	x->uinfo = (r.flags & MSGPORT_F_NOINFO) ? NULL : &u->info;
	x->info_tail = info_tail;
	x->mbf = mbf;
	return 0;
}

static long mp_ioc_recv(struct mp_file *mbf, struct msgport_recv __user *u,
			bool grown)
{
	struct mp_xfer x = { };
	long ret;

	ret = recv_args(mbf, u, &x, true, 0, false, grown);
	if (ret)
		return ret;
	ret = mp_recv(mbf->mb, &x);
	put_pid(x.from);
	return ret;
}

/*
 * A receive batch, MP_RECV_BATCH_CHUNK entries at a time, each chunk
 * taken from the queue in one go (mp_recv_batch()); an entry that
 * peeks or filters on a sender is received alone.  Entries after the very
 * first do not wait.  The number received, or the first entry's error.
 */
static long recv_batch(struct mp_file *mbf, void __user *base, u32 esize,
		       u32 count)
{
	/* Each entry zeroed before use (stack zeroing skipped: mp_wake). */
	struct mp_xfer xs[MP_RECV_BATCH_CHUNK] __uninitialized;
	struct msgport_recv __user *u;
	bool grown = esize >= sizeof(struct msgport_recv_v1);
	u32 tail = esize - (grown ? sizeof(struct msgport_recv_v1) :
			    sizeof(*u));
	u32 done = 0, n, want;
	long ret = 0, got;
	bool alone;

	while (done < count) {
		/*
		 * Prepare (copy in) only as many entries as messages are
		 * queued: a lone message does not pay for a whole chunk.
		 * Any that came meanwhile are taken by the next chunk.  A
		 * first chunk that finds nothing queued prepares a whole
		 * chunk: it waits, and a stream fills more than one entry
		 * meanwhile.
		 */
		want = READ_ONCE(mbf->mb->nmsgs);
		if (!want && !done)
			want = MP_RECV_BATCH_CHUNK;
		want = min3(count - done, (u32)MP_RECV_BATCH_CHUNK,
			    max(want, 1U));
		alone = false;
		for (n = 0; n < want; n++) {
			memset(&xs[n], 0, sizeof(xs[n]));
			u = batch_entry(base, esize, done + n);
			/* A newer program's info fields: zeroed with its info. */
			ret = recv_args(mbf, u, &xs[n], !(done + n), tail,
					true, grown);
			if (ret)
				break;
			if (done + n)
				xs[n].flags |= MSGPORT_F_NONBLOCK;
			/* A lease is taken alone too (mp_recv(): lease.c). */
			if (xs[n].flags & (MSGPORT_F_PEEK | MSGPORT_F_FROM |
					   MSGPORT_F_LEASE)) {
				/* Alone if first, else in the next chunk. */
				alone = !n;
				if (alone)
					n = 1;
				else
					put_pid(xs[n].from);
				break;
			}
		}
		if (!n)
			break;
		if (alone) {
			got = mp_recv(mbf->mb, &xs[0]);
			put_pid(xs[0].from);
			if (got >= 0)
				got = 1;
		} else {
			got = mp_recv_batch(mbf->mb, xs, n);
		}
		if (got < 0) {
			ret = got;
			break;
		}
		done += got;
		if (got < n || ret)
			break;
		cond_resched();
	}
	return done ? done : ret;
}

/*
 * MSGPORT_IOC_SEND_BATCH / _RECV_BATCH (see the uapi header): the number
 * done, or the first entry's error.  Each entry is copied and checked as
 * the single-message ioctl does it, at the caller's entry size.
 */
static long mp_ioc_batch(struct mp_file *mbf,
			 struct msgport_batch __user *u, bool recv)
{
	u32 first = recv ? MSGPORT_RECV_SIZE_VER0 : MSGPORT_SEND_SIZE_VER0;
	struct msgport_batch b;
	u32 esize;

	if (copy_from_user(&b, u, sizeof(b)))
		return -EFAULT;
	if (b.flags || b.reserved0 || b.reserved)
		return -EINVAL;
	if (!b.count || b.count > MSGPORT_BATCH_MAX)
		return -EINVAL;
	/*
	 * From the module's size (a shorter one, an older program's once the
	 * struct has grown, would need the handlers to read it) to the
	 * largest an ioctl's struct can be (_IOC_SIZE).
	 */
	esize = b.entry_size ? b.entry_size : first;
	if (esize < (recv ? sizeof(struct msgport_recv) :
		     sizeof(struct msgport_send)) ||
	    esize % 8 || esize > _IOC_SIZEMASK)
		return -EINVAL;
	if (!(mbf->access & (recv ? MSGPORT_O_RECV : MSGPORT_O_SEND)))
		return -EBADF;
	if (recv)
		return recv_batch(mbf, u64_to_user_ptr(b.msgs), esize, b.count);
	return send_batch(mbf, u64_to_user_ptr(b.msgs), esize, b.count);
}

static long mp_ioc_reply(struct mp_file *mbf,
			 struct msgport_reply __user *u)
{
	struct msgport_reply r;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	return mp_call_reply(mbf, &r);
}

/*
 * Reply (if reply.token), then receive.  The receive's arguments are checked
 * before the reply goes out; a reply its caller cannot take any more
 * (-ENOENT, -ECANCELED) is reported in reply_result and the receive goes
 * on, any other reply error fails the call.
 */
static long mp_ioc_reply_recv(struct mp_file *mbf,
			      struct msgport_reply_recv __user *u, bool grown)
{
	struct mp_xfer x = { };
	struct msgport_reply r;
	u32 reserved0;
	long ret;
	int res = 0;

	if (copy_from_user(&r, &u->reply, sizeof(r)) ||
	    get_user(reserved0, &u->reserved0))
		return -EFAULT;
	if (reserved0)
		return -EINVAL;
	/* No reply: its other fields are still checked, but for the buffer. */
	if (!r.token && (r.flags || r.relay || r.reserved[0]))
		return -EINVAL;
	if (put_user(0, &u->reply_result))
		return -EFAULT;
	ret = recv_args(mbf, &u->recv, &x, true, 0, false, grown);
	if (ret)
		return ret;
	if (r.token) {
		res = mp_call_reply(mbf, &r);
		if (res && res != -ENOENT && res != -ECANCELED) {
			/* Best effort: the return value says it anyway. */
			ret = put_user(res, &u->reply_result) ? -EFAULT : res;
			goto out;
		}
		if (put_user(res, &u->reply_result)) {
			ret = -EFAULT;
			goto out;
		}
	}
	ret = mp_recv(mbf->mb, &x);
out:
	put_pid(x.from);
	return ret;
}

/* MSGPORT_IOC_COMMIT: end a lease taken through this descriptor (lease.c). */
static long mp_ioc_commit(struct mp_file *mbf, struct msgport_commit __user *u)
{
	struct msgport_commit c;

	if (copy_from_user(&c, u, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~(MSGPORT_COMMIT_RETURN | MSGPORT_COMMIT_REFUSE)) ||
	    c.flags == (MSGPORT_COMMIT_RETURN | MSGPORT_COMMIT_REFUSE) ||
	    c.reserved[0] || !c.seq)
		return -EINVAL;
	/*
	 * A refusal's errno is positive and not the kernel's own (512 and
	 * up: ERESTARTSYS would restart the sender), as an error reply's.
	 */
	if ((c.flags & MSGPORT_COMMIT_REFUSE) ?
	    !c.error || c.error >= ERESTARTSYS : c.error)
		return -EINVAL;
	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	return mp_lease_commit(mbf, c.seq, c.flags, c.error);
}

static long mp_ioc_stat(struct mp_file *mbf, struct msgport_stat __user *u)
{
	struct msgport_stat st;

	mp_mailbox_stat(mbf->mb, &st);
	if (copy_to_user(u, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long mp_ioc_set_mode(struct mp_file *mbf,
			    struct msgport_setmode __user *u)
{
	struct msgport_setmode sm;
	struct mp_mailbox *mb;

	if (copy_from_user(&sm, u, sizeof(sm)))
		return -EFAULT;
	if (sm.reserved || (sm.mode & ~0777U))
		return -EINVAL;
	/* A subscription's mode is its topic's. */
	mb = mbf->mb->sub_of ? mbf->mb->sub_of : mbf->mb;
	if (!mp_mailbox_is_owner(mb))
		return -EPERM;
	return mp_mailbox_set_mode(mb, sm.mode);
}

/* Waiting on words of the mailbox's region (region.c). */
static long mp_ioc_region_wait(struct mp_file *mbf,
			       struct msgport_region_wait __user *u)
{
	struct msgport_region_wait w;

	if (copy_from_user(&w, u, sizeof(w)))
		return -EFAULT;
	if (w.reserved || (w.flags & ~MSGPORT_F_TIMEOUT))
		return -EINVAL;
	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	return mp_region_wait(mbf->mb, &w, &u->timeout_ns);
}

static long mp_ioc_region_wake(struct mp_file *mbf)
{
	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	return mp_region_wake(mbf->mb);
}

/*
 * MSGPORT_IOC_DUP: a new descriptor of the same mailbox with a subset of
 * this one's access; not of an inbox (its lifetime follows its owner's
 * descriptors: inbox.c).  Counted in the mailbox as an open one
 * (mp_registry_dup()), with its own quota reference to send.
 */
static long mp_ioc_dup(struct mp_file *mbf, struct msgport_dup __user *u)
{
	struct mp_file_slot slot;
	struct msgport_dup d;
	int fd;

	if (copy_from_user(&d, u, sizeof(d)))
		return -EFAULT;
	if (d.reserved[0] || d.reserved[1])
		return -EINVAL;
	if (d.access & ~(MSGPORT_O_RECV | MSGPORT_O_SEND))
		return -EINVAL;
	if (d.flags & ~(MSGPORT_O_CLOEXEC | MSGPORT_O_NONBLOCK))
		return -EINVAL;
	/* An inbox's and a subscription's lifetimes are their descriptors'. */
	if (mbf->mb->owner || mbf->mb->sub_of)
		return -EINVAL;
	if (d.access & ~mbf->access)
		return -EPERM;
	fd = mp_file_prepare(&slot, d.access,
			     mp_file_flags(d.access | d.flags));
	if (fd)
		return fd;
	mp_registry_dup(mbf->mb, d.access);
	fd = mp_file_install(&slot, mbf->mb, mbf->mb->anon ? "[msgport-anon]" :
			     "[msgport]");
	if (fd < 0)
		mp_registry_release(mbf->mb, d.access);
	return fd;
}

/*
 * A mailbox descriptor's commands for mp_args_resize(): at other sizes,
 * with their structs' first published sizes; true where what a newer
 * program has past the module's struct is output.
 */
static const struct mp_args_cmd mbfile_cmds[] = {
	{ MSGPORT_IOC_SEND, MSGPORT_SEND_SIZE_VER0, false },
	{ MSGPORT_IOC_RECV, MSGPORT_RECV_SIZE_VER0, true },
	{ MSGPORT_IOC_RECV_V1, MSGPORT_RECV_SIZE_VER0, true },
	{ MSGPORT_IOC_SEND_BATCH, MSGPORT_BATCH_SIZE_VER0, false },
	{ MSGPORT_IOC_RECV_BATCH, MSGPORT_BATCH_SIZE_VER0, false },
	{ MSGPORT_IOC_STAT, MSGPORT_STAT_SIZE_VER0, true },
	{ MSGPORT_IOC_SET_MODE, MSGPORT_SETMODE_SIZE_VER0, false },
	{ MSGPORT_IOC_CALL, MSGPORT_CALL_SIZE_VER0, true },
	{ MSGPORT_IOC_CALL_V1, MSGPORT_CALL_SIZE_VER0, true },
	/* MSGPORT_IOC_REPLY: never grows (it begins msgport_reply_recv). */
	{ MSGPORT_IOC_REPLY_RECV, MSGPORT_REPLY_RECV_SIZE_VER0, true },
	{ MSGPORT_IOC_REPLY_RECV_V1, MSGPORT_REPLY_RECV_SIZE_VER0, true },
	{ MSGPORT_IOC_REGION_WAIT, MSGPORT_REGION_WAIT_SIZE_VER0, false },
	{ MSGPORT_IOC_REGION_WAKE, 0, false },
	{ MSGPORT_IOC_DUP, MSGPORT_DUP_SIZE_VER0, false },
	{ MSGPORT_IOC_COMMIT, MSGPORT_COMMIT_SIZE_VER0, false },
};

static long mbfile_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);

/*
 * A command at another program's size (args.c), off the path of the
 * usual call: dispatched again as the module's own command, once (the
 * same number again is no command).
 */
static noinline long mbfile_ioctl_resized(struct file *file, unsigned int cmd,
					  unsigned long arg)
{
	unsigned int known;
	int ret;

	ret = mp_args_resize(cmd, (void __user *)arg, mbfile_cmds,
			     ARRAY_SIZE(mbfile_cmds), &known);
	if (ret)
		return ret;
	if (known == cmd)
		return -ENOTTY;
	return mbfile_ioctl(file, known, arg);
}

static long mbfile_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mp_file *mbf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MSGPORT_IOC_SEND:
		return mp_ioc_send(mbf, argp);
	case MSGPORT_IOC_RECV:
		return mp_ioc_recv(mbf, argp, false);
	case MSGPORT_IOC_RECV_V1:
		return mp_ioc_recv(mbf, argp, true);
	case MSGPORT_IOC_SEND_BATCH:
		return mp_ioc_batch(mbf, argp, false);
	case MSGPORT_IOC_RECV_BATCH:
		return mp_ioc_batch(mbf, argp, true);
	case MSGPORT_IOC_STAT:
		return mp_ioc_stat(mbf, argp);
	case MSGPORT_IOC_SET_MODE:
		return mp_ioc_set_mode(mbf, argp);
	case MSGPORT_IOC_CALL:
		return mp_ioc_call(mbf, argp, false);
	case MSGPORT_IOC_CALL_V1:
		return mp_ioc_call(mbf, argp, true);
	case MSGPORT_IOC_REPLY:
		return mp_ioc_reply(mbf, argp);
	case MSGPORT_IOC_REPLY_RECV:
		return mp_ioc_reply_recv(mbf, argp, false);
	case MSGPORT_IOC_REPLY_RECV_V1:
		return mp_ioc_reply_recv(mbf, argp, true);
	case MSGPORT_IOC_REGION_WAIT:
		return mp_ioc_region_wait(mbf, argp);
	case MSGPORT_IOC_REGION_WAKE:
		return mp_ioc_region_wake(mbf);
	case MSGPORT_IOC_DUP:
		return mp_ioc_dup(mbf, argp);
	case MSGPORT_IOC_COMMIT:
		return mp_ioc_commit(mbf, argp);
	default:
		return mbfile_ioctl_resized(file, cmd, arg);
	}
}

/* read(2): one whole message per call, -EMSGSIZE if it does not fit. */
static ssize_t mbfile_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct mp_file *mbf = file->private_data;
	struct mp_xfer x = { };

	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	x.buf = buf;
	x.len = min_t(size_t, count, U32_MAX);
	x.flags = file_nonblock(file);
	x.mbf = mbf;
	return mp_recv(mbf->mb, &x);
}

/* write(2): one message of priority 0. */
static ssize_t mbfile_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct mp_file *mbf = file->private_data;
	struct mp_xfer x = { };
	int ret;

	if (!(mbf->access & MSGPORT_O_SEND))
		return -EBADF;
	if (count > U32_MAX)
		return -EMSGSIZE;
	x.buf = (void __user *)buf;
	x.len = count;
	x.flags = file_nonblock(file);
	x.quota = mbf->quota;
	if (unlikely(mbf->publish))
		ret = mp_topic_publish(mbf->mb, &x);
	else
		ret = mp_send(mbf->mb, &x);
	return ret ? ret : count;
}

static __poll_t mbfile_poll(struct file *file, struct poll_table_struct *pt)
{
	struct mp_file *mbf = file->private_data;

	/* A topic's, or a subscription's that may publish: topic.c. */
	if (unlikely(mbf->publish) &&
	    (mbf->mb->is_topic || (mbf->access & MSGPORT_O_SEND)))
		return mp_topic_poll(mbf->mb, file, pt);
	return mp_mailbox_poll(mbf->mb, file, pt);
}

/* The mailbox's shared region (region.c). */
static int mbfile_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_file *mbf = file->private_data;

	return mp_region_mmap(mbf->mb, mbf->access, vma);
}

/* close(2) of one descriptor: an inbox's owner may be closing it (inbox.c). */
static int mbfile_flush(struct file *file, fl_owner_t id)
{
	struct mp_file *mbf = file->private_data;

	if (mbf->mb->owner)
		mp_inbox_flush(file, mbf->mb);
	return 0;
}

static int mbfile_release(struct inode *inode, struct file *file)
{
	struct mp_file *mbf = file->private_data;

	/* Its leases go back first, newest first (lease.c). */
	mp_lease_release(mbf);
	/* Calls received through this descriptor will not be answered. */
	mp_calls_release(mbf);
	if (mbf->access & MSGPORT_O_RECV)
		mp_mailbox_receiver_closed(mbf->mb);
	if (mbf->access & MSGPORT_O_SEND)
		mp_mailbox_sender_closed(mbf->mb);
	if (mbf->mb->owner)
		mp_inbox_release(mbf->mb);
	else if (mbf->mb->sub_of)
		mp_registry_release(mp_topic_unsubscribe(mbf->mb),
				    mbf->access);
	else
		mp_registry_release(mbf->mb, mbf->access);
	mp_quota_drop(mbf->quota);
	kfree(mbf);
	atomic_long_dec(&mp_objects.files);
	return 0;
}

const struct file_operations mp_file_fops = {
	.owner		= THIS_MODULE,
	.read		= mbfile_read,
	.write		= mbfile_write,
	.poll		= mbfile_poll,
	.unlocked_ioctl	= mbfile_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mbfile_mmap,
	.flush		= mbfile_flush,
	.release	= mbfile_release,
};

/**
 * mp_file_flags() - the file flags of a descriptor opened with MSGPORT_O_* flags
 * @flags: the MSGPORT_O_* flags of the open
 *
 * The access mode: O_WRONLY to send only, O_RDWR to send and receive, else
 * O_RDONLY (receive-only or stat-only; read() then gives -EBADF to a
 * stat-only one); then O_NONBLOCK for MSGPORT_O_NONBLOCK and O_CLOEXEC for
 * MSGPORT_O_CLOEXEC.
 *
 * Context: Any.  Takes no lock; does not sleep.
 * Return: the O_* file flags.
 */
int mp_file_flags(u32 flags)
{
	int f;

	switch (flags & (MSGPORT_O_RECV | MSGPORT_O_SEND)) {
	case MSGPORT_O_SEND:
		f = O_WRONLY;
		break;
	case MSGPORT_O_RECV | MSGPORT_O_SEND:
		f = O_RDWR;
		break;
	default:
		f = O_RDONLY;
		break;
	}
	if (flags & MSGPORT_O_NONBLOCK)
		f |= O_NONBLOCK;
	if (flags & MSGPORT_O_CLOEXEC)
		f |= O_CLOEXEC;
	return f;
}

/**
 * mp_file_prepare() - reserve what a new mailbox descriptor needs
 * @slot: filled in with what is reserved
 * @access: the descriptor's access: MSGPORT_O_RECV and/or MSGPORT_O_SEND
 * @fflags: its file flags (mp_file_flags()), kept in @slot for the file;
 *          O_CLOEXEC also applies to the descriptor number
 *
 * Reserves what the descriptor needs, before its mailbox is looked up or
 * made: its descriptor number, its private data (struct mp_file) and, to
 * send, a reference to the opener's quota record.  On success, either
 * mp_file_install() or mp_file_abort() follows.
 *
 * Context: Process context; may sleep (allocates).  Takes no mailbox lock.
 * Return: 0; or -ENOMEM or -EMFILE, with nothing reserved.
 */
int mp_file_prepare(struct mp_file_slot *slot, u32 access, int fflags)
{
	slot->fflags = fflags;
	slot->mbf = kzalloc(sizeof(*slot->mbf), GFP_KERNEL_ACCOUNT);
	if (!slot->mbf)
		return -ENOMEM;
	slot->mbf->access = access;
	slot->mbf->leases = RB_ROOT;
	INIT_LIST_HEAD(&slot->mbf->lease_list);
	INIT_LIST_HEAD(&slot->mbf->lease_link);
	if (access & MSGPORT_O_SEND) {
		slot->mbf->quota = mp_quota_hold();
		if (!slot->mbf->quota) {
			kfree(slot->mbf);
			return -ENOMEM;
		}
	}
	slot->fd = get_unused_fd_flags(fflags & O_CLOEXEC);
	if (slot->fd < 0) {
		mp_quota_drop(slot->mbf->quota);
		kfree(slot->mbf);
		return slot->fd;
	}
	return 0;
}

/**
 * mp_file_abort() - give back what mp_file_prepare() reserved
 * @slot: prepared by mp_file_prepare(), not installed
 *
 * Gives back the descriptor number, the quota reference and the private
 * data.
 *
 * Context: Process context.  Takes no mailbox lock; does not sleep.
 */
void mp_file_abort(struct mp_file_slot *slot)
{
	put_unused_fd(slot->fd);
	mp_quota_drop(slot->mbf->quota);
	kfree(slot->mbf);
}

/**
 * mp_file_install() - make a prepared descriptor a file of a mailbox
 * @slot: prepared by mp_file_prepare()
 * @mb: the mailbox, referenced by the caller
 * @name: the file's name in /proc/PID/fd
 *
 * Makes the descriptor reserved in @slot a file of @mb and installs it: the
 * file takes over the caller's reference to @mb.  A descriptor with receive
 * access counts as a receiver of @mb (mp_mailbox_receiver_opened()), one with
 * send access as a sender (mp_mailbox_sender_opened()).
 *
 * Context: Process context; may sleep (allocates the file).  Takes mb->lock
 * for a descriptor with receive access.
 * Return: the descriptor number; or -errno after giving back the slot
 * (mp_file_abort()): the caller still holds its reference to @mb then.
 */
int mp_file_install(struct mp_file_slot *slot, struct mp_mailbox *mb,
		    const char *name)
{
	struct file *file;

	slot->mbf->mb = mb;
	file = anon_inode_getfile(name, &mp_file_fops, slot->mbf,
				  slot->fflags);
	if (IS_ERR(file)) {
		mp_file_abort(slot);
		return PTR_ERR(file);
	}
	if (slot->mbf->access & MSGPORT_O_RECV)
		mp_mailbox_receiver_opened(mb);
	if (slot->mbf->access & MSGPORT_O_SEND)
		mp_mailbox_sender_opened(mb);
	slot->mbf->publish = mp_topic_of(mb);
	atomic_long_inc(&mp_objects.files);
	fd_install(slot->fd, file);
	return slot->fd;
}
