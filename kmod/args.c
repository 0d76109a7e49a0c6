// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: ioctl arguments at the sizes other programs were built with (the
 * uapi header's "Growing the ABI").
 *
 * A command's number holds its struct's size.  The ioctl handlers switch on
 * the commands at the module's own sizes; a command that matches none of
 * them comes here (mp_args_resize()): if it is one of them at another size,
 * its argument is made what the handler expects, else it is not a command
 * (-ENOTTY).  Every struct is still at its first published size: a
 * smaller size is no command, a larger one is taken when its extra bytes
 * are zero (input) or have been zeroed (output).  When a struct grows, its
 * static_assert below fails: its handler must then read the shorter sizes
 * of older programs (copy_struct_from_user(), and copy_to_user() of no
 * more than the caller's size), and mp_args_resize() let them through; a
 * batch entry likewise (mp_ioc_batch()).  The library keeps its own
 * structs at their first sizes (lib/internal.h).
 *
 * No state, no locks.
 */
#include <linux/build_bug.h>
#include <linux/ioctl.h>
#include <linux/uaccess.h>

#include "msgport.h"

/* Today's structs are their first published sizes (see the top comment). */
static_assert(sizeof(struct msgport_version) == MSGPORT_VERSION_SIZE_VER0);
static_assert(sizeof(struct msgport_open) == MSGPORT_OPEN_SIZE_VER0);
static_assert(sizeof(struct msgport_name) == MSGPORT_NAME_SIZE_VER0);
static_assert(sizeof(struct msgport_inbox) == MSGPORT_INBOX_SIZE_VER0);
static_assert(sizeof(struct msgport_send_pid) == MSGPORT_SEND_PID_SIZE_VER0);
static_assert(sizeof(struct msgport_call) == MSGPORT_CALL_SIZE_VER0);
static_assert(sizeof(struct msgport_send) == MSGPORT_SEND_SIZE_VER0);
static_assert(sizeof(struct msgport_recv) == MSGPORT_RECV_SIZE_VER0);
static_assert(sizeof(struct msgport_msginfo) == MSGPORT_MSGINFO_SIZE_VER0);
static_assert(sizeof(struct msgport_stat) == MSGPORT_STAT_SIZE_VER0);
static_assert(sizeof(struct msgport_setmode) == MSGPORT_SETMODE_SIZE_VER0);
static_assert(sizeof(struct msgport_reply) == MSGPORT_REPLY_SIZE_VER0);
static_assert(sizeof(struct msgport_reply_recv) == MSGPORT_REPLY_RECV_SIZE_VER0);
static_assert(sizeof(struct msgport_batch) == MSGPORT_BATCH_SIZE_VER0);
static_assert(sizeof(struct msgport_region_wait) == MSGPORT_REGION_WAIT_SIZE_VER0);
static_assert(sizeof(struct msgport_dup) == MSGPORT_DUP_SIZE_VER0);
static_assert(sizeof(struct msgport_commit) == MSGPORT_COMMIT_SIZE_VER0);
/*
 * The grown receives (ABI 1.3) are new structs, each its old one and a
 * struct msgport_relay: the relay follows the old struct's last byte.
 */
static_assert(sizeof(struct msgport_relay) == 40);
static_assert(offsetof(struct msgport_recv_v1, relay) ==
	      sizeof(struct msgport_recv));
static_assert(offsetof(struct msgport_call_v1, relay) ==
	      sizeof(struct msgport_call));
static_assert(offsetof(struct msgport_reply_recv_v1, relay) ==
	      sizeof(struct msgport_reply_recv));
static_assert(offsetof(struct msgport_reply_recv, recv) +
	      sizeof(struct msgport_recv) == sizeof(struct msgport_reply_recv));

/**
 * mp_args_tail() - check or clear a caller's bytes past the module's struct
 * @u: the caller's struct
 * @usize: its size as the caller knows it
 * @ksize: the module's size of it
 * @output: whether the bytes past @ksize are output (else input)
 *
 * Nothing to do if @usize <= @ksize.  Input: the bytes past @ksize must be
 * zero (a field this module does not know asks for something it cannot
 * do).  Output: they are zeroed, as the fields of a newer program this
 * module does not fill (msgport_msginfo's, at the end of a receive).
 *
 * Context: Process context; may fault.  Takes no lock.
 * Return: 0; -E2BIG if an input byte past @ksize is not zero; -EFAULT.
 */
int mp_args_tail(void __user *u, size_t usize, size_t ksize, bool output)
{
	int ret;

	if (usize <= ksize)
		return 0;
	if (output)
		return clear_user(u + ksize, usize - ksize) ? -EFAULT : 0;
	ret = check_zeroed_user(u + ksize, usize - ksize);
	if (ret < 0)
		return ret;
	return ret ? 0 : -E2BIG;
}

/**
 * mp_args_resize() - the module's command for a command at another size
 * @cmd: the command as called
 * @argp: its argument
 * @cmds: the commands of the descriptor, @n of them
 * @n: entries in @cmds
 * @known: set to the module's command
 *
 * A command is one of @cmds if its type, number and direction are: then
 * its size must be one the policy allows (a multiple of 8, at least the
 * first published size) and the bytes the module does not know are made
 * what mp_args_tail() makes them.  A command without an argument has no
 * other size.  A command the module knows at several sizes (a grown
 * struct: MSGPORT_IOC_RECV and MSGPORT_IOC_RECV_V1) is taken as the
 * largest of them that the caller's size holds.
 *
 * Context: Process context; may fault.  Takes no lock.
 * Return: 0 and *@known; -ENOTTY if @cmd is no command of @cmds at
 * a size the module takes; -E2BIG or -EFAULT from mp_args_tail().
 */
int mp_args_resize(unsigned int cmd, void __user *argp,
		   const struct mp_args_cmd *cmds, unsigned int n,
		   unsigned int *known)
{
	const unsigned int size_bits = _IOC_SIZEMASK << _IOC_SIZESHIFT;
	const struct mp_args_cmd *best = NULL;
	u32 usize = _IOC_SIZE(cmd);
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		const struct mp_args_cmd *c = &cmds[i];

		if ((cmd ^ c->cmd) & ~size_bits)
			continue;
		if (!_IOC_SIZE(c->cmd) || usize % 8 || usize < c->first)
			return -ENOTTY;
		/*
		 * A size below the module's (an older program's, once a
		 * struct has grown in place) needs its handler to read that
		 * size: none does, so none passes.
		 */
		if (usize >= _IOC_SIZE(c->cmd) &&
		    (!best || _IOC_SIZE(c->cmd) > _IOC_SIZE(best->cmd)))
			best = c;
	}
	if (!best)
		return -ENOTTY;
	ret = mp_args_tail(argp, usize, _IOC_SIZE(best->cmd), best->tail_out);
	if (ret)
		return ret;
	*known = best->cmd;
	return 0;
}

/**
 * mp_args_relay() - copy in and check a struct msgport_relay
 * @relay: where the kernel copy goes
 * @uptr: the caller's pointer to it (msgport_send.relay and the like)
 *
 * A relayed origin's claim (MSGPORT_F_RELAY): its fields are the relayer's,
 * but reserved0, which must be 0.
 *
 * Context: Process context; may fault.  Takes no lock.
 * Return: 0; -EINVAL for a NULL pointer or reserved0 not 0; -EFAULT.
 */
int mp_args_relay(struct msgport_relay *relay, u64 uptr)
{
	if (!uptr)
		return -EINVAL;
	if (copy_from_user(relay, u64_to_user_ptr(uptr), sizeof(*relay)))
		return -EFAULT;
	return relay->reserved0 ? -EINVAL : 0;
}
