// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the mailbox name table; open, create, unlink, last close.
 *
 * Locking
 *   mp_registry_lock (mutex) protects the name hash, the creation-order
 *   list mp_mailboxes (read by /proc/msgport), the mailbox count, and in
 *   each mailbox @hnode, @node, @linked and @nfiles.  It is taken before any
 *   mb->lock and never inside one.
 *
 * Lifetimes
 *   A mailbox's kref counts one reference for the name table while it is
 *   linked plus one per open descriptor; @nfiles counts the open descriptors
 *   that can receive or send.  A descriptor with neither (stat and mode
 *   only; opening one needs a mode bit of the caller's class, ownership or
 *   CAP_IPC_OWNER all the same) holds the struct but keeps nothing else
 *   alive: not an ephemeral mailbox, not its name, not its region.  A
 *   non-ephemeral mailbox with no open descriptor stays linked (and keeps
 *   its messages) until unlinked.  Unlink,
 *   or the last close of an ephemeral mailbox, removes the name under the
 *   mutex, then destroys the queue (mailbox.c: waiters get -EIDRM, messages
 *   are dropped) and drops the table's reference.  The region goes when
 *   the mailbox is unlinked and no descriptor counted in @nfiles is left
 *   (a mapping holds one).  Descriptors still open keep the struct until
 *   they close; the last kref_put frees it.  Each mailbox file also holds
 *   a module reference (fops owner), so the module cannot go while a
 *   mailbox descriptor is open; at exit the table still owns the remaining
 *   mailboxes and destroys them.  A memory mapping of a mailbox's region
 *   holds the descriptor it was made from (region.c), so it counts as an
 *   open descriptor here: an ephemeral mailbox lives on while mapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/stringhash.h>

#include "msgport.h"

#define MP_HASH_BITS	8

/* Protects the name table; see the top of this file. */
DEFINE_MUTEX(mp_registry_lock);
LIST_HEAD(mp_mailboxes);
static DEFINE_HASHTABLE(mp_names, MP_HASH_BITS);
static unsigned int mp_nr_mailboxes;

static u32 name_hash(const char *name, u32 len)
{
	return full_name_hash(NULL, name, len);
}

static struct mp_mailbox *lookup_locked(const char *name, u32 len)
{
	struct mp_mailbox *mb;

	hash_for_each_possible(mp_names, mb, hnode, name_hash(name, len)) {
		if (mb->name_len == len && !memcmp(mb->name, name, len))
			return mb;
	}
	return NULL;
}

static void link_locked(struct mp_mailbox *mb)
{
	hash_add(mp_names, &mb->hnode, name_hash(mb->name, mb->name_len));
	list_add_tail(&mb->node, &mp_mailboxes);
	mb->linked = true;
	mp_nr_mailboxes++;
}

static void unlink_locked(struct mp_mailbox *mb)
{
	hash_del(&mb->hnode);
	list_del_init(&mb->node);
	mb->linked = false;
	mp_nr_mailboxes--;
}

/*
 * Mode bits against euid, egid and supplementary groups (as ipcperms()), or
 * CAP_IPC_OWNER.  An open for neither receiving nor sending (for stat and
 * mode only) needs some right all the same: at least one mode bit of the
 * caller's class, or ownership; a stranger to a mailbox must not even hold
 * it open.
 */
static bool may_access(const struct mp_mailbox *mb, u32 access)
{
	int granted = READ_ONCE(mb->mode);
	int want = 0;

	if (access & MSGPORT_O_RECV)
		want |= 4;
	if (access & MSGPORT_O_SEND)
		want |= 2;
	if (uid_eq(current_euid(), mb->uid)) {
		/* The owner may always open it to stat it or set its mode. */
		if (!want)
			return true;
		granted >>= 6;
	} else if (in_group_p(mb->gid)) {
		granted >>= 3;
	}
	if (want ? !(want & ~granted & 7) : (granted & 7))
		return true;
	return capable(CAP_IPC_OWNER);
}

/*
 * A descriptor of @mb with @access closes (or failed to open), under the
 * mutex: gives back its count in @mb->nfiles if it had one (a descriptor
 * that can neither receive nor send has none: it never keeps a mailbox
 * alive).  Returns what the caller must do once the mutex is dropped:
 * destroy @mb (the last counted descriptor of an ephemeral mailbox: it is
 * unlinked here), and whether to free its region (the mailbox is unlinked
 * and no descriptor that could use the region is left).
 */
static bool release_locked(struct mp_mailbox *mb, u32 access, bool *region)
{
	bool destroy = false;

	if (access && !--mb->nfiles && mb->ephemeral && mb->linked) {
		unlink_locked(mb);
		destroy = true;
	}
	*region = access && !mb->nfiles && !mb->linked;
	return destroy;
}

/*
 * After an unlink: the table's reference goes with the name, the queue dies
 * with it, and the region too if no descriptor that could use it (and so no
 * mapping) is left (@region).  A descriptor for stat only keeps nothing of
 * the owner's charged.
 */
static void unlinked_destroy(struct mp_mailbox *mb, bool region)
{
	mp_mailbox_destroy(mb);
	if (region)
		mp_region_free(mb);
	mp_mailbox_put(mb);
}

/**
 * mp_registry_open_failed() - undo mp_registry_open() for a failed descriptor
 * @mb: the mailbox mp_registry_open() gave
 * @created: mp_registry_open() created @mb
 * @access: the access the open asked for (MSGPORT_O_RECV, MSGPORT_O_SEND)
 *
 * The descriptor of a mailbox mp_registry_open() gave could not be made, so the
 * open fails: the reference, and the count in @mb->nfiles if it had access, go
 * (mp_registry_release()).  A mailbox that open created (@created) must not
 * outlive the failure, unless another opener already holds it (for that one it
 * exists): if it is still linked and this open's count is its only one in
 * @mb->nfiles (or it has none, and neither has anyone), it is unlinked and
 * destroyed first.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_registry_lock; destroys the mailbox after releasing it.
 */
void mp_registry_open_failed(struct mp_mailbox *mb, bool created, u32 access)
{
	bool destroy = false, region = false;

	mutex_lock(&mp_registry_lock);
	if (created && mb->linked && mb->nfiles == (access ? 1 : 0)) {
		unlink_locked(mb);
		destroy = true;
		region = !mb->nfiles;
	}
	mutex_unlock(&mp_registry_lock);
	if (destroy)
		unlinked_destroy(mb, region);
	mp_registry_release(mb, access);
}

/*
 * May one more named mailbox be made?  Under max_mailboxes, or with
 * CAP_SYS_RESOURCE (checked only at the limit: no audit record otherwise).
 */
static bool room_for_one_more(void)
{
	lockdep_assert_held(&mp_registry_lock);
	return mp_nr_mailboxes < READ_ONCE(mp_max_mailboxes) ||
	       capable(CAP_SYS_RESOURCE);
}

/*
 * A mailbox as @op creates it, with its region, not yet linked: NULL if it
 * cannot be made (*@create_err says why; -ENOMEM if it is not set).
 */
static struct mp_mailbox *mailbox_new(const struct msgport_open *op,
				      const char *name, int *create_err)
{
	struct mp_mailbox *mb = mp_mailbox_alloc();

	if (IS_ERR(mb)) {
		*create_err = PTR_ERR(mb);
		return NULL;
	}
	memcpy(mb->name, name, op->name_len);
	mb->name_len = op->name_len;
	mb->capacity = op->capacity;
	mb->max_msg_size = op->max_msg_size;
	mb->mode = op->mode;
	mb->uid = current_euid();
	mb->gid = current_egid();
	mb->ephemeral = op->flags & MSGPORT_O_EPHEMERAL;
	*create_err = mp_region_create(mb, op->region_size);
	if (*create_err) {
		mp_mailbox_free(mb);
		return NULL;
	}
	return mb;
}

/**
 * mp_registry_open() - find or create a mailbox for a new descriptor
 * @op: the open request, validated by the caller; with MSGPORT_O_CREAT,
 *      op->max_msg_size is already resolved
 * @name: the name, op->name_len bytes, checked by the caller
 * @create_err: 0, or why @op's creation attributes are invalid
 * @created: set to whether this call created the mailbox
 *
 * The mailbox @op names, for a new descriptor with the access @op asks for
 * (checked against the mode as ipcperms() does, else CAP_IPC_OWNER), created if
 * @op says so (MSGPORT_O_CREAT): a reference and, with access, a count in
 * mb->nfiles, which the descriptor's release gives back (mp_registry_release(), or
 * mp_registry_open_failed() if the descriptor cannot be made).  @create_err is
 * returned only if the name does not exist, since the attributes of an open of
 * an existing mailbox are ignored (as mq_open).  The creator gets the access it
 * asked for, whatever the mode (as mq_open).
 *
 * A new mailbox is made, with its region, only for a name that does not exist
 * (an open of an existing one must not allocate, nor zero, a region it throws
 * away), outside the mutex; then the name is looked up again, and if another
 * opener created it meanwhile, that mailbox is opened and the new one freed.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_registry_lock; allocates outside it.
 *
 * Return: the mailbox, or an ERR_PTR(): -EEXIST (MSGPORT_O_CREAT with
 * MSGPORT_O_EXCL, and the name exists); -EACCES (the access is denied); -ENOENT
 * (no such name, and no MSGPORT_O_CREAT); -ENOSPC (max_mailboxes mailboxes
 * exist, and no CAP_SYS_RESOURCE); @create_err; or why the mailbox could not
 * be made: -ENOMEM, -EDQUOT (max_user_mailboxes), or
 * mp_region_create()'s -EFBIG, -EDQUOT, -ENOMEM or -EINTR.
 */
struct mp_mailbox *mp_registry_open(const struct msgport_open *op,
				    const char *name, int create_err,
				    bool *created)
{
	u32 access = op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND);
	struct mp_mailbox *mb, *fresh = NULL;
	int ret;

	*created = false;
	/* It would go with its last descriptor that can use it: it has none. */
	if (!create_err && (op->flags & MSGPORT_O_EPHEMERAL) && !access)
		create_err = -EINVAL;
again:
	mutex_lock(&mp_registry_lock);
	mb = lookup_locked(name, op->name_len);
	if (!mb && (op->flags & MSGPORT_O_CREAT) && !create_err && !fresh &&
	    room_for_one_more()) {
		/*
		 * Made only for a name that does not exist (an open of an
		 * existing one must not allocate, nor zero, a region it
		 * throws away), outside the mutex; then looked up again.
		 */
		mutex_unlock(&mp_registry_lock);
		fresh = mailbox_new(op, name, &create_err);
		goto again;
	}
	if (mb) {
		if ((op->flags & MSGPORT_O_CREAT) &&
		    (op->flags & MSGPORT_O_EXCL))
			ret = -EEXIST;
		else if (!may_access(mb, access))
			ret = -EACCES;
		else
			ret = 0;
	} else if (!(op->flags & MSGPORT_O_CREAT)) {
		ret = -ENOENT;
	} else if (create_err) {
		ret = create_err;
	} else if (!room_for_one_more()) {
		ret = -ENOSPC;
	} else {
		/* The creator gets the access it asked for (as mq_open). */
		mb = fresh;
		fresh = NULL;
		link_locked(mb);	/* kref_init's reference is the table's */
		*created = true;
		ret = 0;
	}
	if (!ret) {
		kref_get(&mb->ref);
		if (access)
			mb->nfiles++;
	}
	mutex_unlock(&mp_registry_lock);
	if (fresh)
		mp_mailbox_free(fresh);
	return ret ? ERR_PTR(ret) : mb;
}

/**
 * mp_registry_unlink() - remove a mailbox's name and destroy its queue
 * @name: the name, checked by the caller
 * @name_len: its length in bytes
 *
 * Takes the name out of the table, destroys the mailbox's queue
 * (mp_mailbox_destroy(): waiters wake with -EIDRM, messages are dropped) and
 * drops the table's reference.  Descriptors still open keep the memory until
 * they close.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_registry_lock; destroys the mailbox after releasing it.
 *
 * Return: 0; -ENOENT if no mailbox has that name; -EPERM if the current task
 * may not unlink it (mp_mailbox_is_owner()).
 */
int mp_registry_unlink(const char *name, u32 name_len)
{
	struct mp_mailbox *mb;
	bool region;
	int ret = 0;

	mutex_lock(&mp_registry_lock);
	mb = lookup_locked(name, name_len);
	if (!mb)
		ret = -ENOENT;
	else if (!mp_mailbox_is_owner(mb))
		ret = -EPERM;
	else
		unlink_locked(mb);
	region = mb && !mb->nfiles;
	mutex_unlock(&mp_registry_lock);
	if (!ret)
		unlinked_destroy(mb, region);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(mp_registry_unlink, MP_TEST_NS);

/**
 * mp_registry_release() - a descriptor of a named mailbox closes
 * @mb: the descriptor's mailbox
 * @access: the descriptor's access (MSGPORT_O_RECV, MSGPORT_O_SEND)
 *
 * A descriptor closes (or failed to open): gives back its count in @mb->nfiles
 * if it had access, and drops its reference.  The last such descriptor of an
 * ephemeral mailbox still linked unlinks it, destroys its queue and drops the
 * table's reference too; the last such descriptor of an unlinked mailbox frees
 * its region.  A descriptor with neither access (stat and mode only) keeps
 * nothing alive but the struct it points to.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_registry_lock; destroys and puts the mailbox after releasing it.
 */
void mp_registry_release(struct mp_mailbox *mb, u32 access)
{
	bool destroy, region;

	mutex_lock(&mp_registry_lock);
	destroy = release_locked(mb, access, &region);
	mutex_unlock(&mp_registry_lock);
	if (destroy)
		unlinked_destroy(mb, region);
	else if (region)
		mp_region_free(mb);
	mp_mailbox_put(mb);
}

/**
 * mp_registry_exit() - destroy the mailboxes left at module exit
 *
 * Module exit: no descriptor is open, so the table owns what is left.  Unlinks
 * the mailboxes one at a time, destroys each one's queue and drops the table's
 * reference.
 *
 * Context: Process context (module exit).  May sleep.  Takes and releases
 * mp_registry_lock once per mailbox.
 */
void mp_registry_exit(void)
{
	struct mp_mailbox *mb;

	for (;;) {
		mutex_lock(&mp_registry_lock);
		mb = list_first_entry_or_null(&mp_mailboxes,
					      struct mp_mailbox, node);
		if (mb)
			unlink_locked(mb);
		mutex_unlock(&mp_registry_lock);
		if (!mb)
			break;
		unlinked_destroy(mb, true);	/* no descriptor is open */
	}
}
