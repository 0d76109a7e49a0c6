// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: imports, NATS -> local mailbox.
 *
 * Each message is sent into its mailbox with msgport_send_relay(): the
 * kernel stamps the bridge's identity, the headers' claim of origin travels
 * as the relay struct (MSGPORT_MSG_RELAYED).  Every message is checked
 * against the allow-import lines (its own subject, its mailbox, its node);
 * a message on a subject the import does not cover is refused.
 *
 * Core delivery: a subscription (a queue subscription with a group); the
 * send blocks in the subscription's callback, so a full mailbox slows it
 * (the client library may then drop as a slow consumer: at most once).
 * JetStream: a durable pull consumer (hdr_durable_name(): the group, or the
 * node, "_" a hash of the subject: one per import); a fanout consumer has one message in flight (MaxAckPending
 * 1: after a crash the unacked message comes again before any later one,
 * so order per sender holds), a group's members fetch in batches; a message is acked only after the
 * mailbox accepted it, terminated when refused for good (size, permission,
 * not allowed, malformed) and nak'ed with a delay otherwise (no mailbox).
 * Requests (calls, sync messages) come on the request subject
 * (BN_REQUEST_PREFIX + subject), through a queue subscription in the
 * import's group (one member serves each) or a plain one for fanout (every
 * importer serves each; the sender takes the first answer), and are handed
 * to the call workers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include <libmsgport.h>

#include "bridge.h"

#define IMP_SEND_SLICE_NS	(500 * 1000000LL)
#define IMP_FETCH_BATCH		8	/* a group member's */
#define IMP_GROUP_ACK_PENDING	256
#define IMP_FETCH_WAIT_MS	1000
#define IMP_FLUSH_TIMEOUT_MS	10000	/* the server confirming a subscription */
#define IMP_ACK_WAIT_NS		(10 * 1000000000LL)
#define IMP_NAK_DELAY_MS	1000
#define IMP_MAILBOX_CACHE	256	/* open mailbox handles per import */

/*
 * A cached mailbox handle.  refs: the users now (a delivery, a worker); an
 * entry no longer cached (evicted, or its mailbox unlinked) is closed by
 * its last user.
 */
struct imp_mailbox {
	char *name;
	struct msgport_mailbox *mb;
	int refs;
	bool cached;
	uint64_t used;			/* LRU clock */
};

struct imp_import {
	struct bridge *b;
	const struct cfg_import *cfg;
	natsSubscription *sub;		/* core data, or the JetStream pull subscription */
	natsSubscription *rsub;		/* requests */
	pthread_t thread;		/* JetStream: the fetching thread */
	bool started;
	pthread_mutex_t lock;		/* the mailbox cache */
	struct imp_mailbox **mbs;	/* cached ones, and uncached ones still in use */
	size_t nmbs, ncached;
	uint64_t clock;
	/* JetStream: the batch being delivered, kept in progress while blocked. */
	natsMsgList *batch;
	int batch_next;
};

static struct imp_import *imports;
static size_t nimports;

const struct cfg_import *imp_config(struct imp_import *imp)
{
	return imp->cfg;
}

bool imp_own_subject(struct imp_import *imp, const char *subject)
{
	/* A consumer or queue group shared by mistake must not move messages across. */
	return cfg_subject_match(imp->cfg->subject, subject);
}

const char *imp_target(struct imp_import *imp, const char *subject)
{
	if (imp->cfg->mailbox)
		return imp->cfg->mailbox;
	return cfg_default_mailbox(subject);
}

void imp_relay_of(const struct hdr_meta *m, struct msgport_relay *r)
{
	memset(r, 0, sizeof(*r));
	r->origin = m->origin;
	r->seq = m->seq;
	r->send_time_ns = m->time_ns;
	r->pid = m->pid;
	r->uid = m->uid;
	r->gid = m->gid;
}

/* Under imp->lock: drops entry i from the array, closing its mailbox. */
static void mbox_drop(struct imp_import *imp, size_t i)
{
	struct imp_mailbox *m = imp->mbs[i];

	msgport_mailbox_close(m->mb);
	free(m->name);
	free(m);
	imp->mbs[i] = imp->mbs[--imp->nmbs];
}

/* Under imp->lock: the entry no longer cached; closed now if unused. */
static void mbox_uncache(struct imp_import *imp, size_t i)
{
	if (imp->mbs[i]->cached) {
		imp->mbs[i]->cached = false;
		imp->ncached--;
	}
	if (!imp->mbs[i]->refs)
		mbox_drop(imp, i);
}

int imp_mailbox(struct bridge *b, struct imp_import *imp, const char *name,
		struct msgport_mailbox **mbp)
{
	struct msgport_attr attr;
	struct imp_mailbox *m, **n;
	size_t i, lru;
	int ret;

	pthread_mutex_lock(&imp->lock);
	for (i = 0; i < imp->nmbs; i++)
		if (imp->mbs[i]->cached && !strcmp(imp->mbs[i]->name, name)) {
			imp->mbs[i]->refs++;
			imp->mbs[i]->used = ++imp->clock;
			*mbp = imp->mbs[i]->mb;
			pthread_mutex_unlock(&imp->lock);
			return 0;
		}
	/* Full: the least recently used goes (closed once its users are done). */
	if (imp->ncached >= IMP_MAILBOX_CACHE) {
		lru = imp->nmbs;
		for (i = 0; i < imp->nmbs; i++)
			if (imp->mbs[i]->cached &&
			    (lru == imp->nmbs || imp->mbs[i]->used < imp->mbs[lru]->used))
				lru = i;
		if (lru < imp->nmbs) {
			log_debug("import %s: mailbox %s closed (the %d most recently used stay "
				  "open)", imp->cfg->subject, imp->mbs[lru]->name,
				  IMP_MAILBOX_CACHE);
			mbox_uncache(imp, lru);
		}
	}
	memset(&attr, 0, sizeof(attr));
	attr.capacity = (uint32_t)imp->cfg->capacity;
	attr.max_msg_size = (uint32_t)imp->cfg->max_msg_size;
	attr.mode = (uint32_t)imp->cfg->mode;
	ret = msgport_mailbox_open(b->mp, name,
				   MSGPORT_O_SEND | (imp->cfg->create ? MSGPORT_O_CREAT : 0), &attr,
				   mbp);
	if (ret)
		goto out;
	m = calloc(1, sizeof(*m));
	n = realloc(imp->mbs, (imp->nmbs + 1) * sizeof(*n));
	if (n)
		imp->mbs = n;
	if (!m || !n || !(m->name = strdup(name))) {
		free(m);
		msgport_mailbox_close(*mbp);
		ret = -ENOMEM;
		goto out;
	}
	m->mb = *mbp;
	m->refs = 1;
	m->cached = true;
	m->used = ++imp->clock;
	imp->mbs[imp->nmbs++] = m;
	imp->ncached++;
out:
	pthread_mutex_unlock(&imp->lock);
	return ret;
}

void imp_mailbox_put(struct imp_import *imp, struct msgport_mailbox *mb, bool unlinked)
{
	size_t i;

	pthread_mutex_lock(&imp->lock);
	for (i = 0; i < imp->nmbs; i++)
		if (imp->mbs[i]->mb == mb) {
			imp->mbs[i]->refs--;
			/* Unlinked: a new mailbox of that name may come; this one is dead. */
			if (unlinked || !imp->mbs[i]->cached)
				mbox_uncache(imp, i);
			break;
		}
	pthread_mutex_unlock(&imp->lock);
}

static void keep_in_progress(struct imp_import *imp)
{
	int i;

	if (!imp->batch)
		return;
	for (i = imp->batch_next; i < imp->batch->Count; i++)
		natsMsg_InProgress(imp->batch->Msgs[i], NULL);
}

/*
 * Sends one data message into its mailbox: 0, or -errno (*what says the
 * mailbox, for the log line).  -ESHUTDOWN when the bridge stopped first.
 */
static int deliver(struct imp_import *imp, natsMsg *msg, struct hdr_meta *m, const char **mbname)
{
	struct bridge *b = imp->b;
	const char *subject = natsMsg_GetSubject(msg);
	struct msgport_mailbox *mb;
	struct msgport_relay relay;
	struct msgport_sendmsg sm;
	bool retried = false;
	int ret;

	*mbname = imp_target(imp, subject);
	if (bn_msg_get_meta(msg, m) || m->kind != HDR_KIND_MESSAGE)
		return -EBADMSG;
	if (!imp_own_subject(imp, subject) ||
	    !cfg_import_allowed(b->cfg, subject, *mbname, m->node))
		return -EACCES;
again:
	ret = imp_mailbox(b, imp, *mbname, &mb);
	if (ret)
		return ret;
	imp_relay_of(m, &relay);
	for (;;) {
		memset(&sm, 0, sizeof(sm));
		sm.buf = natsMsg_GetData(msg);
		sm.len = (size_t)natsMsg_GetDataLength(msg);
		sm.priority = m->priority;
		sm.timeout_ns = IMP_SEND_SLICE_NS;
		ret = msgport_send_relay(mb, &sm, &relay);
		if (ret != -ETIMEDOUT && ret != -EAGAIN && ret != -EINTR)
			break;
		if (b->stop) {
			imp_mailbox_put(imp, mb, false);
			return -ESHUTDOWN;
		}
		keep_in_progress(imp);
	}
	imp_mailbox_put(imp, mb, ret == -EIDRM);
	if (ret == -EIDRM && !retried) {
		retried = true;
		goto again;
	}
	return ret;
}

static const char *refusal(int err)
{
	return err == -EACCES ? "not allowed (or permission denied)" :
	       err == -EBADMSG ? "malformed headers" : msgport_strerror(err);
}

static void on_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	struct imp_import *imp = closure;
	const char *mbname;
	struct hdr_meta m;
	int ret = deliver(imp, msg, &m, &mbname);

	if (ret == -ESHUTDOWN)
		log_warning("import %s -> %s: message seq %llu from node %s dropped: the bridge "
			    "is stopping and the mailbox is full (core: at most once)",
			    natsMsg_GetSubject(msg), mbname, (unsigned long long)m.seq,
			    m.node[0] ? m.node : "?");
	else if (ret)
		log_warning("import %s -> %s: message seq %llu from node %s dropped: %s",
			    natsMsg_GetSubject(msg), mbname, (unsigned long long)m.seq,
			    m.node[0] ? m.node : "?", refusal(ret));
	else if (!ret)
		log_debug("import %s -> %s: message seq %llu from node %s delivered",
			  natsMsg_GetSubject(msg), mbname, (unsigned long long)m.seq, m.node);
	natsMsg_Destroy(msg);
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	struct imp_import *imp = closure;

	call_serve(imp->b, imp, msg);
}

static bool permanent(int err)
{
	return err == -EMSGSIZE || err == -EACCES || err == -EPERM || err == -EBADMSG ||
	       err == -EINVAL || err == -ENAMETOOLONG;
}

static int durable_name(struct imp_import *imp, char *buf, size_t len)
{
	return hdr_durable_name(buf, len, imp->cfg->group ? imp->cfg->group : imp->b->cfg->node,
				imp->cfg->subject);
}

static const char *mode_text(struct imp_import *imp, char *buf, size_t len)
{
	snprintf(buf, len, "%s, %s%s",
		 imp->cfg->delivery == CFG_DELIVERY_JETSTREAM ? "jetstream" : "core",
		 imp->cfg->group ? "group " : "fanout", imp->cfg->group ? imp->cfg->group : "");
	return buf;
}

static const char *target_text(struct imp_import *imp)
{
	return imp->cfg->mailbox ? imp->cfg->mailbox : "(subject less msgport.)";
}

static void js_handle(struct imp_import *imp, natsMsg *msg)
{
	const char *mbname;
	struct hdr_meta m;
	int ret = deliver(imp, msg, &m, &mbname);
	jsErrCode jerr = 0;
	natsStatus s;

	if (!ret) {
		s = natsMsg_AckSync(msg, NULL, &jerr);
		if (s != NATS_OK)
			log_warning("import %s -> %s: message seq %llu from node %s: ack failed "
				    "(%s): it may come again", natsMsg_GetSubject(msg), mbname,
				    (unsigned long long)m.seq, m.node, natsStatus_GetText(s));
		else
			log_debug("import %s -> %s: message seq %llu from node %s delivered",
				  natsMsg_GetSubject(msg), mbname, (unsigned long long)m.seq,
				  m.node);
	} else if (ret == -ESHUTDOWN) {
		natsMsg_Nak(msg, NULL);
	} else if (permanent(ret)) {
		natsMsg_Term(msg, NULL);
		log_warning("import %s -> %s: message seq %llu from node %s terminated: %s",
			    natsMsg_GetSubject(msg), mbname, (unsigned long long)m.seq,
			    m.node[0] ? m.node : "?", refusal(ret));
	} else {
		natsMsg_NakWithDelay(msg, IMP_NAK_DELAY_MS, NULL);
		log_warning("import %s -> %s: message seq %llu from node %s not delivered: %s: "
			    "redelivery in %d ms", natsMsg_GetSubject(msg), mbname,
			    (unsigned long long)m.seq, m.node[0] ? m.node : "?", refusal(ret),
			    IMP_NAK_DELAY_MS);
	}
}

static void *js_thread(void *arg)
{
	struct imp_import *imp = arg;
	struct bridge *b = imp->b;
	char durable[300], mode[300];
	bool warned = false;

	if (durable_name(imp, durable, sizeof(durable))) {
		log_error("import %s: group or node name too long for a durable name",
			  imp->cfg->subject);
		bridge_fail(b, 2);
		return NULL;
	}
	while (!b->stop && !imp->sub) {
		jsSubOptions so;
		jsErrCode jerr = 0;
		natsStatus s;

		jsSubOptions_Init(&so);
		so.Stream = imp->cfg->stream;
		so.Config.AckWait = IMP_ACK_WAIT_NS;
		/*
		 * Order per sender across a crash: a fanout consumer (one bridge)
		 * has one message in flight, so a message a killed bridge did
		 * not ack comes again before any later one.  A group's members
		 * share the stream with no order among them: they pull batches.
		 */
		so.Config.MaxAckPending = imp->cfg->group ? IMP_GROUP_ACK_PENDING : 1;
		s = js_PullSubscribe(&imp->sub, bn_js(b), imp->cfg->subject, durable, NULL, &so,
				     &jerr);
		if (s == NATS_OK)
			break;
		imp->sub = NULL;
		if (!warned)
			log_warning("import %s -> %s: no consumer %s on stream %s yet: %s: retrying",
				    imp->cfg->subject, target_text(imp), durable, imp->cfg->stream,
				    nats_GetLastError(NULL) ? nats_GetLastError(NULL) :
				    natsStatus_GetText(s));
		warned = true;
		bridge_sleep(b, 1000);
	}
	if (b->stop)
		return NULL;
	log_info("import %s -> %s: subscribed (%s)", imp->cfg->subject, target_text(imp),
		 mode_text(imp, mode, sizeof(mode)));
	warned = false;
	while (!b->stop) {
		natsMsgList list = { 0 };
		jsErrCode jerr = 0;
		natsStatus s;
		int i;

		s = natsSubscription_Fetch(&list, imp->sub, imp->cfg->group ? IMP_FETCH_BATCH : 1,
					   IMP_FETCH_WAIT_MS, &jerr);
		if (s == NATS_TIMEOUT)
			continue;
		if (s != NATS_OK) {
			if (!warned)
				log_warning("import %s: fetch failed: %s (jsErrCode %d): retrying",
					    imp->cfg->subject, natsStatus_GetText(s), (int)jerr);
			warned = true;
			bridge_sleep(b, 250);
			continue;
		}
		if (warned)
			log_info("import %s: fetching again", imp->cfg->subject);
		warned = false;
		imp->batch = &list;
		for (i = 0; i < list.Count; i++) {
			imp->batch_next = i;
			if (b->stop)
				natsMsg_Nak(list.Msgs[i], NULL);
			else
				js_handle(imp, list.Msgs[i]);
		}
		imp->batch = NULL;
		natsMsgList_Destroy(&list);
	}
	return NULL;
}

int imp_start(struct bridge *b)
{
	natsConnection *nc = bn_nc(b);
	size_t i;

	imports = calloc(b->cfg->nimports ? b->cfg->nimports : 1, sizeof(*imports));
	if (!imports)
		return 1;
	nimports = b->cfg->nimports;
	for (i = 0; i < nimports; i++) {
		struct imp_import *imp = &imports[i];
		char rsubj[600], mode[300];
		natsStatus s;

		imp->b = b;
		imp->cfg = &b->cfg->imports[i];
		pthread_mutex_init(&imp->lock, NULL);
		if (bn_request_subject(rsubj, sizeof(rsubj), imp->cfg->subject)) {
			log_error("import %s: subject too long", imp->cfg->subject);
			return 2;
		}
		/*
		 * Requests follow the data: a group's members share them (one
		 * serves each), fanout importers each get each (the sender's
		 * request takes the first answer).
		 */
		if (imp->cfg->group)
			s = natsConnection_QueueSubscribe(&imp->rsub, nc, rsubj, imp->cfg->group,
							  on_request, imp);
		else
			s = natsConnection_Subscribe(&imp->rsub, nc, rsubj, on_request, imp);
		if (s != NATS_OK) {
			log_error("import %s: cannot subscribe to %s: %s", imp->cfg->subject, rsubj,
				  natsStatus_GetText(s));
			return 1;
		}
		if (imp->cfg->delivery == CFG_DELIVERY_JETSTREAM) {
			int ret = pthread_create(&imp->thread, NULL, js_thread, imp);

			if (ret) {
				log_error("import %s: no thread: %s", imp->cfg->subject,
					  strerror(ret));
				return 1;
			}
			imp->started = true;
			continue;
		}
		if (imp->cfg->group)
			s = natsConnection_QueueSubscribe(&imp->sub, nc, imp->cfg->subject,
							  imp->cfg->group, on_message, imp);
		else
			s = natsConnection_Subscribe(&imp->sub, nc, imp->cfg->subject, on_message,
						     imp);
		if (s != NATS_OK) {
			log_error("import %s: cannot subscribe: %s", imp->cfg->subject,
				  natsStatus_GetText(s));
			return 1;
		}
		/*
		 * "subscribed" means the server has the interest (a PING/PONG
		 * after the SUB): what is published after that line reaches
		 * this import.  Not connected yet: the library sends the SUB on
		 * connect; say so instead.
		 */
		s = natsConnection_FlushTimeout(nc, IMP_FLUSH_TIMEOUT_MS);
		if (s != NATS_OK) {
			log_warning("import %s -> %s: subscription not confirmed by a server yet (%s): "
				    "it is sent on connect", imp->cfg->subject, target_text(imp),
				    natsStatus_GetText(s));
			continue;
		}
		log_info("import %s -> %s: subscribed (%s)", imp->cfg->subject, target_text(imp),
			 mode_text(imp, mode, sizeof(mode)));
	}
	return 0;
}

void imp_stop(struct bridge *b, int64_t timeout_ms)
{
	struct timespec t0, t;
	size_t i;

	for (i = 0; i < nimports; i++)
		if (imports[i].started) {
			pthread_join(imports[i].thread, NULL);
			imports[i].started = false;
		}
	/*
	 * Requests first: the ones already here go to the workers (with the
	 * connection still up for their answers), no new ones come.
	 */
	for (i = 0; i < nimports; i++)
		if (imports[i].rsub && natsSubscription_Drain(imports[i].rsub) != NATS_OK)
			log_warning("import %s: requests not drained", imports[i].cfg->subject);
	/* One budget for all: shutdown stays within systemd's TimeoutStopSec. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nimports; i++) {
		int64_t left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((int64_t)(t.tv_sec - t0.tv_sec) * 1000 +
				     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (imports[i].rsub &&
		    natsSubscription_WaitForDrainCompletion(imports[i].rsub,
							    left > 0 ? left : 1) != NATS_OK)
			log_warning("import %s: requests still coming after %lld ms: the rest "
				    "are not answered", imports[i].cfg->subject,
				    (long long)timeout_ms);
	}
	/* The pool stays allocated (stopping) for a late callback: freed after bn_destroy(). */
	call_pool_stop_side(b, CALL_POOL_IMPORT);
}

void imp_free(struct bridge *b)
{
	size_t i, j;

	for (i = 0; i < nimports; i++) {
		struct imp_import *imp = &imports[i];

		if (imp->sub)
			natsSubscription_Destroy(imp->sub);
		if (imp->rsub)
			natsSubscription_Destroy(imp->rsub);
		for (j = 0; j < imp->nmbs; j++) {
			msgport_mailbox_close(imp->mbs[j]->mb);
			free(imp->mbs[j]->name);
			free(imp->mbs[j]);
		}
		free(imp->mbs);
		imp->mbs = NULL;
		imp->nmbs = imp->ncached = 0;
		imp->sub = imp->rsub = NULL;
	}
}

/* After bn_destroy(): no callback can reach an import any more. */
void imp_release(struct bridge *b)
{
	size_t i;

	for (i = 0; i < nimports; i++)
		pthread_mutex_destroy(&imports[i].lock);
	free(imports);
	imports = NULL;
	nimports = 0;
}
