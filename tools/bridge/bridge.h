/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport-bridge: carries mailboxes and calls over NATS (msgport-bridge(8)).
 *
 * One concept per file, one prefix per layer:
 *   main.c     options, lifecycle, signals            (main)
 *   config.c   configuration file, mappings, authorization, patterns  cfg_
 *   headers.c  the message format on NATS: headers, errno names, ids  hdr_
 *   log.c      the log lines on stderr                 log_
 *   nats.c     connection, options, TLS, reconnects, natsMsg glue     bn_
 *   export.c   local mailbox -> NATS                   exp_
 *   import.c   NATS -> local mailbox                   imp_
 *   calls.c    call workers: calls and sync sends both ways           call_
 * config.c and headers.c are pure (no libnats, no libmsgport): the host
 * tests (tests/host_bridge_test.c) link them alone.
 */
#ifndef MSGPORT_BRIDGE_H
#define MSGPORT_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/msgport.h>

/* ---- config.c ---------------------------------------------------------- */

enum cfg_delivery { CFG_DELIVERY_UNSET = 0, CFG_DELIVERY_CORE, CFG_DELIVERY_JETSTREAM };

/* Tri-state options of a mapping: unset (take the global one), no, yes. */
#define CFG_UNSET (-1)

struct cfg_export {
	char *mailbox;
	char *subject;
	int delivery;		/* enum cfg_delivery */
	char *stream;		/* NULL: the global one */
	char where[96];		/* "FILE:LINE" or "--export NAME" for messages */
};

struct cfg_import {
	char *subject;
	char *mailbox;		/* NULL: the default rule (per message if wildcard) */
	int delivery;
	char *stream;
	char *group;		/* NULL: fanout (or the global choice) */
	int fanout;		/* CFG_UNSET, 0, 1 */
	int create;		/* CFG_UNSET, 0, 1 */
	int64_t capacity;	/* -1: unset */
	int64_t max_msg_size;	/* -1: unset */
	int64_t mode;		/* -1: unset */
	char where[96];
};

struct cfg_allow_import {
	char *subject_pattern;
	char *mailbox_pattern;
	char **from;		/* NULL: any node */
	size_t nfrom;
};

struct cfg_allow_export {
	char *mailbox_pattern;
	char *subject_pattern;
};

struct bridge_config {
	char *nats;		/* URL[,URL...]; NULL: nats://127.0.0.1:4222 */
	char *node;		/* NULL until cfg_finish(): the hostname */
	char *tls_ca, *tls_cert, *tls_key, *creds;
	char *tls_name;		/* the server certificate's name; NULL: the first URL's host */
	char *config_file;	/* NULL: none (the CLI mappings authorize) */

	struct cfg_export *exports;
	size_t nexports;
	struct cfg_import *imports;
	size_t nimports;
	struct cfg_allow_import *allow_imports;
	size_t nallow_imports;
	struct cfg_allow_export *allow_exports;
	size_t nallow_exports;

	/* Global defaults (command line), applied by cfg_finish(). */
	int delivery;
	char *stream;
	char *group;
	int fanout;
	int create;
	int64_t capacity, max_msg_size, mode;
	int64_t call_timeout_ms;
	int call_workers;
	/* A stream the bridge creates: replicas (0 until cfg_finish: 1), max age (s, 0 none). */
	int stream_replicas;
	int64_t stream_max_age_s;	/* -1 until cfg_finish(): 24 h */
	bool verbose;
};

#define CFG_DEFAULT_STREAM	"MSGPORT"
#define CFG_DEFAULT_CAPACITY	64
#define CFG_DEFAULT_MODE	0660
#define CFG_DEFAULT_CALL_TIMEOUT_MS 30000
#define CFG_DEFAULT_CALL_WORKERS 8
#define CFG_SUBJECT_PREFIX	"msgport."
#define CFG_DEFAULT_STREAM_MAX_AGE_S (24 * 3600)
#define CFG_STREAM_REPLICAS_MAX	5

/* N[s|m|h|d] (no unit: seconds) into seconds: 0 or -EINVAL. */
int cfg_parse_duration(const char *s, int64_t *seconds);

void cfg_init(struct bridge_config *cfg);
void cfg_free(struct bridge_config *cfg);
/* NAME[=SUBJECT], SUBJECT[=NAME]: 0 or -EINVAL with a message in err. */
int cfg_add_export(struct bridge_config *cfg, const char *spec, char *err, size_t errlen);
int cfg_add_import(struct bridge_config *cfg, const char *spec, char *err, size_t errlen);
/* Reads FILE: 0, -EINVAL with "FILE:LINE: why" in err, or -errno (open/read). */
int cfg_load_file(struct bridge_config *cfg, const char *path, char *err, size_t errlen);
/* Same, from a string (FILE is name in messages). */
int cfg_load_string(struct bridge_config *cfg, const char *name, const char *text, char *err,
		    size_t errlen);
/*
 * Applies the defaults and checks the whole: mappings well formed, and with
 * a configuration file every mapping allowed.  0 or -EINVAL with err.
 */
int cfg_finish(struct bridge_config *cfg, const char *hostname, char *err, size_t errlen);

/* NATS subject matching: pattern tokens '*' (one token) and '>' (the rest). */
bool cfg_subject_valid(const char *subject);
bool cfg_subject_is_wildcard(const char *subject);
bool cfg_subject_match(const char *pattern, const char *subject);
/* Is there a subject both patterns match? */
bool cfg_subjects_overlap(const char *a, const char *b);
/*
 * urls (URL[,URL...]) without their userinfo ("nats://u:pw@h:4222" ->
 * "nats://h:4222"), for log lines: passwords and tokens stay out of logs.
 */
void cfg_url_redact(const char *urls, char *out, size_t len);
/*
 * The host of the first URL of urls (no userinfo, port, brackets; nats.c's
 * parsing: the userinfo runs to the last '@'): 0 or -EINVAL.
 */
int cfg_url_host(const char *urls, char *out, size_t len);
/* The host all URLs name: 0, -ENOTUNIQ (more than one), or -EINVAL. */
int cfg_url_common_host(const char *urls, char *out, size_t len);
/* The default mailbox of a subject: the subject less a leading "msgport.". */
const char *cfg_default_mailbox(const char *subject);
/*
 * May a message on subject (from node) be written into mailbox?  Without a
 * configuration file: yes.  With one: some allow-import line matches all
 * three.
 */
bool cfg_import_allowed(const struct bridge_config *cfg, const char *subject, const char *mailbox,
			const char *node);
bool cfg_export_allowed(const struct bridge_config *cfg, const char *mailbox, const char *subject);

/* ---- headers.c --------------------------------------------------------- */

enum hdr_kind { HDR_KIND_MESSAGE = 1, HDR_KIND_SYNC, HDR_KIND_CALL, HDR_KIND_REPLY };

#define HDR_NODE_MAX	255

/* What travels in the headers of one NATS message. */
struct hdr_meta {
	int kind;			/* enum hdr_kind */
	char node[HDR_NODE_MAX + 1];
	uint64_t origin;
	char mailbox[MSGPORT_NAME_MAX + 1];
	uint32_t priority;
	uint64_t seq;
	uint64_t time_ns;		/* CLOCK_REALTIME */
	int32_t pid;
	uint32_t uid, gid;
	int error;			/* a positive errno (Msgport-Error), or 0 */
	uint64_t deadline_ms;		/* a request's: how long its sender waits (0: unsaid) */
};

#define HDR_FIELDS_MAX	12

struct hdr_field {
	const char *key;
	char value[HDR_NODE_MAX + 1];
};

#define HDR_KIND	"Msgport-Kind"
#define HDR_NODE	"Msgport-Node"
#define HDR_ORIGIN	"Msgport-Origin"
#define HDR_MAILBOX	"Msgport-Mailbox"
#define HDR_PRIORITY	"Msgport-Priority"
#define HDR_SEQ		"Msgport-Seq"
#define HDR_TIME	"Msgport-Time"
#define HDR_PID		"Msgport-Pid"
#define HDR_UID		"Msgport-Uid"
#define HDR_GID		"Msgport-Gid"
#define HDR_ERROR	"Msgport-Error"
#define HDR_DEADLINE	"Msgport-Deadline"
#define HDR_MSG_ID	"Nats-Msg-Id"

const char *hdr_kind_name(int kind);
int hdr_kind_parse(const char *s);
/* Fills out[] with the headers of m; returns how many (<= HDR_FIELDS_MAX). */
int hdr_encode(const struct hdr_meta *m, struct hdr_field *out);
/*
 * Reads the headers through get (returns the value or NULL when absent).
 * Kind is required, and Node and Origin but for a reply; numbers must be
 * decimal.  0 or -EBADMSG.
 */
int hdr_decode(struct hdr_meta *m, const char *(*get)(void *ctx, const char *key), void *ctx);
/* "EHOSTUNREACH" for EHOSTUNREACH; NULL if unknown. */
const char *hdr_errno_name(int err);
/* The errno of a name, or 0 when unknown. */
int hdr_errno_parse(const char *name);
uint64_t hdr_fnv1a64(const char *s);
/*
 * The origin id of a message sent to mailbox on node: hdr_fnv1a64() of
 * "node/mailbox".  (relay.origin, relay.seq) then names one message of one
 * incarnation of that mailbox (a re-created mailbox starts its seq again at
 * 1: relay.send_time_ns tells incarnations apart).
 */
uint64_t hdr_origin(const char *node, const char *mailbox);
/*
 * A JetStream durable consumer's name: prefix (the group, or the node for
 * fanout) "_" the 16 hex digits of hdr_fnv1a64(subject), every character
 * not [A-Za-z0-9_-] made '_'.  One consumer per (group or node, subject):
 * imports of one group on different subjects, or msgport.w.* beside
 * msgport.w.>, never share one.  -ENAMETOOLONG if it does not fit.
 */
int hdr_durable_name(char *buf, size_t len, const char *prefix, const char *subject);
/*
 * Nats-Msg-Id: <node>.<mailbox>.<boot_id>.<send_time_ns>.<seq>, send_time_ns
 * the kernel's CLOCK_MONOTONIC stamp (info.send_time_ns): unique per
 * message of a mailbox's incarnation within a boot, stable across bridge
 * restarts.  -ENAMETOOLONG if it does not fit.
 */
int hdr_msg_id(char *buf, size_t len, const char *node, const char *mailbox, const char *boot_id,
	       uint64_t send_time_ns, uint64_t seq);
/* Room for the longest: node, mailbox, a boot id (< 64), two u64s, the dots, NUL. */
#define HDR_BOOT_ID_MAX	63
#define HDR_MSG_ID_MAX	(HDR_NODE_MAX + 1 + MSGPORT_NAME_MAX + 1 + HDR_BOOT_ID_MAX + 1 + 20 + 1 + 20 + 1)

/* ---- log.c ------------------------------------------------------------- */

void log_set_verbose(bool verbose);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the running bridge (main.c owns it) -------------------------------- */

struct msgport;
struct call_pool;
struct bn_conn;

struct bridge {
	struct bridge_config *cfg;
	struct msgport *mp;
	struct bn_conn *conn;
	struct call_pool *pools[2];	/* call workers: [0] export side, [1] import side */
	uint64_t origin;		/* hdr_fnv1a64(cfg->node), for the log */
	char boot_id[HDR_BOOT_ID_MAX + 1];
	volatile int stop;		/* set once on SIGTERM/SIGINT or failure */
	volatile int exit_code;		/* 0, or 1/2 when a thread failed */
};

/* Stops the bridge from any thread with that exit code (the first wins). */
void bridge_fail(struct bridge *b, int code);
/* Sleeps ms, or less when the bridge stops; returns !b->stop. */
bool bridge_sleep(struct bridge *b, unsigned int ms);
/* CLOCK_REALTIME of a CLOCK_MONOTONIC time. */
uint64_t bridge_mono_to_real(uint64_t mono_ns);
uint64_t bridge_now_real(void);

/* ---- nats.c ------------------------------------------------------------ */

/* natsStatus is an int-sized enum: kept opaque here. */
int bn_connect(struct bridge *b);
/* Connected now? */
bool bn_connected(struct bridge *b);
/* The server's max_payload (0 if unknown). */
int64_t bn_max_payload(struct bridge *b);
/* Drains (subscriptions, then publishes) and closes, within timeout_ms. */
void bn_drain(struct bridge *b, int64_t timeout_ms);
void bn_destroy(struct bridge *b);
/* The natsConnection * and jsCtx * (void * to keep nats.h out of here). */
void *bn_nc(struct bridge *b);
void *bn_js(struct bridge *b);
/* natsMsg glue: void * is natsMsg *. */
int bn_msg_set_meta(void *msg, const struct hdr_meta *m);
int bn_msg_get_meta(void *msg, struct hdr_meta *m);
/* An errno for a natsStatus. */
int bn_errno(int status);
const char *bn_status_text(int status);
/* The subject of requests (calls, sync sends) for a data subject. */
int bn_request_subject(char *buf, size_t len, const char *subject);
#define BN_REQUEST_PREFIX "msgport-rpc."
/* Requests are answered only on reply subjects under this (nats.c's inboxes). */
#define BN_REPLY_PREFIX "_INBOX."

/* ---- calls.c ----------------------------------------------------------- */

struct msgport_mailbox;

/* Two pools of `workers` threads, one per direction. */
int call_pool_start(struct bridge *b, int workers);
#define CALL_POOL_EXPORT 0
#define CALL_POOL_IMPORT 1
/*
 * Runs the queued jobs and waits for them; the pool(s) then refuse jobs
 * (-ESHUTDOWN) but stay allocated until call_pool_free(), after the
 * connection is gone (a late callback may still submit).
 */
void call_pool_stop_side(struct bridge *b, int side);
void call_pool_stop(struct bridge *b);
void call_pool_free(struct bridge *b);
/*
 * Export side: the local call token (received through mb) goes out as a
 * NATS request on subject; its reply (or failure) answers it.  Takes a
 * copy of req.  Blocks while every worker is busy.
 */
int call_forward(struct bridge *b, struct msgport_mailbox *mb, const char *subject,
		 const struct hdr_meta *meta, uint64_t token, const void *req, size_t len);
/*
 * Import side: a NATS request (natsMsg *, taken over) of Kind call or sync
 * for mailbox, served by a worker through imp (its mailbox cache).
 */
struct imp_import;
int call_serve(struct bridge *b, struct imp_import *imp, void *msg);
/*
 * Export side, synchronous: a sync message goes out as a request and its
 * answer is awaited; 0 when the remote mailbox took it, else -errno.
 */
int call_sync_request(struct bridge *b, const char *subject, const struct hdr_meta *meta,
		      const void *buf, size_t len);

/* ---- export.c / import.c ----------------------------------------------- */

/* Opens every export's mailbox and checks its size; 0, or the exit code. */
int exp_prepare(struct bridge *b);
int exp_start(struct bridge *b);
void exp_stop(struct bridge *b);
/* After the call workers stopped: closes the mailboxes (returns leases). */
void exp_free(struct bridge *b);

int imp_start(struct bridge *b);
/*
 * Stops the JetStream fetching threads, drains the request subscriptions
 * (within timeout_ms in all, not per import) and waits for the import-side
 * call workers.
 */
void imp_stop(struct bridge *b, int64_t timeout_ms);
/* Closes the subscriptions and mailboxes; imp_release() after bn_destroy() frees the rest. */
void imp_free(struct bridge *b);
void imp_release(struct bridge *b);
/*
 * The mailbox (opened to send, created if the import says so) for a
 * message of imp: 0, or -errno (logged by the caller).  The handle is the
 * import's (a cache of the 256 most recently used): give it back with
 * imp_mailbox_put(), unlinked when the kernel said EIDRM (the handle is
 * then dropped, a new mailbox of that name may come).
 */
int imp_mailbox(struct bridge *b, struct imp_import *imp, const char *name,
		struct msgport_mailbox **mbp);
void imp_mailbox_put(struct imp_import *imp, struct msgport_mailbox *mb, bool unlinked);
/* Is subject the import's own (or covered by its wildcard)? */
bool imp_own_subject(struct imp_import *imp, const char *subject);
/* The target mailbox of a message on subject, and whether it may go there. */
const char *imp_target(struct imp_import *imp, const char *subject);
const struct cfg_import *imp_config(struct imp_import *imp);
/* The relay struct of a message's headers. */
void imp_relay_of(const struct hdr_meta *m, struct msgport_relay *r);

#endif /* MSGPORT_BRIDGE_H */
