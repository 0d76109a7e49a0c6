// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the mailbox name tables, one per IPC namespace; open, create,
 * unlink, last close; the end of a namespace.
 *
 * Namespaces
 *   As POSIX message queues: each IPC namespace has a name table of its own
 *   (struct mp_names: the name hash, the creation-order list /proc/msgport
 *   reads, the count max_mailboxes limits), made when the namespace's first
 *   mailbox is, and found by the current task's nsproxy->ipc_ns.  A table
 *   holds a reference to its namespace; how it learns of the namespace's
 *   death and drops it is written above gc_tables().
 *
 * Locking
 *   mp_registry_lock (mutex) protects the table hash (mp_tables), every
 *   table, and in each mailbox @table, @hnode, @node, @linked and @nfiles.
 *   It is taken before any mb->lock and never inside one.
 *
 * Lifetimes
 *   A mailbox's kref counts one reference for the name table while it is linked
 *   plus one per open descriptor; @nfiles counts the open descriptors that can
 *   receive or send.  A descriptor with neither (stat and mode only; opening
 *   one needs a mode bit of the caller's class, ownership or CAP_IPC_OWNER all
 *   the same) holds the struct but keeps nothing else alive: not an ephemeral
 *   mailbox, not its name, not its region.  A non-ephemeral mailbox with no
 *   open descriptor stays linked (and keeps its messages) until unlinked.
 *   Unlink, the last close of an ephemeral mailbox, or its
 *   namespace's death removes the name under the mutex, then destroys the queue
 *   (mailbox.c: waiters get -EIDRM, messages are dropped) and drops the table's
 *   reference.  The region goes when the mailbox is unlinked and no descriptor
 *   counted in @nfiles is left (a mapping holds one).  Descriptors still open
 *   keep the struct until they close; the last kref_put frees it.  Each mailbox
 *   file also holds a module reference (fops owner), so the module cannot go
 *   while a mailbox descriptor is open; at exit the tables still own the
 *   remaining mailboxes and destroy them.  A memory mapping of a mailbox's
 *   region holds the descriptor it was made from (region.c), so it counts as an
 *   open descriptor here: an ephemeral mailbox lives on while mapped.
 *
 * Anonymous mailboxes (MSGPORT_O_ANON)
 *   An anonymous mailbox (mb->anon) has no name and is never linked: it is
 *   in no name hash and on no creation-order list, so /proc/msgport does not
 *   show it (nor any inbox).  Its table still counts it, in @nr and @nanon
 *   (on the table's @anon list through mb->node, with mb->table set), so
 *   that max_mailboxes bounds it as a named one (/proc/msgport_summary
 *   shows both counts: mp_registry_counts()); it is uncounted when its last
 *   descriptor that can receive goes (release_locked() finds it dead: its
 *   senders then hold nothing of its creator's, mailbox.c), when it goes, or
 *   when its namespace dies (it then lives on, counted nowhere, while its
 *   descriptors do: they may be in other namespaces' processes).  Its kref
 *   holds one reference of its own in place of the table's, dropped with the
 *   last descriptor counted in @nfiles, which destroys it as the last close of
 *   an ephemeral mailbox does.  MSGPORT_IOC_DUP (mp_registry_dup()) counts a
 *   new descriptor as an open does; it is only made from a descriptor with
 *   every right it gets, so the mailbox it counts in is alive.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#include "msgport.h"

#define MP_HASH_BITS	8
#define MP_TABLE_BITS	6
#define MP_GC_PERIOD	HZ	/* how often dead namespaces are looked for */

/* A name table: one per IPC namespace that has had a mailbox (see the top). */
struct mp_names {
	struct hlist_node node;		/* mp_tables, by @ns */
	struct ipc_namespace *ns;	/* referenced: get_ipc_ns(), ns.ops->put */
	struct list_head mailboxes;	/* linked ones, in creation order */
	struct list_head anon;		/* anonymous ones, counted (mb->node) */
	unsigned int nr;		/* linked and anonymous (max_mailboxes) */
	unsigned int nanon;		/* anonymous (of @nr): on @anon */
	DECLARE_HASHTABLE(names, MP_HASH_BITS);
};

/* Protects the name tables; see the top of this file. */
DEFINE_MUTEX(mp_registry_lock);
static DEFINE_HASHTABLE(mp_tables, MP_TABLE_BITS);
static LIST_HEAD(mp_no_mailboxes);	/* what a namespace without a table lists */
static void gc_tables(struct work_struct *work);
static DECLARE_DELAYED_WORK(mp_gc_work, gc_tables);
static bool mp_exiting;			/* module exit: no more GC rounds */

static u32 name_hash(const char *name, u32 len)
{
	return full_name_hash(NULL, name, len);
}

static struct ipc_namespace *current_ipc_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/* Is @ns the initial IPC namespace (never dead, never refcounted on 7.x)? */
static bool is_init_ipc_ns(const struct ipc_namespace *ns)
{
	return ns->ns.inum == PROC_IPC_INIT_INO;
}

/* The current IPC namespace's table; made (with @create) if it has none. */
static struct mp_names *table_locked(bool create)
{
	struct ipc_namespace *ns = current_ipc_ns();
	struct mp_names *t;

	lockdep_assert_held(&mp_registry_lock);
	hash_for_each_possible(mp_tables, t, node, (unsigned long)ns) {
		if (t->ns == ns)
			return t;
	}
	if (!create)
		return NULL;
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	/* The initial namespace never goes: no reference (none on 7.x anyway). */
	t->ns = is_init_ipc_ns(ns) ? ns : get_ipc_ns(ns);
	INIT_LIST_HEAD(&t->mailboxes);
	INIT_LIST_HEAD(&t->anon);
	hash_init(t->names);
	hash_add(mp_tables, &t->node, (unsigned long)ns);
	/* Pending already: left alone, so that no caller can put it off. */
	if (!is_init_ipc_ns(ns) && !mp_exiting)
		queue_delayed_work(system_wq, &mp_gc_work, MP_GC_PERIOD);
	return t;
}

static struct mp_mailbox *lookup_locked(struct mp_names *t, const char *name,
					u32 len)
{
	struct mp_mailbox *mb;

	if (!t)
		return NULL;
	hash_for_each_possible(t->names, mb, hnode, name_hash(name, len)) {
		if (mb->name_len == len && !memcmp(mb->name, name, len))
			return mb;
	}
	return NULL;
}

static void link_locked(struct mp_names *t, struct mp_mailbox *mb)
{
	hash_add(t->names, &mb->hnode, name_hash(mb->name, mb->name_len));
	list_add_tail(&mb->node, &t->mailboxes);
	mb->table = t;
	mb->linked = true;
	t->nr++;
}

static void unlink_locked(struct mp_mailbox *mb)
{
	hash_del(&mb->hnode);
	list_del_init(&mb->node);
	mb->table->nr--;
	mb->table = NULL;
	mb->linked = false;
}

/* An anonymous mailbox no longer counts in its table (if it still did). */
static void anon_uncount_locked(struct mp_mailbox *mb)
{
	if (!mb->table)
		return;
	list_del_init(&mb->node);
	mb->table->nr--;
	mb->table->nanon--;
	mb->table = NULL;
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
	return ns_capable(mb->user_ns, CAP_IPC_OWNER);
}

/*
 * A descriptor of @mb with @access closes (or failed to open), under the
 * mutex: gives back its count in @mb->nfiles if it had one (a descriptor
 * that can neither receive nor send has none: it never keeps a mailbox
 * alive).  Returns what the caller must do once the mutex is dropped:
 * destroy @mb (the last counted descriptor of an ephemeral mailbox: it is
 * unlinked here; of an anonymous one: it is uncounted here), and whether to
 * free its region (the mailbox is unlinked and no descriptor that could use
 * the region is left).
 */
static bool release_locked(struct mp_mailbox *mb, u32 access, bool *region)
{
	bool destroy = false;

	if (access && !--mb->nfiles && mb->ephemeral && mb->linked) {
		unlink_locked(mb);
		destroy = true;
	} else if (access && !mb->nfiles && mb->anon) {
		/* Its own reference goes as the table's would. */
		anon_uncount_locked(mb);
		destroy = true;
	} else if (access && mb->anon && READ_ONCE(mb->dead)) {
		/* Its receivers are gone: senders hold it, uncounted (top). */
		anon_uncount_locked(mb);
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
	if (mb->is_topic)
		mp_topic_destroy(mb);
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
 * May one more named mailbox be made in table @t (NULL: not made yet)?
 * Under max_mailboxes, which counts each IPC namespace's own, or with
 * CAP_SYS_RESOURCE over the namespace (checked only at the limit: no audit
 * record otherwise).  The machine-wide limits per user (user_quota.c) do
 * not yield to a namespace's root.
 */
static bool room_for_one_more(const struct mp_names *t)
{
	lockdep_assert_held(&mp_registry_lock);
	return (t ? t->nr : 0) < READ_ONCE(mp_max_mailboxes) ||
	       ns_capable(current_ipc_ns()->user_ns, CAP_SYS_RESOURCE);
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
	if (op->flags & MSGPORT_O_TOPIC) {
		mb->is_topic = true;
		mb->topic_policies = op->topic ? op->topic :
			MSGPORT_TOPIC_DROP_NEW | MSGPORT_TOPIC_DROP_OLD;
	}
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
	struct mp_names *t;
	int ret;

	*created = false;
	/* It would go with its last descriptor that can use it: it has none. */
	if (!create_err && (op->flags & MSGPORT_O_EPHEMERAL) && !access)
		create_err = -EINVAL;
again:
	mutex_lock(&mp_registry_lock);
	t = table_locked(false);
	mb = lookup_locked(t, name, op->name_len);
	if (!mb && (op->flags & MSGPORT_O_CREAT) && !create_err && !fresh &&
	    room_for_one_more(t)) {
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
	} else if (!room_for_one_more(t)) {
		ret = -ENOSPC;
	} else {
		/* The namespace's first mailbox makes its table. */
		if (!t)
			t = table_locked(true);
		ret = t ? 0 : -ENOMEM;
	}
	if (!mb && !ret) {
		/* The creator gets the access it asked for (as mq_open). */
		mb = fresh;
		fresh = NULL;
		link_locked(t, mb);	/* kref_init's reference is the table's */
		*created = true;
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
 * mp_registry_create_anon() - create an anonymous mailbox for a new descriptor
 * @op: the open request, validated by the caller: MSGPORT_O_ANON, no name,
 *      access, valid creation attributes, op->max_msg_size resolved
 *
 * A new mailbox with @op's creation attributes, no name, linked nowhere but
 * counted in the current IPC namespace's table (see the top), ephemeral, with
 * a reference and a count in mb->nfiles for the new descriptor, which its
 * release gives back (mp_registry_release(), also if the descriptor cannot be
 * made).  A mailbox made without MSGPORT_O_RECV has no receiver and never
 * will: it is destroyed at once (sends get -EPIPE) and counted nowhere (not
 * in the namespace, nor for its creator: as one whose last receiver closed,
 * mailbox.c); it may not have a region (nobody could ever map it, nor a
 * span be received).  One without MSGPORT_O_SEND
 * has no sender (@hup: receives get -EPIPE).
 *
 * As mp_registry_open() does, the namespace's room is checked under the
 * mutex before the mailbox and its region are allocated and zeroed, outside
 * it, and again when it is counted (another creator may have taken the
 * room meanwhile): a caller at max_mailboxes allocates nothing.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_registry_lock (twice); allocates outside it.
 * Return: the mailbox, or an ERR_PTR(): -EINVAL (a region without
 * MSGPORT_O_RECV), -ENOSPC (max_mailboxes mailboxes exist in the namespace,
 * and no CAP_SYS_RESOURCE), -ENOMEM, -EDQUOT (max_user_mailboxes), or
 * mp_region_create()'s -EFBIG, -EDQUOT, -ENOMEM or -EINTR.
 */
struct mp_mailbox *mp_registry_create_anon(const struct msgport_open *op)
{
	u32 access = op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND);
	struct mp_mailbox *mb;
	struct mp_names *t;
	int ret = -ENOMEM;
	bool room;

	/* A region nobody could map: refused rather than allocated. */
	if (op->region_size && !(access & MSGPORT_O_RECV))
		return ERR_PTR(-EINVAL);
	/* No allocation (nor zeroing) for a namespace at its limit. */
	mutex_lock(&mp_registry_lock);
	room = room_for_one_more(table_locked(false));
	mutex_unlock(&mp_registry_lock);
	if (!room)
		return ERR_PTR(-ENOSPC);
	mb = mailbox_new(op, "", &ret);
	if (!mb)
		return ERR_PTR(ret ?: -ENOMEM);
	mb->anon = true;
	mb->ephemeral = true;
	mb->hup = !(access & MSGPORT_O_SEND);
	ret = 0;
	mutex_lock(&mp_registry_lock);
	/* Again: another creator may have taken the room meanwhile. */
	t = table_locked(false);
	if (!room_for_one_more(t))
		ret = -ENOSPC;
	else if (!t)
		t = table_locked(true);
	if (!ret && !t)
		ret = -ENOMEM;
	/* Without a receiver it is dead at birth: counted nowhere. */
	if (!ret && (access & MSGPORT_O_RECV)) {
		list_add_tail(&mb->node, &t->anon);
		mb->table = t;
		t->nr++;
		t->nanon++;
	}
	if (!ret) {
		/* kref_init's reference is its own (see the top). */
		kref_get(&mb->ref);
		if (access)
			mb->nfiles++;
	}
	mutex_unlock(&mp_registry_lock);
	if (ret) {
		mp_mailbox_free(mb);
		return ERR_PTR(ret);
	}
	if (!(access & MSGPORT_O_RECV))
		mp_mailbox_destroy(mb);	/* and uncounted for its creator */
	return mb;
}

/**
 * mp_registry_dup() - count a descriptor made from another of the same mailbox
 * @mb: the mailbox
 * @access: the new descriptor's access, a subset of the access of an open
 *          descriptor of @mb the caller holds
 *
 * Takes a reference and, with access, a count in @mb->nfiles for the new
 * descriptor (MSGPORT_IOC_DUP), which its release gives back
 * (mp_registry_release(), also if the descriptor cannot be made).  The
 * descriptor it is made from has every right of @access, so with access
 * @mb->nfiles is not 0: the mailbox is not gone (its region neither).
 *
 * Context: Process context, no msgport lock held.  Takes and releases
 * mp_registry_lock; does not sleep otherwise.
 */
void mp_registry_dup(struct mp_mailbox *mb, u32 access)
{
	mutex_lock(&mp_registry_lock);
	WARN_ON_ONCE(access && !mb->nfiles);
	kref_get(&mb->ref);
	if (access)
		mb->nfiles++;
	mutex_unlock(&mp_registry_lock);
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
	mb = lookup_locked(table_locked(false), name, name_len);
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
 * mp_registry_list_locked() - the current IPC namespace's mailboxes
 *
 * For /proc/msgport: the list of the linked mailboxes of the reader's IPC
 * namespace, in creation order (linked through mb->node), or an empty list.
 *
 * Context: Called with mp_registry_lock held, which keeps the list.
 * Return: The list's head.
 */
struct list_head *mp_registry_list_locked(void)
{
	struct mp_names *t = table_locked(false);

	return t ? &t->mailboxes : &mp_no_mailboxes;
}

/**
 * mp_registry_counts() - the current IPC namespace's count of mailboxes
 * @all: set to the mailboxes max_mailboxes counts: named and anonymous
 * @anon: set to the anonymous ones among them
 *
 * For /proc/msgport_summary: /proc/msgport lists the named mailboxes only,
 * so what takes up the namespace's max_mailboxes is shown there.
 *
 * Context: Process context, no msgport lock held.  Takes and releases
 * mp_registry_lock.
 */
void mp_registry_counts(unsigned int *all, unsigned int *anon)
{
	struct mp_names *t;

	mutex_lock(&mp_registry_lock);
	t = table_locked(false);
	*all = t ? t->nr : 0;
	*anon = t ? t->nanon : 0;
	mutex_unlock(&mp_registry_lock);
}

/*
 * Unlinks @t's mailboxes onto @dead (by mb->node), uncounts its anonymous
 * ones and takes @t out.
 */
static void table_remove_locked(struct mp_names *t, struct list_head *dead)
{
	struct mp_mailbox *mb;

	while ((mb = list_first_entry_or_null(&t->mailboxes, struct mp_mailbox,
					      node))) {
		unlink_locked(mb);
		list_add_tail(&mb->node, dead);
	}
	/* Anonymous ones live on with their descriptors, counted nowhere. */
	while ((mb = list_first_entry_or_null(&t->anon, struct mp_mailbox,
					      node)))
		anon_uncount_locked(mb);
	hash_del(&t->node);
}

/*
 * Destroys the mailboxes table_remove_locked() put on @dead, then frees the
 * tables on @tables (linked through their empty ->mailboxes) and drops their
 * references to their namespaces through the namespace's own put (the
 * exported put_ipc_ns() is not there on every kernel msgport builds for).
 */
static void tables_free(struct list_head *dead, struct list_head *tables)
{
	struct mp_names *t, *tmp;
	struct mp_mailbox *mb;
	bool region;

	for (;;) {
		mutex_lock(&mp_registry_lock);
		mb = list_first_entry_or_null(dead, struct mp_mailbox, node);
		if (mb) {
			list_del_init(&mb->node);
			region = !mb->nfiles;
		}
		mutex_unlock(&mp_registry_lock);
		if (!mb)
			break;
		unlinked_destroy(mb, region);
	}
	list_for_each_entry_safe(t, tmp, tables, mailboxes) {
		if (!is_init_ipc_ns(t->ns))
			t->ns->ns.ops->put(&t->ns->ns);
		kfree(t);
	}
}

/*
 * The namespaces' end, as an out-of-tree module can see it: it gets no
 * notice of an IPC namespace's death, and put_ipc_ns() and init_ipc_ns
 * are not exported on every kernel it builds for (6.1 has neither in its
 * Module.symvers).  So each table holds a reference to its namespace
 * (get_ipc_ns(), an inline) and drops it through the namespace's own
 * ns.ops->put; and every MP_GC_PERIOD, while any table of a namespace other
 * than the initial one exists, this looks for tables whose namespace has
 * no reference but msgport's.  Such a namespace is dead: no task is in it
 * (each holds a reference through its nsproxy), no nsfs file or bind mount
 * names it (each holds one through its inode), so no task can enter it
 * again, and msgport finds a namespace only through a task's nsproxy.  (The
 * count itself may still rise, e.g. through an open mqueue file of that
 * namespace, which holds no reference of its own; that is why the last
 * reference is dropped through ns.ops->put, which frees the namespace only
 * when it is the last.)  Its mailboxes are unlinked and destroyed (their
 * waiters wake with EIDRM, their messages and regions are freed, their
 * charges given back), the table freed and the last reference dropped,
 * which frees the namespace.  msgport so keeps a dead namespace's memory
 * at most MP_GC_PERIOD (plus the destroy), and never keeps it reachable.
 * A table left empty (its mailboxes unlinked) goes at the same pass, its
 * namespace alive or not, so that tables stay bounded by mailboxes (and
 * so by max_user_mailboxes) beyond one period.
 * The initial namespace (PROC_IPC_INIT_INO) never dies, and 7.x does not
 * count its references at all.
 */
static void gc_tables(struct work_struct *work)
{
	LIST_HEAD(dead);
	LIST_HEAD(tables);
	struct hlist_node *tmp;
	struct mp_names *t;
	bool more = false;
	int bkt;

	mutex_lock(&mp_registry_lock);
	hash_for_each_safe(mp_tables, bkt, tmp, t, node) {
		if (is_init_ipc_ns(t->ns))
			continue;
		/* An empty table goes too: it is made again when needed. */
		if (t->nr && mp_ipc_ns_refs(t->ns) > 1) {
			more = true;
			continue;
		}
		table_remove_locked(t, &dead);
		list_add_tail(&t->mailboxes, &tables);
	}
	if (more && !mp_exiting)
		queue_delayed_work(system_wq, &mp_gc_work, MP_GC_PERIOD);
	mutex_unlock(&mp_registry_lock);
	tables_free(&dead, &tables);
}

/**
 * mp_registry_exit() - destroy the mailboxes left at module exit
 *
 * Module exit: no descriptor is open, so the tables own what is left.
 * Stops looking for dead namespaces, then unlinks and destroys every
 * table's mailboxes, frees the tables and drops their namespace references.
 *
 * Context: Process context (module exit).  May sleep.  Takes and releases
 * mp_registry_lock.
 */
void mp_registry_exit(void)
{
	LIST_HEAD(dead);
	LIST_HEAD(tables);
	struct hlist_node *tmp;
	struct mp_names *t;
	int bkt;

	mutex_lock(&mp_registry_lock);
	mp_exiting = true;
	mutex_unlock(&mp_registry_lock);
	cancel_delayed_work_sync(&mp_gc_work);
	mutex_lock(&mp_registry_lock);
	hash_for_each_safe(mp_tables, bkt, tmp, t, node) {
		table_remove_locked(t, &dead);
		list_add_tail(&t->mailboxes, &tables);
	}
	mutex_unlock(&mp_registry_lock);
	tables_free(&dead, &tables);
}
