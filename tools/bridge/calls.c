// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: call workers, and the requests that wait for an answer.
 *
 * Export side: a local call (MSGPORT_MSG_CALL, never leased) received from
 * an exported mailbox is handed to a worker, which sends it as a NATS
 * request (Kind call) and answers the local caller with the reply
 * (msgport_reply_relay(), the remote server's identity as relay) or with an
 * error (msgport_reply_error(): no responders EHOSTUNREACH, time-out
 * ETIMEDOUT, a Msgport-Error header that errno).  A sync message is sent
 * as a request too (Kind sync), by the export's own thread: its order holds.
 *
 * Import side: a request on an imported subject (Kind call or sync) is
 * handed to a worker, which calls the local mailbox (msgport_call_relay())
 * or sends with MSGPORT_F_SYNC, and responds (Kind reply, or Msgport-Error).
 *
 * --call-workers threads per direction; a job waits in a queue as long as
 * the pool has workers; past that call_forward() blocks (back-pressure on
 * the exported mailbox) and call_serve() answers EBUSY at once (it runs in
 * a nats.c callback, which must not block).
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

enum call_job_type { JOB_FORWARD, JOB_SERVE };

struct call_job {
	struct call_job *next;
	int type;
	/* JOB_FORWARD */
	struct msgport_mailbox *mb;
	char subject[512];
	struct hdr_meta meta;
	uint64_t token;
	void *buf;
	size_t len;
	/* JOB_SERVE */
	struct imp_import *imp;
	natsMsg *msg;
	uint64_t arrived_ns;		/* CLOCK_MONOTONIC */
};

struct call_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a job queued, or stopping */
	pthread_cond_t room;		/* room in the queue */
	struct call_job *head, *tail;
	int queued, max_queued;
	int stopping;
	int nthreads;
	pthread_t *threads;
	struct bridge *b;
};

static void forward(struct bridge *b, struct call_job *j);

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
static void serve(struct bridge *b, struct call_job *j);

static void *worker(void *arg)
{
	struct call_pool *p = arg;

	for (;;) {
		struct call_job *j;

		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		j = p->head;
		if (!j) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);

		if (j->type == JOB_FORWARD)
			forward(p->b, j);
		else
			serve(p->b, j);
		free(j->buf);
		if (j->msg)
			natsMsg_Destroy(j->msg);
		free(j);
	}
}

static struct call_pool *pool_start(struct bridge *b, int workers)
{
	struct call_pool *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return NULL;
	p->threads = calloc((size_t)workers, sizeof(*p->threads));
	if (!p->threads) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_cond_init(&p->room, NULL);
	p->max_queued = workers;
	p->b = b;
	for (i = 0; i < workers; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
		p->nthreads++;
	}
	return p;
}

/*
 * Runs what is queued, then the workers end.  The pool stays allocated
 * (stopping: submit() refuses): a late nats.c callback may still call
 * call_serve() until the connection is destroyed.
 */
static void pool_stop(struct call_pool *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;
}

static void pool_free(struct call_pool *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	pthread_cond_destroy(&p->room);
	free(p->threads);
	free(p);
}

/*
 * One pool per direction: calls going out (waiting for remote replies)
 * never take the workers that serve calls coming in, so a bridge that
 * both exports and imports cannot starve itself.
 */
int call_pool_start(struct bridge *b, int workers)
{
	int i;

	for (i = 0; i < 2; i++) {
		b->pools[i] = pool_start(b, workers);
		if (!b->pools[i] || !b->pools[i]->nthreads)
			return -ENOMEM;
	}
	return 0;
}

void call_pool_stop_side(struct bridge *b, int side)
{
	pool_stop(b->pools[side]);
}

void call_pool_free(struct bridge *b)
{
	int i;

	for (i = 0; i < 2; i++) {
		pool_free(b->pools[i]);
		b->pools[i] = NULL;
	}
}

void call_pool_stop(struct bridge *b)
{
	call_pool_stop_side(b, CALL_POOL_EXPORT);
	call_pool_stop_side(b, CALL_POOL_IMPORT);
}

/*
 * Queues j.  wait: block while the queue is full (the export side's own
 * thread: back-pressure on the local mailbox); else -EBUSY at once (the
 * import side runs in a nats.c callback: blocking it would leave the
 * requests behind waiting, untimed, in the library's queue).
 */
static int submit(struct bridge *b, struct call_job *j, bool wait)
{
	struct call_pool *p = b->pools[j->type == JOB_FORWARD ? CALL_POOL_EXPORT : CALL_POOL_IMPORT];

	if (!p)
		return -ESHUTDOWN;
	pthread_mutex_lock(&p->lock);
	while (wait && p->queued >= p->max_queued && !p->stopping)
		pthread_cond_wait(&p->room, &p->lock);
	if (!p->stopping && p->queued >= p->max_queued) {
		pthread_mutex_unlock(&p->lock);
		return -EBUSY;
	}
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return -ESHUTDOWN;
	}
	j->next = NULL;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* ---- export side ------------------------------------------------------- */

/* A request on the request subject of subject; *replyp on NATS_OK. */
static int request(struct bridge *b, const char *subject, const struct hdr_meta *meta,
		   const void *buf, size_t len, natsMsg **replyp)
{
	char rsubj[600];
	natsMsg *req = NULL;
	natsStatus s;
	int ret;

	struct hdr_meta m = *meta;

	*replyp = NULL;
	ret = bn_request_subject(rsubj, sizeof(rsubj), subject);
	if (ret)
		return ret;
	if (natsMsg_Create(&req, rsubj, NULL, buf, (int)len) != NATS_OK)
		return -ENOMEM;
	/* How long this side waits: past it the importer must not deliver. */
	m.deadline_ms = (uint64_t)b->cfg->call_timeout_ms;
	ret = bn_msg_set_meta(req, &m);
	if (ret) {
		natsMsg_Destroy(req);
		return ret;
	}
	s = natsConnection_RequestMsg(replyp, bn_nc(b), req, b->cfg->call_timeout_ms);
	natsMsg_Destroy(req);
	if (s == NATS_OK && natsMsg_IsNoResponders(*replyp)) {
		natsMsg_Destroy(*replyp);
		*replyp = NULL;
		s = NATS_NO_RESPONDERS;
	}
	return s == NATS_OK ? 0 : -bn_errno(s);
}

int call_sync_request(struct bridge *b, const char *subject, const struct hdr_meta *meta,
		      const void *buf, size_t len)
{
	struct hdr_meta rm;
	natsMsg *reply;
	int ret = request(b, subject, meta, buf, len, &reply);

	if (ret)
		return ret;
	ret = bn_msg_get_meta(reply, &rm);
	natsMsg_Destroy(reply);
	/*
	 * An answer we cannot read says nothing of the delivery: temporary
	 * (-EPROTO, the message is returned and tried again), never EBADMSG,
	 * which the exporter takes as the remote side's refusal for good.
	 */
	if (ret) {
		log_warning("sync %s seq %llu: malformed answer headers: trying again", subject,
			    (unsigned long long)meta->seq);
		return -EPROTO;
	}
	return rm.error ? -rm.error : 0;
}

static void forward(struct bridge *b, struct call_job *j)
{
	struct msgport_relay relay;
	struct hdr_meta rm;
	natsMsg *reply;
	int ret;

	ret = request(b, j->subject, &j->meta, j->buf, j->len, &reply);
	if (!ret) {
		ret = bn_msg_get_meta(reply, &rm);
		if (ret) {
			log_warning("call %s seq %llu: malformed reply headers: answered EPROTO",
				    j->subject, (unsigned long long)j->meta.seq);
			ret = -EPROTO;
		} else if (rm.error) {
			ret = -rm.error;
		}
	}
	if (ret) {
		const char *name = hdr_errno_name(-ret);

		log_debug("call %s seq %llu: %s", j->subject, (unsigned long long)j->meta.seq,
			  name ? name : "error");
		ret = msgport_reply_error(j->mb, j->token, -ret);
		if (ret)
			log_warning("call %s seq %llu: the local caller is gone (%s)", j->subject,
				    (unsigned long long)j->meta.seq, msgport_strerror(ret));
		if (reply)
			natsMsg_Destroy(reply);
		return;
	}
	imp_relay_of(&rm, &relay);
	ret = msgport_reply_relay(j->mb, j->token, natsMsg_GetData(reply),
				  (size_t)natsMsg_GetDataLength(reply), &relay);
	if (ret == -EMSGSIZE) {
		log_warning("call %s seq %llu: reply of %d bytes too long for the caller",
			    j->subject, (unsigned long long)j->meta.seq,
			    natsMsg_GetDataLength(reply));
		ret = msgport_reply_error(j->mb, j->token, EMSGSIZE);
	}
	if (ret)
		log_warning("call %s seq %llu: reply not delivered: %s", j->subject,
			    (unsigned long long)j->meta.seq, msgport_strerror(ret));
	natsMsg_Destroy(reply);
}

int call_forward(struct bridge *b, struct msgport_mailbox *mb, const char *subject,
		 const struct hdr_meta *meta, uint64_t token, const void *req, size_t len)
{
	struct call_job *j = calloc(1, sizeof(*j));
	int ret;

	if (!j)
		return -ENOMEM;
	j->type = JOB_FORWARD;
	j->mb = mb;
	snprintf(j->subject, sizeof(j->subject), "%s", subject);
	j->meta = *meta;
	j->token = token;
	j->len = len;
	j->buf = malloc(len ? len : 1);
	if (!j->buf) {
		free(j);
		return -ENOMEM;
	}
	memcpy(j->buf, req, len);
	ret = submit(b, j, true);
	if (ret) {
		free(j->buf);
		free(j);
	}
	return ret;
}

/* ---- import side ------------------------------------------------------- */

static bool reply_subject_ok(const char *to)
{
	return to && !strncmp(to, BN_REPLY_PREFIX, strlen(BN_REPLY_PREFIX)) &&
	       to[strlen(BN_REPLY_PREFIX)];
}

static void respond(struct bridge *b, natsMsg *req, const struct hdr_meta *m, const void *buf,
		    size_t len)
{
	const char *to = natsMsg_GetReply(req);
	natsMsg *r = NULL;
	natsStatus s;

	if (!reply_subject_ok(to))
		return;
	if (natsMsg_Create(&r, to, NULL, buf, (int)len) != NATS_OK) {
		log_warning("response on %s not sent: no memory", to);
		return;
	}
	if (bn_msg_set_meta(r, m)) {
		log_warning("response on %s not sent: its headers: no memory", to);
	} else {
		s = natsConnection_PublishMsg(bn_nc(b), r);
		if (s != NATS_OK)
			log_warning("response on %s not sent: %s", to, natsStatus_GetText(s));
	}
	natsMsg_Destroy(r);
}

static void respond_error(struct bridge *b, natsMsg *req, int err)
{
	struct hdr_meta m;

	memset(&m, 0, sizeof(m));
	m.kind = HDR_KIND_REPLY;
	snprintf(m.node, sizeof(m.node), "%s", b->cfg->node);
	m.origin = b->origin;
	m.time_ns = bridge_now_real();
	m.error = err;
	respond(b, req, &m, NULL, 0);
}

/*
 * A request this importer cannot take (not its subject, not allowed, no
 * mailbox and no --create, malformed, too late).  In a group this member
 * was chosen to serve it: its refusal is the answer.  Fanout: every
 * importer gets each request and the sender takes the first answer, so a
 * refusal could beat the answer of another importer that did deliver (a
 * sync send refused for good, a call failed, although it went through):
 * only answers from a delivery attempt count, refusals are logged only.
 */
static void refuse(struct bridge *b, struct imp_import *imp, natsMsg *req, int err)
{
	if (imp_config(imp)->group)
		respond_error(b, req, err);
	else
		log_debug("request on %s: %s not answered (fanout: only a delivery answers)",
			  natsMsg_GetSubject(req), hdr_errno_name(err) ? hdr_errno_name(err) : "?");
}

static void serve(struct bridge *b, struct call_job *j)
{
	const char *rsubj = natsMsg_GetSubject(j->msg);
	const char *subject = rsubj;
	const char *mailbox;
	struct msgport_mailbox *mb;
	struct msgport_relay relay;
	struct hdr_meta m, rm;
	int64_t timeout_ns;
	int ret;

	if (!strncmp(rsubj, BN_REQUEST_PREFIX, strlen(BN_REQUEST_PREFIX)))
		subject = rsubj + strlen(BN_REQUEST_PREFIX);
	/*
	 * Answers go only to a client's reply inbox: a request naming any
	 * other subject as its reply would have this bridge publish there
	 * with its own NATS permissions.  Not delivered either: nobody could
	 * learn that it was.
	 */
	if (!reply_subject_ok(natsMsg_GetReply(j->msg))) {
		log_warning("import %s: request with reply subject \"%s\" refused: not under %s",
			    subject, natsMsg_GetReply(j->msg) ? natsMsg_GetReply(j->msg) : "",
			    BN_REPLY_PREFIX);
		return;
	}
	if (bn_msg_get_meta(j->msg, &m) || (m.kind != HDR_KIND_CALL && m.kind != HDR_KIND_SYNC)) {
		log_warning("import %s: request with malformed headers refused", subject);
		refuse(b, j->imp, j->msg, EBADMSG);
		return;
	}
	mailbox = imp_target(j->imp, subject);
	if (!mailbox || !imp_own_subject(j->imp, subject) ||
	    !cfg_import_allowed(b->cfg, subject, mailbox, m.node)) {
		log_warning("import %s -> %s: %s from node %s refused: not allowed", subject,
			    mailbox ? mailbox : "?", hdr_kind_name(m.kind), m.node);
		refuse(b, j->imp, j->msg, EACCES);
		return;
	}
	/*
	 * The local send or call is bounded by what is left of the sender's
	 * wait: a request that waited here longer (every worker busy) is
	 * refused, not delivered after its sender gave up and sent it again.
	 */
	timeout_ns = b->cfg->call_timeout_ms * 1000000LL;
	if (m.deadline_ms) {
		int64_t left = (int64_t)(m.deadline_ms * 1000000ULL) -
			       (int64_t)(mono_ns() - j->arrived_ns);

		if (left <= 0) {
			log_warning("import %s -> %s: %s seq %llu from node %s refused: its "
				    "sender's %llu ms had passed when a worker took it", subject,
				    mailbox, hdr_kind_name(m.kind), (unsigned long long)m.seq,
				    m.node, (unsigned long long)m.deadline_ms);
			refuse(b, j->imp, j->msg, ETIMEDOUT);
			return;
		}
		/* Room for the answer's trip back: a tenth, at most 1 s. */
		left -= left / 10 < 1000000000LL ? left / 10 : 1000000000LL;
		if (left < timeout_ns)
			timeout_ns = left;
	}
	ret = imp_mailbox(b, j->imp, mailbox, &mb);
	if (ret) {
		log_warning("import %s -> %s: %s from node %s refused: %s", subject, mailbox,
			    hdr_kind_name(m.kind), m.node, msgport_strerror(ret));
		/* No mailbox (and no --create), no permission to open it: not a delivery. */
		refuse(b, j->imp, j->msg, -ret);
		return;
	}
	imp_relay_of(&m, &relay);
	if (m.kind == HDR_KIND_SYNC) {
		struct msgport_sendmsg sm = {
			.buf = natsMsg_GetData(j->msg),
			.len = (size_t)natsMsg_GetDataLength(j->msg),
			.priority = m.priority,
			.flags = MSGPORT_F_SYNC,
			.timeout_ns = timeout_ns,
		};

		ret = msgport_send_relay(mb, &sm, &relay);
		imp_mailbox_put(j->imp, mb, ret == -EIDRM);
		if (ret) {
			log_warning("import %s -> %s: sync message seq %llu from node %s: %s",
				    subject, mailbox, (unsigned long long)m.seq, m.node,
				    msgport_strerror(ret));
			respond_error(b, j->msg, -ret);
			return;
		}
		memset(&rm, 0, sizeof(rm));
		rm.kind = HDR_KIND_REPLY;
		snprintf(rm.node, sizeof(rm.node), "%s", b->cfg->node);
		rm.origin = hdr_origin(b->cfg->node, mailbox);
		rm.seq = sm.seq;
		rm.time_ns = bridge_now_real();
		respond(b, j->msg, &rm, NULL, 0);
		return;
	}
	{
		int64_t maxp = bn_max_payload(b);
		size_t rlen = maxp > 4096 ? (size_t)maxp - 4096 : 1 << 20;
		void *rbuf = malloc(rlen);
		struct msgport_callmsg cm;
		ssize_t n;

		if (!rbuf) {
			imp_mailbox_put(j->imp, mb, false);
			refuse(b, j->imp, j->msg, ENOMEM);
			return;
		}
		memset(&cm, 0, sizeof(cm));
		cm.req = natsMsg_GetData(j->msg);
		cm.req_len = (size_t)natsMsg_GetDataLength(j->msg);
		cm.reply = rbuf;
		cm.reply_len = rlen;
		cm.prio = m.priority;
		cm.timeout_ns = timeout_ns;
		cm.relay = &relay;
		n = msgport_call_relay(mb, &cm);
		imp_mailbox_put(j->imp, mb, n == -EIDRM);
		if (n < 0) {
			log_debug("import %s -> %s: call seq %llu from node %s: %s", subject,
				  mailbox, (unsigned long long)m.seq, m.node,
				  msgport_strerror((int)n));
			respond_error(b, j->msg, (int)-n);
			free(rbuf);
			return;
		}
		memset(&rm, 0, sizeof(rm));
		rm.kind = HDR_KIND_REPLY;
		snprintf(rm.node, sizeof(rm.node), "%s", b->cfg->node);
		snprintf(rm.mailbox, sizeof(rm.mailbox), "%s", mailbox);
		rm.priority = cm.info.priority;
		if (cm.info.msg_flags & MSGPORT_MSG_RELAYED) {
			/* The server relayed its reply itself: keep the first origin. */
			rm.origin = cm.reply_relay.origin;
			rm.seq = cm.reply_relay.seq;
			rm.time_ns = cm.reply_relay.send_time_ns;
			rm.pid = cm.reply_relay.pid;
			rm.uid = cm.reply_relay.uid;
			rm.gid = cm.reply_relay.gid;
		} else {
			rm.origin = hdr_origin(b->cfg->node, mailbox);
			rm.seq = cm.info.seq;
			rm.time_ns = bridge_now_real();
			rm.pid = cm.info.pid;
			rm.uid = cm.info.uid;
			rm.gid = cm.info.gid;
		}
		respond(b, j->msg, &rm, rbuf, (size_t)n);
		free(rbuf);
	}
}

int call_serve(struct bridge *b, struct imp_import *imp, void *msg)
{
	struct call_job *j = calloc(1, sizeof(*j));
	int ret;

	if (!j) {
		natsMsg_Destroy(msg);
		return -ENOMEM;
	}
	j->type = JOB_SERVE;
	j->arrived_ns = mono_ns();
	j->imp = imp;
	j->msg = msg;
	ret = submit(b, j, false);
	if (ret == -EBUSY) {
		/*
		 * Every worker busy and the queue full: EBUSY now (the exporter
		 * takes it as temporary and tries again), not a wait no
		 * deadline bounds.  Fanout: silent (refuse()).
		 */
		log_warning("request on %s: every call worker busy: %s", natsMsg_GetSubject(msg),
			    imp_config(imp)->group ? "answered EBUSY" : "not answered (fanout)");
		refuse(b, imp, msg, EBUSY);
	}
	if (ret) {
		natsMsg_Destroy(msg);
		free(j);
	}
	return ret;
}
