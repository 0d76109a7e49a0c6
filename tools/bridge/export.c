// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: exports, local mailbox -> NATS.
 *
 * One receiving thread per export keeps the order of each sender.  It takes
 * each message under a lease (MSGPORT_F_LEASE), publishes it, and commits
 * only once the publish succeeded (core: natsConnection_PublishMsg returned
 * OK; JetStream: the PubAck came); a failed publish returns the message to
 * the mailbox (MSGPORT_COMMIT_RETURN) and is retried after a back-off.  A
 * sync message goes out as a core request and is committed (the local
 * sender's receipt) when the remote mailbox took it.  A call is handed to a
 * call worker (calls.c).  Closing the mailbox returns every lease.
 *
 * Order: one sender's asynchronous messages arrive in order, and so do its
 * synchronous ones; between the two kinds there is no order (a sync message
 * goes as a core request on the request subject, whatever the delivery;
 * JetStream messages go through the stream): an asynchronous message sent
 * before a synchronous one may arrive after it.
 *
 * Duplicates (JetStream): relay.origin is FNV-1a 64 of "node/mailbox"
 * (hdr_origin()), so (relay.origin, relay.seq) names a message of one
 * incarnation of its origin mailbox; relay.send_time_ns tells a re-created
 * mailbox's messages from the old ones of the same seq.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include <libmsgport.h>

#include "bridge.h"

#define EXP_RECV_TIMEOUT_NS	(250 * 1000000LL)
#define EXP_BACKOFF_MIN_MS	250
#define EXP_BACKOFF_MAX_MS	5000
#define EXP_PUBACK_WAIT_MS	5000
#define EXP_HEADER_ROOM		4096

struct exp_export {
	struct bridge *b;
	const struct cfg_export *cfg;
	struct msgport_mailbox *mb;
	uint32_t max_msg_size;
	pthread_t thread;
	bool started;
};

static struct exp_export *exports;
static size_t nexports;

int exp_prepare(struct bridge *b)
{
	int64_t maxp = bn_max_payload(b);
	size_t i;

	exports = calloc(b->cfg->nexports ? b->cfg->nexports : 1, sizeof(*exports));
	if (!exports)
		return 1;
	nexports = b->cfg->nexports;
	for (i = 0; i < nexports; i++) {
		struct exp_export *e = &exports[i];
		struct msgport_stat st;
		int ret;

		e->b = b;
		e->cfg = &b->cfg->exports[i];
		ret = msgport_mailbox_open(b->mp, e->cfg->mailbox, MSGPORT_O_RECV, NULL, &e->mb);
		if (ret) {
			log_error("export %s -> %s: cannot open mailbox %s to receive: %s",
				  e->cfg->mailbox, e->cfg->subject, e->cfg->mailbox,
				  msgport_strerror(ret));
			return 1;
		}
		ret = msgport_mailbox_stat(e->mb, &st);
		if (ret) {
			log_error("export %s: stat: %s", e->cfg->mailbox, msgport_strerror(ret));
			return 1;
		}
		e->max_msg_size = st.max_msg_size;
		if (maxp > 0 && (int64_t)st.max_msg_size > maxp - EXP_HEADER_ROOM) {
			log_error("export %s -> %s: the mailbox's max_msg_size %u is more than the "
				  "NATS server's max_payload %lld less %d bytes for headers: raise "
				  "max_payload in the nats-server configuration or recreate mailbox "
				  "%s with max_msg_size at most %lld", e->cfg->mailbox,
				  e->cfg->subject, st.max_msg_size, (long long)maxp,
				  EXP_HEADER_ROOM, e->cfg->mailbox,
				  (long long)(maxp - EXP_HEADER_ROOM));
			return 2;
		}
	}
	return 0;
}

/*
 * The subjects of this bridge's JetStream exports to stream (at most n),
 * in subjects[]; returns how many.
 */
static int stream_subjects(struct bridge *b, const char *stream, const char **subjects, int n)
{
	int k = 0;
	size_t i;

	for (i = 0; i < b->cfg->nexports && k < n; i++) {
		const struct cfg_export *x = &b->cfg->exports[i];

		if (x->delivery == CFG_DELIVERY_JETSTREAM && !strcmp(x->stream, stream))
			subjects[k++] = x->subject;
	}
	return k;
}

static bool stream_covers(const jsStreamConfig *sc, const char *subject)
{
	int i;

	for (i = 0; sc && i < sc->SubjectsLen; i++)
		if (sc->Subjects[i] && cfg_subject_match(sc->Subjects[i], subject))
			return true;
	return false;
}

static const char *js_error_text(natsStatus s)
{
	return nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s);
}

static pthread_mutex_t stream_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The jsErrCodes no retry mends: the stream's configuration (invalid,
 * duplicate window, replicas > 1 without a cluster, subjects overlapping
 * another stream's, ...) or the account's limits.  Everything else (no
 * responders, no leader during a failover, time-outs, a lost connection)
 * is temporary: tried again.
 */
static bool js_config_error(jsErrCode e)
{
	switch (e) {
	case JSStreamExternalApiOverlapErr:
	case JSStreamExternalDelPrefixOverlapsErr:
	case JSStreamInvalidExternalDeliverySubjErr:
	case JSMaximumStreamsLimitErr:
	case JSNotEnabledForAccountErr:
	case JSStreamInvalidConfig:
	case JSStreamLimitsErr:
	case JSStreamMirrorNotUpdatableErr:
	case JSStreamReplicasNotUpdatableErr:
	case JSStreamSubjectOverlapErr:
	case JSStreamReplicasNotSupportedErr:
	case JSStreamSealedErr:
	case JSStreamMaxBytesRequiredErr:
	case JSStreamMaxStreamBytesExceededErr:
	case JSStreamMoveAndScaleErr:
		return true;
	default:
		return false;
	}
}

/*
 * The stream of a JetStream export, with its subject: created if absent,
 * with the subjects of this bridge's JetStream exports to it (only those:
 * a stream on msgport.> would store every core message too); an existing
 * stream that does not cover the subject gets it added (js_UpdateStream).
 * 0; -EPERM when the stream's configuration refuses (logged: the caller
 * exits 2); else -errno, temporary, with why in why[] (the caller logs it
 * once and tries again).  One export thread at a time: their updates would
 * undo each other's.
 */
static int ensure_stream_locked(struct exp_export *e, char *why, size_t whylen, bool *changed)
{
	jsCtx *js = bn_js(e->b);
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	const char *mine[64], **subjects = NULL;
	int nmine = stream_subjects(e->b, e->cfg->stream, mine, 64), n, i;
	int64_t max_age_ns = e->b->cfg->stream_max_age_s * 1000000000LL;
	natsStatus s;

	s = js_GetStreamInfo(&si, js, e->cfg->stream, NULL, &jerr);
	if (s == NATS_OK) {
		if (stream_covers(si->Config, e->cfg->subject)) {
			jsStreamInfo_Destroy(si);
			return 0;
		}
		/* Add ours to its subjects. */
		n = si->Config->SubjectsLen;
		subjects = calloc((size_t)(n + nmine), sizeof(*subjects));
		if (!subjects) {
			jsStreamInfo_Destroy(si);
			return -ENOMEM;
		}
		for (i = 0; i < n; i++)
			subjects[i] = si->Config->Subjects[i];
		for (i = 0; i < nmine; i++)
			if (!stream_covers(si->Config, mine[i]))
				subjects[n++] = mine[i];
		sc = *si->Config;
		sc.Subjects = subjects;
		sc.SubjectsLen = n;
		{
			jsStreamInfo *nsi = NULL;

			jerr = 0;
			s = js_UpdateStream(&nsi, js, &sc, NULL, &jerr);
			if (nsi)
				jsStreamInfo_Destroy(nsi);
		}
		free(subjects);
		jsStreamInfo_Destroy(si);
		if (s != NATS_OK && js_config_error(jerr)) {
			log_error("export %s -> %s: stream %s does not cover subject %s and "
				  "cannot be given it: %s (jsErrCode %d): add %s to the stream's "
				  "subjects or export to another stream", e->cfg->mailbox,
				  e->cfg->subject, e->cfg->stream, e->cfg->subject,
				  js_error_text(s), (int)jerr, e->cfg->subject);
			return -EPERM;
		}
		if (s != NATS_OK) {
			snprintf(why, whylen, "adding subject %s: %s (jsErrCode %d)",
				 e->cfg->subject, js_error_text(s), (int)jerr);
			return -EAGAIN;
		}
		log_info("jetstream: stream %s: subject %s added", e->cfg->stream,
			 e->cfg->subject);
		*changed = true;
		return 0;
	}
	if (s != NATS_NOT_FOUND) {
		snprintf(why, whylen, "%s (jsErrCode %d)", js_error_text(s), (int)jerr);
		return -bn_errno(s);
	}
	jsStreamConfig_Init(&sc);
	sc.Name = e->cfg->stream;
	sc.Subjects = mine;
	sc.SubjectsLen = nmine;
	sc.Storage = js_FileStorage;
	/* The duplicate window may not be longer than the messages live. */
	sc.Duplicates = 120LL * 1000000000LL;
	if (max_age_ns > 0 && max_age_ns < sc.Duplicates)
		sc.Duplicates = max_age_ns;
	sc.Replicas = e->b->cfg->stream_replicas;
	sc.MaxAge = max_age_ns;
	jerr = 0;
	s = js_AddStream(&si, js, &sc, NULL, &jerr);
	if (s != NATS_OK && js_config_error(jerr)) {
		log_error("export %s -> %s: stream %s cannot be created: %s (jsErrCode %d)%s",
			  e->cfg->mailbox, e->cfg->subject, e->cfg->stream, js_error_text(s),
			  (int)jerr,
			  jerr == JSStreamReplicasNotSupportedErr ?
			  ": the server is not clustered: stream-replicas 1" :
			  jerr == JSStreamSubjectOverlapErr ?
			  ": another stream takes these subjects: export to that stream "
			  "(--stream) or change its subjects" :
			  jerr == JSStreamInvalidConfig ? ": check stream-replicas and "
			  "stream-max-age (the duplicate window is min(2 min, max age))" : "");
		return -EPERM;
	}
	if (s != NATS_OK) {
		/* Another exporter may have made it meanwhile: look again. */
		snprintf(why, whylen, "not created: %s (jsErrCode %d)", js_error_text(s),
			 (int)jerr);
		return -EAGAIN;
	}
	jsStreamInfo_Destroy(si);
	*changed = true;
	log_info("jetstream: stream %s created (subjects %s%s, replicas %d, max age %llds)",
		 e->cfg->stream, mine[0], nmine > 1 ? " ..." : "", e->b->cfg->stream_replicas,
		 (long long)e->b->cfg->stream_max_age_s);
	return 0;
}

#define EXP_STREAM_TRIES	5

/*
 * ensure_stream_locked() until the stream, read again, covers the subject:
 * other bridges update the same stream from what they read, and one's
 * update may undo another's.  Bounded: then -EAGAIN (the caller retries).
 */
static int ensure_stream(struct exp_export *e, char *why, size_t whylen)
{
	bool changed = true;
	int ret = 0, i;

	why[0] = '\0';
	pthread_mutex_lock(&stream_lock);
	for (i = 0; i < EXP_STREAM_TRIES && changed; i++) {
		if (i)	/* apart from the other bridges' tries */
			bridge_sleep(e->b, 100 + (unsigned int)(rand() % 200));
		changed = false;
		ret = ensure_stream_locked(e, why, whylen, &changed);
		if (ret)
			break;
	}
	if (!ret && changed) {
		snprintf(why, whylen, "stream %s updated %d times and still not covering %s "
			 "(other bridges updating it too?)", e->cfg->stream, EXP_STREAM_TRIES,
			 e->cfg->subject);
		ret = -EAGAIN;
	}
	pthread_mutex_unlock(&stream_lock);
	if (!why[0])
		snprintf(why, whylen, "%s", msgport_strerror(ret));
	return ret;
}

static void meta_of(struct exp_export *e, const struct msgport_msginfo *info,
		    const struct msgport_relay *relay, struct hdr_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = (info->msg_flags & MSGPORT_MSG_CALL) ? HDR_KIND_CALL :
		  (info->msg_flags & MSGPORT_MSG_SYNC) ? HDR_KIND_SYNC : HDR_KIND_MESSAGE;
	snprintf(m->node, sizeof(m->node), "%s", e->b->cfg->node);
	snprintf(m->mailbox, sizeof(m->mailbox), "%s", e->cfg->mailbox);
	m->priority = info->priority;
	if (info->msg_flags & MSGPORT_MSG_RELAYED) {
		/* Multi-hop: the first origin stays. */
		m->origin = relay->origin;
		m->seq = relay->seq;
		m->time_ns = relay->send_time_ns;
		m->pid = relay->pid;
		m->uid = relay->uid;
		m->gid = relay->gid;
	} else {
		m->origin = hdr_origin(e->b->cfg->node, e->cfg->mailbox);
		m->seq = info->seq;
		m->time_ns = bridge_mono_to_real(info->send_time_ns);
		m->pid = info->pid;
		m->uid = info->uid;
		m->gid = info->gid;
	}
}

static int publish(struct exp_export *e, const struct hdr_meta *m,
		   const struct msgport_msginfo *info, const void *buf, size_t len)
{
	natsMsg *msg = NULL;
	natsStatus s;
	int ret;

	if (natsMsg_Create(&msg, e->cfg->subject, NULL, buf, (int)len) != NATS_OK)
		return -ENOMEM;
	ret = bn_msg_set_meta(msg, m);
	if (ret)
		goto out;
	if (e->cfg->delivery == CFG_DELIVERY_JETSTREAM) {
		char id[HDR_MSG_ID_MAX];
		jsPubOptions po;
		jsPubAck *ack = NULL;
		jsErrCode jerr = 0;

		/*
		 * The local message's seq and kernel send time: a mailbox
		 * removed and created again starts its seq at 1, and an id
		 * of seq alone would be dropped as a duplicate of the old
		 * incarnation's message for the stream's duplicate window.
		 */
		ret = hdr_msg_id(id, sizeof(id), e->b->cfg->node, e->cfg->mailbox, e->b->boot_id,
				 info->send_time_ns, info->seq);
		if (ret || natsMsgHeader_Set(msg, HDR_MSG_ID, id) != NATS_OK) {
			ret = ret ? ret : -ENOMEM;
			goto out;
		}
		jsPubOptions_Init(&po);
		po.MaxWait = EXP_PUBACK_WAIT_MS;
		s = js_PublishMsg(&ack, bn_js(e->b), msg, &po, &jerr);
		if (s == NATS_OK && ack && ack->Duplicate)
			log_warning("export %s -> %s: seq %llu: stream %s says duplicate of "
				    "Nats-Msg-Id %s: already stored, not stored again",
				    e->cfg->mailbox, e->cfg->subject,
				    (unsigned long long)info->seq, ack->Stream ? ack->Stream : "?",
				    id);
		if (ack)
			jsPubAck_Destroy(ack);
		if (s != NATS_OK && jerr)
			log_warning("export %s -> %s: seq %llu: jetstream publish: %s (jsErrCode %d)",
				    e->cfg->mailbox, e->cfg->subject,
				    (unsigned long long)info->seq, js_error_text(s), (int)jerr);
	} else {
		s = natsConnection_PublishMsg(bn_nc(e->b), msg);
	}
	ret = s == NATS_OK ? 0 : -bn_errno(s);
out:
	natsMsg_Destroy(msg);
	return ret;
}

/*
 * Errors no retry can mend: the remote side refused the message (no
 * permission, too large, malformed, no such mailbox and no --create), or
 * NATS cannot carry it.  Time-outs, no responders, a lost connection are
 * transient: the message is returned and tried again.
 */
static bool permanent_refusal(int err)
{
	return err == -EACCES || err == -EPERM || err == -EMSGSIZE || err == -EBADMSG ||
	       err == -ENOENT || err == -ENAMETOOLONG;
}

static void *export_thread(void *arg)
{
	struct exp_export *e = arg;
	struct bridge *b = e->b;
	unsigned int backoff = 0;
	bool warned = false;
	void *buf = malloc(e->max_msg_size ? e->max_msg_size : 1);

	if (!buf) {
		log_error("export %s: out of memory", e->cfg->mailbox);
		bridge_fail(b, 1);
		return NULL;
	}
	if (e->cfg->delivery == CFG_DELIVERY_JETSTREAM) {
		while (!b->stop) {
			char why[512];
			int ret = ensure_stream(e, why, sizeof(why));

			if (!ret)
				break;
			if (ret == -EPERM) {
				bridge_fail(b, 2);
				break;
			}
			/* Temporary (no JetStream yet, a failover): once, then quiet. */
			if (!warned)
				log_warning("export %s -> %s: no stream %s yet: %s: retrying",
					    e->cfg->mailbox, e->cfg->subject, e->cfg->stream, why);
			warned = true;
			bridge_sleep(b, 1000);
		}
		warned = false;
		if (b->stop) {
			free(buf);
			return NULL;
		}
	}
	log_info("export %s -> %s: started (%s)", e->cfg->mailbox, e->cfg->subject,
		 e->cfg->delivery == CFG_DELIVERY_JETSTREAM ? "jetstream" : "core");
	while (!b->stop) {
		struct msgport_recvmsg m;
		struct msgport_relay relay;
		struct hdr_meta meta;
		bool leased;
		ssize_t n;
		int ret;

		memset(&m, 0, sizeof(m));
		m.buf = buf;
		m.len = e->max_msg_size;
		m.flags = MSGPORT_F_LEASE;
		m.timeout_ns = EXP_RECV_TIMEOUT_NS;
		n = msgport_recv_relay(e->mb, &m, &relay);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			log_error("export %s -> %s: receive failed: %s", e->cfg->mailbox,
				  e->cfg->subject, msgport_strerror((int)n));
			bridge_fail(b, 1);
			break;
		}
		meta_of(e, &m.info, &relay, &meta);
		if (m.info.msg_flags & MSGPORT_MSG_CALL) {
			ret = call_forward(b, e->mb, e->cfg->subject, &meta, m.info.token, buf,
					   (size_t)n);
			if (ret && ret != -ESHUTDOWN) {
				log_warning("export %s: call seq %llu: %s", e->cfg->mailbox,
					    (unsigned long long)m.info.seq, msgport_strerror(ret));
				msgport_reply_error(e->mb, m.info.token, -ret);
			}
			continue;
		}
		leased = m.info.msg_flags & MSGPORT_MSG_LEASED;
		if (meta.kind == HDR_KIND_SYNC)
			ret = call_sync_request(b, e->cfg->subject, &meta, buf, (size_t)n);
		else
			ret = publish(e, &meta, &m.info, buf, (size_t)n);
		if (!ret) {
			if (leased) {
				ret = msgport_commit(e->mb, m.info.seq, 0);
				if (ret)
					log_warning("export %s: commit of seq %llu: %s",
						    e->cfg->mailbox,
						    (unsigned long long)m.info.seq,
						    msgport_strerror(ret));
			}
			if (warned)
				log_info("export %s -> %s: sending again", e->cfg->mailbox,
					 e->cfg->subject);
			warned = false;
			backoff = 0;
			log_debug("export %s -> %s: %s seq %llu sent (%zd bytes)", e->cfg->mailbox,
				  e->cfg->subject, hdr_kind_name(meta.kind),
				  (unsigned long long)m.info.seq, n);
			continue;
		}
		if (leased && (meta.kind == HDR_KIND_SYNC ? permanent_refusal(ret) :
			       ret == -EMSGSIZE)) {
			/*
			 * It can never go: retrying would block the export for
			 * good.  Dropped, and a sync sender's send fails with it.
			 */
			int r2 = msgport_commit_refuse(e->mb, m.info.seq, -ret);

			log_warning("export %s -> %s: %s seq %llu refused for good: %s (%s): %s",
				    e->cfg->mailbox, e->cfg->subject, hdr_kind_name(meta.kind),
				    (unsigned long long)m.info.seq,
				    hdr_errno_name(-ret) ? hdr_errno_name(-ret) : "?",
				    msgport_strerror(ret),
				    r2 ? msgport_strerror(r2) : "dropped");
			continue;
		}
		if (!leased) {
			log_warning("export %s -> %s: %s seq %llu lost (no lease): %s",
				    e->cfg->mailbox, e->cfg->subject, hdr_kind_name(meta.kind),
				    (unsigned long long)m.info.seq, msgport_strerror(ret));
		} else {
			int r2 = msgport_commit(e->mb, m.info.seq, MSGPORT_COMMIT_RETURN);

			if (!warned || r2)
				log_warning("export %s -> %s: %s seq %llu not sent: %s: %s",
					    e->cfg->mailbox, e->cfg->subject,
					    hdr_kind_name(meta.kind),
					    (unsigned long long)m.info.seq, msgport_strerror(ret),
					    r2 ? "cannot return it" : "returned, retrying");
		}
		/*
		 * No stream listens on the subject (deleted, or its subjects
		 * changed): make sure of it again before the next try.
		 */
		if (ret == -EHOSTUNREACH && meta.kind != HDR_KIND_SYNC &&
		    e->cfg->delivery == CFG_DELIVERY_JETSTREAM) {
			char why[512];
			int r3 = ensure_stream(e, why, sizeof(why));

			if (r3 == -EPERM) {
				bridge_fail(b, 2);
				break;
			}
			if (r3 && !warned)
				log_warning("export %s -> %s: stream %s: %s: retrying",
					    e->cfg->mailbox, e->cfg->subject, e->cfg->stream, why);
		}
		warned = true;
		backoff = backoff ? backoff * 2 : EXP_BACKOFF_MIN_MS;
		if (backoff > EXP_BACKOFF_MAX_MS)
			backoff = EXP_BACKOFF_MAX_MS;
		bridge_sleep(b, backoff);
	}
	free(buf);
	return NULL;
}

int exp_start(struct bridge *b)
{
	size_t i;

	for (i = 0; i < nexports; i++) {
		int ret = pthread_create(&exports[i].thread, NULL, export_thread, &exports[i]);

		if (ret) {
			log_error("export %s: no thread: %s", exports[i].cfg->mailbox,
				  strerror(ret));
			return 1;
		}
		exports[i].started = true;
	}
	return 0;
}

void exp_stop(struct bridge *b)
{
	size_t i;

	for (i = 0; i < nexports; i++)
		if (exports[i].started) {
			pthread_join(exports[i].thread, NULL);
			exports[i].started = false;
		}
}

void exp_free(struct bridge *b)
{
	size_t i;

	for (i = 0; i < nexports; i++)
		if (exports[i].mb)
			msgport_mailbox_close(exports[i].mb);
	free(exports);
	exports = NULL;
	nexports = 0;
}
