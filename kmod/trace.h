/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: the module's tracepoints (TRACE_SYSTEM msgport), for ftrace
 * (/sys/kernel/tracing/events/msgport/), perf trace and bpftrace.
 *
 * Events
 *   msgport_send           a send's outcome: its sequence number, or its error
 *   msgport_recv           a receive's outcome: the message's length and
 *                          sequence number and the bytes copied, or its error
 *   msgport_wake           a waiter released: a hand-off, a kick, room, a
 *                          receipt, or the mailbox destroyed or reset
 *   msgport_help           a sender helped a receiver copy a message out
 *   msgport_drop           a queued message that no receiver will get
 *   msgport_quota_refused  a charge over max_user_bytes (-EDQUOT)
 *
 * Each records integers only, copied from the pointers its call passes in
 * (TP_fast_assign): with the event disabled, a call is a jump label left as
 * a no-op and its arguments are pointers and constants already at hand, so
 * it costs nothing (doc/msgport.7, TRACING).
 *
 * A mailbox is named by @mbox, the 32-bit FNV-1a hash of its name as
 * /proc/msgport shows it (0 for an inbox), and @inbox, the thread group id
 * of an inbox's owner (0 for a named mailbox).  Task ids are global ones,
 * as the events' own common_pid.
 *
 * CREATE_TRACE_POINTS: trace.c alone, whose object must have kmod/ on its
 * include path (Kbuild) for <trace/define_trace.h> to find this file again.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM msgport

#if !defined(_MSGPORT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MSGPORT_TRACE_H

#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/user_namespace.h>

#include "msgport.h"

#ifndef _MSGPORT_TRACE_HELPERS
#define _MSGPORT_TRACE_HELPERS

/* Why a waiter was released (msgport_wake). */
enum mp_trace_wake {
	MP_TRACE_WAKE_HANDOFF,		/* a receiver handed a message */
	MP_TRACE_WAKE_KICK,		/* a receiver told to look again */
	MP_TRACE_WAKE_ROOM,		/* a sender's message admitted */
	MP_TRACE_WAKE_RECEIPT,		/* a sync sender's message taken */
	MP_TRACE_WAKE_DESTROYED,	/* the mailbox was destroyed */
	MP_TRACE_WAKE_RESET,		/* a call's sync sender: no receiver left */
	MP_TRACE_WAKE_REJECTED,		/* a sync sender's leased message refused */
	MP_TRACE_WAKE_HELP,		/* a claimed receiver, to help with the copy */
};

/* Why a queued message went (msgport_drop). */
enum mp_trace_drop {
	MP_TRACE_DROP_DESTROYED,	/* its mailbox was destroyed */
	MP_TRACE_DROP_WITHDRAWN,	/* its sender took it back */
	MP_TRACE_DROP_REFUSED,		/* not put back: its caller gave up */
	MP_TRACE_DROP_NO_RECEIVER,	/* a call's request: no receiver left */
	MP_TRACE_DROP_OVERFLOW,		/* a full DROP_OLD subscription (topic.c) */
	MP_TRACE_DROP_REJECTED,		/* its lease holder refused it (lease.c) */
};

/* The FNV-1a hash of @mb's name (0 for an inbox): msgport_*'s @mbox. */
static inline u32 mp_trace_mbox(const struct mp_mailbox *mb)
{
	u32 h = 2166136261U;
	u32 i;

	if (mb->owner)
		return 0;
	for (i = 0; i < mb->name_len; i++) {
		h ^= (u8)mb->name[i];
		h *= 16777619U;
	}
	return h;
}

/* The thread group id of an inbox's owner (0 for a named mailbox). */
static inline pid_t mp_trace_inbox(const struct mp_mailbox *mb)
{
	return mb->owner ? pid_nr(mb->owner) : 0;
}

/* The bytes a message holds or refers to: its payload, or its span. */
static inline u32 mp_trace_msg_len(const struct mp_msg *msg)
{
	return mp_msg_is_span(msg) ? msg->span_len : msg->len;
}

#endif /* _MSGPORT_TRACE_HELPERS */

/* The enums' values, for user space to resolve __print_symbolic(). */
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_HANDOFF);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_KICK);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_ROOM);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_RECEIPT);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_DESTROYED);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_RESET);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_REJECTED);
TRACE_DEFINE_ENUM(MP_TRACE_WAKE_HELP);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_DESTROYED);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_WITHDRAWN);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_REFUSED);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_NO_RECEIVER);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_OVERFLOW);
TRACE_DEFINE_ENUM(MP_TRACE_DROP_REJECTED);

/*
 * msgport_send: a send's outcome
 * @mb: the mailbox
 * @x: the send (its flags, priority, length; its seq once accepted)
 * @ret: 0, or the send's error
 *
 * One per message sent or refused, from the sender: under mb->lock when
 * the message is handed over or queued (a send that waits: when the wait
 * ends), or when it is refused.  @seq is 0 for a refused send.
 */
TRACE_EVENT(msgport_send,
	    TP_PROTO(const struct mp_mailbox *mb, const struct mp_xfer *x,
		     int ret),
	    TP_ARGS(mb, x, ret),
	    TP_STRUCT__entry(__field(u32, mbox)
			     __field(pid_t, inbox)
			     __field(pid_t, tgid)
			     __field(u32, len)
			     __field(u32, prio)
			     __field(u32, flags)
			     __field(u64, seq)
			     __field(int, ret)),
	    TP_fast_assign(__entry->mbox = mp_trace_mbox(mb);
			   __entry->inbox = mp_trace_inbox(mb);
			   __entry->tgid = current->tgid;
			   __entry->len = (x->flags & MSGPORT_F_SPAN) ?
					  x->span_len : x->len;
			   __entry->prio = x->prio;
			   __entry->flags = x->flags;
			   __entry->seq = ret ? 0 : x->seq;
			   __entry->ret = ret),
	    TP_printk("mbox=%08x inbox=%d tgid=%d len=%u prio=%u flags=0x%x seq=%llu ret=%d",
		      __entry->mbox, __entry->inbox, __entry->tgid,
		      __entry->len, __entry->prio, __entry->flags,
		      (unsigned long long)__entry->seq, __entry->ret)
);

/*
 * msgport_recv: a receive's outcome
 * @mb: the mailbox
 * @x: the receive (its flags)
 * @msg: the message received or peeked at, or NULL if none
 * @ret: the bytes copied, or the receive's error
 *
 * One per message received (or peeked at), or per receive that got none
 * (@msg NULL: an error), from the receiver once its copy is done.  @len is
 * the message's length, of which @ret bytes were copied; @sender is the
 * thread group that sent it.  @msg NULL with @ret >= 0: a message its sender
 * wrote straight into the buffer (direct.c); its sender, length, priority
 * and seq are in that sender's msgport_send event.
 */
TRACE_EVENT(msgport_recv,
	    TP_PROTO(const struct mp_mailbox *mb, const struct mp_xfer *x,
		     const struct mp_msg *msg, long ret),
	    TP_ARGS(mb, x, msg, ret),
	    TP_STRUCT__entry(__field(u32, mbox)
			     __field(pid_t, inbox)
			     __field(pid_t, tgid)
			     __field(pid_t, sender)
			     __field(u32, len)
			     __field(u32, prio)
			     __field(u32, flags)
			     __field(u64, seq)
			     __field(long, ret)),
	    TP_fast_assign(__entry->mbox = mp_trace_mbox(mb);
			   __entry->inbox = mp_trace_inbox(mb);
			   __entry->tgid = current->tgid;
			   __entry->sender = msg ? pid_nr(msg->tgid) : 0;
			   __entry->len = msg ? mp_trace_msg_len(msg) : 0;
			   __entry->prio = msg ? msg->prio : 0;
			   __entry->flags = x->flags;
			   __entry->seq = msg ? msg->seq : 0;
			   __entry->ret = ret),
	    TP_printk("mbox=%08x inbox=%d tgid=%d sender=%d len=%u prio=%u flags=0x%x seq=%llu ret=%ld",
		      __entry->mbox, __entry->inbox, __entry->tgid,
		      __entry->sender, __entry->len, __entry->prio,
		      __entry->flags, (unsigned long long)__entry->seq,
		      __entry->ret)
);

/*
 * msgport_wake: a waiter released
 * @mb: the mailbox
 * @w: the waiter, its state changed
 * @why: why (enum mp_trace_wake)
 *
 * Under mb->lock, where the waker changes a waiter's state, before its
 * wake-up is queued.  @spin: the waiter was spinning and needs none.
 */
TRACE_EVENT(msgport_wake,
	    TP_PROTO(const struct mp_mailbox *mb, const struct mp_waiter *w,
		     enum mp_trace_wake why),
	    TP_ARGS(mb, w, why),
	    TP_STRUCT__entry(__field(u32, mbox)
			     __field(pid_t, inbox)
			     __field(pid_t, pid)
			     __field(u8, why)
			     __field(u8, spin)),
	    TP_fast_assign(__entry->mbox = mp_trace_mbox(mb);
			   __entry->inbox = mp_trace_inbox(mb);
			   __entry->pid = w->task->pid;
			   __entry->why = why;
			   __entry->spin = w->spinning),
	    TP_printk("mbox=%08x inbox=%d pid=%d why=%s spin=%u",
		      __entry->mbox, __entry->inbox, __entry->pid,
		      __print_symbolic(__entry->why,
				       { MP_TRACE_WAKE_HANDOFF, "handoff" },
				       { MP_TRACE_WAKE_KICK, "kick" },
				       { MP_TRACE_WAKE_ROOM, "room" },
				       { MP_TRACE_WAKE_RECEIPT, "receipt" },
				       { MP_TRACE_WAKE_DESTROYED, "destroyed" },
				       { MP_TRACE_WAKE_RESET, "reset" },
				       { MP_TRACE_WAKE_REJECTED, "rejected" },
				       { MP_TRACE_WAKE_HELP, "help" }),
		      __entry->spin)
);

/*
 * msgport_help: a sender helped a receiver copy a message out
 * @mb: the mailbox
 * @receiver: the receiving thread (its global id)
 * @sender: the message's sending process (its global id): the helping
 *	task's own, as only that process helps
 * @seq: the message's sequence number
 * @bytes: the bytes the sender copied into the receiver's buffer
 * @ret: 0, or the error that ended its part (the receiver then copies the
 *	unit it gave back itself)
 *
 * From the sender, without mb->lock, once it is out of the receiver's copy
 * (direct.c, "Senders help receivers").
 */
TRACE_EVENT(msgport_help,
	    TP_PROTO(const struct mp_mailbox *mb, pid_t receiver, pid_t sender,
		     u64 seq, u32 bytes, int ret),
	    TP_ARGS(mb, receiver, sender, seq, bytes, ret),
	    TP_STRUCT__entry(__field(u32, mbox)
			     __field(pid_t, inbox)
			     __field(pid_t, receiver)
			     __field(pid_t, sender)
			     __field(u64, seq)
			     __field(u32, bytes)
			     __field(int, ret)),
	    TP_fast_assign(__entry->mbox = mp_trace_mbox(mb);
			   __entry->inbox = mp_trace_inbox(mb);
			   __entry->receiver = receiver;
			   __entry->sender = sender;
			   __entry->seq = seq;
			   __entry->bytes = bytes;
			   __entry->ret = ret),
	    TP_printk("mbox=%08x inbox=%d receiver=%d sender=%d seq=%llu bytes=%u ret=%d",
		      __entry->mbox, __entry->inbox, __entry->receiver,
		      __entry->sender, (unsigned long long)__entry->seq,
		      __entry->bytes, __entry->ret)
);

/*
 * msgport_drop: a queued message that no receiver will get
 * @mb: the mailbox
 * @msg: the message, accepted (its seq set)
 * @why: why (enum mp_trace_drop); any message of a destroyed mailbox
 *	counts as MP_TRACE_DROP_DESTROYED
 *
 * Under mb->lock, as the message leaves the queue (or, a receiver's copy
 * having faulted, is not put back).
 */
TRACE_EVENT(msgport_drop,
	    TP_PROTO(const struct mp_mailbox *mb, const struct mp_msg *msg,
		     enum mp_trace_drop why),
	    TP_ARGS(mb, msg, why),
	    TP_STRUCT__entry(__field(u32, mbox)
			     __field(pid_t, inbox)
			     __field(pid_t, sender)
			     __field(u32, len)
			     __field(u64, seq)
			     __field(u8, why)),
	    TP_fast_assign(__entry->mbox = mp_trace_mbox(mb);
			   __entry->inbox = mp_trace_inbox(mb);
			   __entry->sender = pid_nr(msg->tgid);
			   __entry->len = mp_trace_msg_len(msg);
			   __entry->seq = msg->seq;
			   __entry->why = mb->dead ?
					  MP_TRACE_DROP_DESTROYED : why),
	    TP_printk("mbox=%08x inbox=%d sender=%d len=%u seq=%llu why=%s",
		      __entry->mbox, __entry->inbox, __entry->sender,
		      __entry->len, (unsigned long long)__entry->seq,
		      __print_symbolic(__entry->why,
				       { MP_TRACE_DROP_DESTROYED, "destroyed" },
				       { MP_TRACE_DROP_WITHDRAWN, "withdrawn" },
				       { MP_TRACE_DROP_REFUSED, "refused" },
				       { MP_TRACE_DROP_NO_RECEIVER, "no_receiver" },
				       { MP_TRACE_DROP_OVERFLOW, "overflow" },
				       { MP_TRACE_DROP_REJECTED, "rejected" }))
);

/*
 * msgport_quota_refused: a charge over max_user_bytes
 * @euid: the user charged
 * @asked: the bytes asked for
 * @held: the bytes the user holds already
 * @limit: max_user_bytes
 *
 * A message (a batch's messages together) or a region that the user's
 * charge cannot take: its send or creation fails with -EDQUOT.  @uid is
 * in the initial user namespace.
 */
TRACE_EVENT(msgport_quota_refused,
	    TP_PROTO(kuid_t euid, size_t asked, long held, unsigned long limit),
	    TP_ARGS(euid, asked, held, limit),
	    TP_STRUCT__entry(__field(u32, uid)
			     __field(u64, asked)
			     __field(u64, held)
			     __field(u64, limit)),
	    TP_fast_assign(__entry->uid = from_kuid(&init_user_ns, euid);
			   __entry->asked = asked;
			   __entry->held = held;
			   __entry->limit = limit),
	    TP_printk("uid=%u asked=%llu held=%llu limit=%llu",
		      __entry->uid, (unsigned long long)__entry->asked,
		      (unsigned long long)__entry->held,
		      (unsigned long long)__entry->limit)
);

#endif /* _MSGPORT_TRACE_H */

/* Outside the guard: <trace/define_trace.h> reads this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
