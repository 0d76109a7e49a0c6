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

/* The stream of a JetStream export: created if absent (spec §3). */
static int ensure_stream(struct exp_export *e)
{
	jsCtx *js = bn_js(e->b);
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	const char *subjects[2] = { CFG_SUBJECT_PREFIX ">", NULL };
	natsStatus s;

	s = js_GetStreamInfo(&si, js, e->cfg->stream, NULL, &jerr);
	if (s == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND)
		return -bn_errno(s);
	jsStreamConfig_Init(&sc);
	sc.Name = e->cfg->stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	if (!cfg_subject_match(subjects[0], e->cfg->subject))
		subjects[sc.SubjectsLen++] = e->cfg->subject;
	sc.Storage = js_FileStorage;
	sc.Duplicates = 120LL * 1000000000LL;
	s = js_AddStream(&si, js, &sc, NULL, &jerr);
	if (s != NATS_OK) {
		/* Another exporter may have made it meanwhile. */
		if (js_GetStreamInfo(&si, js, e->cfg->stream, NULL, &jerr) == NATS_OK) {
			jsStreamInfo_Destroy(si);
			return 0;
		}
		log_warning("jetstream: stream %s not created: %s", e->cfg->stream,
			    nats_GetLastError(NULL) ? nats_GetLastError(NULL) :
			    natsStatus_GetText(s));
		return -bn_errno(s);
	}
	jsStreamInfo_Destroy(si);
	log_info("jetstream: stream %s created (subjects %s%s%s)", e->cfg->stream, subjects[0],
		 sc.SubjectsLen > 1 ? " " : "", sc.SubjectsLen > 1 ? subjects[1] : "");
	return 0;
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
		m->origin = e->b->origin;
		m->seq = info->seq;
		m->time_ns = bridge_mono_to_real(info->send_time_ns);
		m->pid = info->pid;
		m->uid = info->uid;
		m->gid = info->gid;
	}
}

static int publish(struct exp_export *e, const struct hdr_meta *m, uint64_t local_seq,
		   const void *buf, size_t len)
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
		char id[512];
		jsPubOptions po;
		jsPubAck *ack = NULL;
		jsErrCode jerr = 0;

		ret = hdr_msg_id(id, sizeof(id), e->b->cfg->node, e->cfg->mailbox, e->b->boot_id,
				 local_seq);
		if (ret || natsMsgHeader_Set(msg, HDR_MSG_ID, id) != NATS_OK) {
			ret = ret ? ret : -ENOMEM;
			goto out;
		}
		jsPubOptions_Init(&po);
		po.MaxWait = EXP_PUBACK_WAIT_MS;
		s = js_PublishMsg(&ack, bn_js(e->b), msg, &po, &jerr);
		if (ack)
			jsPubAck_Destroy(ack);
	} else {
		s = natsConnection_PublishMsg(bn_nc(e->b), msg);
	}
	ret = s == NATS_OK ? 0 : -bn_errno(s);
out:
	natsMsg_Destroy(msg);
	return ret;
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
			int ret = ensure_stream(e);

			if (!ret)
				break;
			if (!warned)
				log_warning("export %s -> %s: no stream %s yet: %s: retrying",
					    e->cfg->mailbox, e->cfg->subject, e->cfg->stream,
					    msgport_strerror(ret));
			warned = true;
			bridge_sleep(b, 1000);
		}
		warned = false;
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
			ret = publish(e, &meta, m.info.seq, buf, (size_t)n);
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
