// SPDX-License-Identifier: GPL-2.0
/*
 * Host suite "bridge": msgport-bridge's pure parts (tools/bridge/config.c,
 * headers.c): subject patterns, the configuration file and the
 * authorization it grants, the NATS header format, errno names, ids.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "host_test.h"

static void subjects(void **state)
{
	assert_true(cfg_subject_valid("msgport.orders"));
	assert_true(cfg_subject_valid("msgport.*"));
	assert_true(cfg_subject_valid("msgport.>"));
	assert_true(cfg_subject_valid(">"));
	assert_false(cfg_subject_valid(""));
	assert_false(cfg_subject_valid("msgport..orders"));
	assert_false(cfg_subject_valid("msgport."));
	assert_false(cfg_subject_valid(".orders"));
	assert_false(cfg_subject_valid("msgport.>.x"));
	assert_false(cfg_subject_valid("msg*port"));
	assert_false(cfg_subject_valid("a b"));

	assert_false(cfg_subject_is_wildcard("msgport.orders"));
	assert_true(cfg_subject_is_wildcard("msgport.*"));
	assert_true(cfg_subject_is_wildcard("msgport.>"));
	assert_true(cfg_subject_is_wildcard("*.x"));
}

static void matching(void **state)
{
	assert_true(cfg_subject_match("msgport.orders", "msgport.orders"));
	assert_false(cfg_subject_match("msgport.orders", "msgport.order"));
	assert_false(cfg_subject_match("msgport.orders", "msgport.orders.x"));
	assert_true(cfg_subject_match("msgport.*", "msgport.orders"));
	assert_false(cfg_subject_match("msgport.*", "msgport.orders.x"));
	assert_false(cfg_subject_match("msgport.*", "msgport"));
	assert_true(cfg_subject_match("msgport.>", "msgport.orders.x"));
	assert_true(cfg_subject_match("msgport.>", "msgport.orders"));
	assert_false(cfg_subject_match("msgport.>", "msgport"));
	assert_false(cfg_subject_match("msgport.>", "other.orders"));
	assert_true(cfg_subject_match(">", "a.b.c"));
	assert_true(cfg_subject_match("*.orders", "site.orders"));
	/* A wildcard subject is covered only by a pattern covering all it stands for. */
	assert_true(cfg_subject_match("msgport.*", "msgport.*"));
	assert_true(cfg_subject_match("msgport.>", "msgport.*"));
	assert_true(cfg_subject_match("msgport.>", "msgport.>"));
	assert_false(cfg_subject_match("msgport.*", "msgport.>"));
	assert_false(cfg_subject_match("msgport.orders", "msgport.*"));

	assert_string_equal(cfg_default_mailbox("msgport.orders"), "orders");
	assert_string_equal(cfg_default_mailbox("msgport.a.b"), "a.b");
	assert_string_equal(cfg_default_mailbox("orders"), "orders");
	assert_string_equal(cfg_default_mailbox("msgport."), "msgport.");
}

static const char good_conf[] =
	"# a comment\n"
	"nats nats://10.0.0.2:4222,nats://10.0.0.3:4222\n"
	"node site-a   # trailing comment\n"
	"tls-ca /etc/msgport/ca.pem\n"
	"\n"
	"export orders subject=site.orders delivery=jetstream stream=S1\n"
	"export jobs\n"
	"import msgport.replies mailbox=replies delivery=core group=g1 create=yes capacity=8 "
	"max-msg-size=4096 mode=0600\n"
	"import msgport.jobs.>\tfanout\n"
	"allow-import msgport.replies repl* from=site-b,site-c\n"
	"allow-import msgport.> *\n"
	"allow-export orders site.*\n"
	"allow-export jobs msgport.jobs\n";

static void config_file(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";
	const struct cfg_import *im;

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "t.conf", good_conf, err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "host", err, sizeof(err)), 0);
	assert_string_equal(cfg.nats, "nats://10.0.0.2:4222,nats://10.0.0.3:4222");
	assert_string_equal(cfg.node, "site-a");
	assert_string_equal(cfg.tls_ca, "/etc/msgport/ca.pem");
	assert_int_equal(cfg.nexports, 2);
	assert_string_equal(cfg.exports[0].mailbox, "orders");
	assert_string_equal(cfg.exports[0].subject, "site.orders");
	assert_int_equal(cfg.exports[0].delivery, CFG_DELIVERY_JETSTREAM);
	assert_string_equal(cfg.exports[0].stream, "S1");
	assert_string_equal(cfg.exports[1].subject, "msgport.jobs");
	assert_int_equal(cfg.exports[1].delivery, CFG_DELIVERY_CORE);
	assert_string_equal(cfg.exports[1].stream, CFG_DEFAULT_STREAM);
	assert_int_equal(cfg.nimports, 2);
	im = &cfg.imports[0];
	assert_string_equal(im->mailbox, "replies");
	assert_string_equal(im->group, "g1");
	assert_int_equal(im->fanout, 0);
	assert_int_equal(im->create, 1);
	assert_int_equal(im->capacity, 8);
	assert_int_equal(im->max_msg_size, 4096);
	assert_int_equal(im->mode, 0600);
	im = &cfg.imports[1];
	assert_null(im->mailbox);	/* wildcard: per message */
	assert_int_equal(im->fanout, 1);
	assert_null(im->group);
	assert_int_equal(im->create, 0);
	assert_int_equal(im->capacity, CFG_DEFAULT_CAPACITY);
	assert_int_equal(im->mode, CFG_DEFAULT_MODE);

	/* Per message: subject, mailbox and node. */
	assert_true(cfg_import_allowed(&cfg, "msgport.replies", "replies", "site-b"));
	assert_true(cfg_import_allowed(&cfg, "msgport.replies", "replies", "site-x"));
	assert_true(cfg_import_allowed(&cfg, "msgport.orders", "orders", "x"));
	assert_false(cfg_import_allowed(&cfg, "other.orders", "orders", "x"));
	cfg_free(&cfg);
}

static void config_from(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "f.conf",
					 "node a\nimport msgport.>\n"
					 "allow-import msgport.* in-* from=b,c\n",
					 err, sizeof(err)), 0);
	/* msgport.> is not covered by msgport.*: refused at start. */
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "f.conf:2: import msgport.> -> (per subject) is not allowed"));
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "f.conf",
					 "node a\nimport msgport.*\n"
					 "allow-import msgport.* in-* from=b,c\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), 0);
	assert_true(cfg_import_allowed(&cfg, "msgport.in-1", "in-1", "b"));
	assert_true(cfg_import_allowed(&cfg, "msgport.in-1", "in-1", "c"));
	assert_false(cfg_import_allowed(&cfg, "msgport.in-1", "in-1", "d"));
	assert_false(cfg_import_allowed(&cfg, "msgport.in-1", "in-1", NULL));
	assert_false(cfg_import_allowed(&cfg, "msgport.out", "out", "b"));
	cfg_free(&cfg);
}

static void config_cli_only(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";

	cfg_init(&cfg);
	cfg.delivery = CFG_DELIVERY_JETSTREAM;
	assert_int_equal(cfg_add_export(&cfg, "orders", err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "msgport.x=inbox-x", err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "site.y", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "myhost", err, sizeof(err)), 0);
	assert_string_equal(cfg.node, "myhost");
	assert_string_equal(cfg.nats, "nats://127.0.0.1:4222");
	assert_string_equal(cfg.exports[0].subject, "msgport.orders");
	assert_int_equal(cfg.exports[0].delivery, CFG_DELIVERY_JETSTREAM);
	assert_string_equal(cfg.imports[0].mailbox, "inbox-x");
	assert_string_equal(cfg.imports[1].mailbox, "site.y");
	/* Without a file the mappings are the whole authorization. */
	assert_true(cfg_import_allowed(&cfg, "anything", "any", "n"));
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_add_import(&cfg, "msgport.*=fixed", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "wildcard"));
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_add_import(&cfg, "bad..subject", err, sizeof(err)), -EINVAL);
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_add_export(&cfg, "a/b", err, sizeof(err)), -EINVAL);
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nothing to do"));
	cfg_free(&cfg);
}

struct bad_case {
	const char *text;
	const char *want;	/* in the message */
};

static void config_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "frobnicate yes\n", "e.conf:1: unknown line \"frobnicate\"" },
		{ "node a\nexport x colour=red\n", "e.conf:2: export: unknown key \"colour\"" },
		{ "import msgport.x mode=999\n", "e.conf:1: bad mode" },
		{ "import msgport.x capacity=-1\n", "e.conf:1: bad capacity" },
		{ "import msgport.x delivery=fast\n", "e.conf:1: delivery must be" },
		{ "import msgport.x group=g fanout\n", "e.conf:1: import: group= and fanout" },
		{ "import msgport.x fanout group=g\n", "e.conf:1: import: group= and fanout" },
		{ "import msgport.x create=maybe\n", "e.conf:1: create must be" },
		{ "import msgport.x frob=1\n", "e.conf:1: import: unknown key \"frob\"" },
		{ "\n\nallow-import msgport.x\n", "e.conf:3: allow-import needs" },
		{ "allow-import msgport.x * when=now\n", "e.conf:1: allow-import: unknown key" },
		{ "allow-export x\n", "e.conf:1: allow-export takes" },
		{ "allow-export x bad..subj\n", "e.conf:1: bad subject pattern" },
		{ "export\n", "e.conf:1: export needs" },
		{ "node a b\n", "e.conf:1: node takes one value" },
		{ "import a..b\n", "e.conf:1: bad subject" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bridge_config cfg;
		char err[512] = "";
		int ret;

		cfg_init(&cfg);
		ret = cfg_load_string(&cfg, "e.conf", cases[i].text, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, cases[i].want))
			fail_msg("\"%s\": %d \"%s\"; expected -EINVAL with \"%s\"", cases[i].text,
				 ret, err, cases[i].want);
		cfg_free(&cfg);
	}
}

static void config_authorization(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";

	/* An export with no allow-export line: refused, naming the mapping. */
	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "a.conf",
					 "node a\nallow-export orders msgport.orders\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_add_export(&cfg, "secrets", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "export secrets -> msgport.secrets is not allowed"));
	cfg_free(&cfg);

	/* The same mailbox to another subject: refused too. */
	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "a.conf",
					 "node a\nallow-export orders msgport.orders\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_add_export(&cfg, "orders=elsewhere", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	cfg_free(&cfg);

	/* An import into a mailbox the pattern does not cover. */
	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "a.conf",
					 "node a\nallow-import msgport.* in-*\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "msgport.x=root-only", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "import msgport.x -> root-only is not allowed"));
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "a.conf",
					 "node a\nallow-import msgport.* in-*\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "msgport.x=in-x", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), 0);
	cfg_free(&cfg);
}

struct kv {
	const char *key[HDR_FIELDS_MAX + 2];
	const char *val[HDR_FIELDS_MAX + 2];
	int n;
};

static const char *kv_get(void *ctx, const char *key)
{
	struct kv *kv = ctx;
	int i;

	for (i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

static void headers_roundtrip(void **state)
{
	struct hdr_meta m, d;
	struct hdr_field f[HDR_FIELDS_MAX];
	struct kv kv = { .n = 0 };
	int n, i;

	memset(&m, 0, sizeof(m));
	m.kind = HDR_KIND_CALL;
	strcpy(m.node, "site-a");
	m.origin = UINT64_MAX;
	strcpy(m.mailbox, "orders");
	m.priority = 7;
	m.seq = 1234567890123ULL;
	m.time_ns = 1765000000123456789ULL;
	m.pid = 4242;
	m.uid = 1000;
	m.gid = 4294967294U;
	m.error = EHOSTUNREACH;
	m.deadline_ms = 30000;
	n = hdr_encode(&m, f);
	assert_true(n <= HDR_FIELDS_MAX);
	for (i = 0; i < n; i++) {
		kv.key[kv.n] = f[i].key;
		kv.val[kv.n++] = f[i].value;
	}
	assert_string_equal(kv_get(&kv, "Msgport-Kind"), "call");
	assert_string_equal(kv_get(&kv, "Msgport-Origin"), "18446744073709551615");
	assert_string_equal(kv_get(&kv, "Msgport-Error"), "EHOSTUNREACH");
	assert_string_equal(kv_get(&kv, "Msgport-Time"), "1765000000123456789");
	assert_string_equal(kv_get(&kv, "Msgport-Deadline"), "30000");
	assert_int_equal(hdr_decode(&d, kv_get, &kv), 0);
	assert_memory_equal(&m, &d, sizeof(m));

	/* Missing kind, a bad number, a negative uid: EBADMSG. */
	kv.val[0] = "gossip";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), -EBADMSG);
	kv.val[0] = "message";
	for (i = 0; i < kv.n; i++)
		if (!strcmp(kv.key[i], "Msgport-Seq"))
			kv.val[i] = "12x";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), -EBADMSG);
	for (i = 0; i < kv.n; i++)
		if (!strcmp(kv.key[i], "Msgport-Seq"))
			kv.val[i] = "12";
	for (i = 0; i < kv.n; i++)
		if (!strcmp(kv.key[i], "Msgport-Uid"))
			kv.val[i] = "-1";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), -EBADMSG);
	for (i = 0; i < kv.n; i++)
		if (!strcmp(kv.key[i], "Msgport-Uid"))
			kv.val[i] = "0";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), 0);
	assert_int_equal(d.seq, 12);
	assert_int_equal(d.kind, HDR_KIND_MESSAGE);
	/* An errno this system does not name: EIO. */
	for (i = 0; i < kv.n; i++)
		if (!strcmp(kv.key[i], "Msgport-Error"))
			kv.val[i] = "EWEIRD";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), 0);
	assert_int_equal(d.error, EIO);
}

static void headers_minimal(void **state)
{
	struct kv kv = { .n = 0 };
	struct hdr_meta d;

	/* A message needs Node and Origin; a reply does not. */
	kv.key[kv.n] = "Msgport-Kind";
	kv.val[kv.n++] = "message";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), -EBADMSG);
	kv.val[0] = "reply";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), 0);
	assert_int_equal(d.kind, HDR_KIND_REPLY);
	assert_int_equal(d.error, 0);
	kv.val[0] = "sync";
	kv.key[kv.n] = "Msgport-Node";
	kv.val[kv.n++] = "n1";
	kv.key[kv.n] = "Msgport-Origin";
	kv.val[kv.n++] = "99";
	assert_int_equal(hdr_decode(&d, kv_get, &kv), 0);
	assert_int_equal(d.kind, HDR_KIND_SYNC);
	assert_int_equal(d.origin, 99);
	assert_string_equal(d.node, "n1");
}

static void errno_names(void **state)
{
	static const int errs[] = { EHOSTUNREACH, ETIMEDOUT, EACCES, EMSGSIZE, ENOENT,
				    ECONNRESET, EIDRM, EPIPE };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		const char *name = hdr_errno_name(errs[i]);

		assert_non_null(name);
		assert_int_equal(hdr_errno_parse(name), errs[i]);
	}
	assert_string_equal(hdr_errno_name(EHOSTUNREACH), "EHOSTUNREACH");
	assert_string_equal(hdr_errno_name(ETIMEDOUT), "ETIMEDOUT");
	assert_null(hdr_errno_name(0));
	assert_null(hdr_errno_name(-5));
	assert_int_equal(hdr_errno_parse("ENOTANERRNO"), 0);
	assert_int_equal(hdr_errno_parse("EIO "), 0);
	assert_int_equal(hdr_errno_parse(""), 0);
	assert_int_equal(hdr_errno_parse(NULL), 0);
}

static void ids(void **state)
{
	char buf[128];

	/* FNV-1a 64 reference values. */
	assert_true(hdr_fnv1a64("") == 0xcbf29ce484222325ULL);
	assert_true(hdr_fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hdr_fnv1a64("foobar") == 0x85944171f73967e8ULL);
	/* The origin: FNV-1a 64 of "node/mailbox". */
	assert_true(hdr_origin("site-a", "orders") == hdr_fnv1a64("site-a/orders"));
	assert_true(hdr_origin("site-a", "orders") != hdr_origin("site-a", "jobs"));
	assert_true(hdr_origin("site-a", "orders") != hdr_origin("site-b", "orders"));
	assert_true(hdr_origin("a", "b/c") == hdr_fnv1a64("a/b/c"));
	/* The id carries the kernel's send time: a re-created mailbox's seq 1 differs. */
	assert_int_equal(hdr_msg_id(buf, sizeof(buf), "site-a", "orders",
				    "0f2c5a1e-1111-2222-3333-444455556666", 123456789, 42), 0);
	assert_string_equal(buf,
			    "site-a.orders.0f2c5a1e-1111-2222-3333-444455556666.123456789.42");
	assert_int_equal(hdr_msg_id(buf, 10, "site-a", "orders", "b", 1, 42), -ENAMETOOLONG);
	{
		/* The longest id fits HDR_MSG_ID_MAX (512 bytes did not). */
		char id[HDR_MSG_ID_MAX], node[HDR_NODE_MAX + 1], mbox[MSGPORT_NAME_MAX + 1];
		char boot[HDR_BOOT_ID_MAX + 1];

		memset(node, 'n', HDR_NODE_MAX);
		node[HDR_NODE_MAX] = '\0';
		memset(mbox, 'm', MSGPORT_NAME_MAX);
		mbox[MSGPORT_NAME_MAX] = '\0';
		memset(boot, 'b', HDR_BOOT_ID_MAX);
		boot[HDR_BOOT_ID_MAX] = '\0';
		assert_int_equal(hdr_msg_id(id, sizeof(id), node, mbox, boot, UINT64_MAX,
					    UINT64_MAX), 0);
		assert_int_equal(strlen(id), sizeof(id) - 1);
		assert_true(sizeof(id) > 512);
	}
	{
		char a[128], b[128];

		assert_int_equal(hdr_msg_id(a, sizeof(a), "n", "m", "boot", 1000, 1), 0);
		assert_int_equal(hdr_msg_id(b, sizeof(b), "n", "m", "boot", 2000, 1), 0);
		assert_string_not_equal(a, b);
	}
	assert_string_equal(hdr_kind_name(HDR_KIND_SYNC), "sync");
	assert_int_equal(hdr_kind_parse("reply"), HDR_KIND_REPLY);
	assert_int_equal(hdr_kind_parse("Reply"), -EINVAL);
	assert_null(hdr_kind_name(0));
}

static void durable_names(void **state)
{
	char a[128], b[128];

	/* Group (or node) and a hash of the subject: distinct per subject. */
	assert_int_equal(hdr_durable_name(a, sizeof(a), "g1", "msgport.orders"), 0);
	assert_int_equal(hdr_durable_name(b, sizeof(b), "g1", "msgport.jobs"), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strncmp(a, "g1_", 3), 0);
	assert_int_equal(strlen(a), 3 + 16);
	/* msgport.w.* and msgport.w.> both made msgport_w__ before. */
	assert_int_equal(hdr_durable_name(a, sizeof(a), "site-a", "msgport.w.*"), 0);
	assert_int_equal(hdr_durable_name(b, sizeof(b), "site-a", "msgport.w.>"), 0);
	assert_string_not_equal(a, b);
	assert_null(strpbrk(a, ".*> "));
	/* Only durable-name characters. */
	assert_int_equal(hdr_durable_name(a, sizeof(a), "a.b*c", "x"), 0);
	assert_int_equal(strncmp(a, "a_b_c_", 6), 0);
	assert_int_equal(hdr_durable_name(a, 10, "site-a", "x"), -ENAMETOOLONG);
}

static void url_redact(void **state)
{
	char out[256];

	cfg_url_redact("nats://u:secret@127.0.0.1:4222", out, sizeof(out));
	assert_string_equal(out, "nats://127.0.0.1:4222");
	cfg_url_redact("nats://tok@h1:4222,tls://a:b@c@h2:4443/x,nats://h3", out, sizeof(out));
	assert_string_equal(out, "nats://h1:4222,tls://h2:4443/x,nats://h3");
	cfg_url_redact("127.0.0.1:4222", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:4222");
	/* As nats.c: the userinfo runs to the last '@', whatever it holds. */
	cfg_url_redact("nats://h/p@q", out, sizeof(out));
	assert_string_equal(out, "nats://q");
	cfg_url_redact("u:secret@h:4222", out, sizeof(out));
	assert_string_equal(out, "h:4222");
	cfg_url_redact("nats://u:pa/ss@h:4222", out, sizeof(out));
	assert_string_equal(out, "nats://h:4222");
	cfg_url_redact("tls://u:p?x#y@h", out, sizeof(out));
	assert_string_equal(out, "tls://h");
	cfg_url_redact("[::1]:4222,u:p/w@[::1]:4223", out, sizeof(out));
	assert_string_equal(out, "[::1]:4222,[::1]:4223");
	/* Cut short, still terminated, never the password. */
	cfg_url_redact("nats://u:secret@longhostname:4222", out, 12);
	assert_int_equal(strlen(out) < 12, 1);
	assert_null(strstr(out, "secret"));
	cfg_url_redact("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void stream_limits(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";
	int64_t v;

	assert_int_equal(cfg_parse_duration("24h", &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(cfg_parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(cfg_parse_duration("2d", &v), 0);
	assert_int_equal(v, 172800);
	assert_int_equal(cfg_parse_duration("5m", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(cfg_parse_duration("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cfg_parse_duration("1w", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("1hh", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("-1", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("h", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("99999999999999d", &v), -EINVAL);
	/* Bounded so that the value in nanoseconds (MaxAge) fits an int64. */
	assert_int_equal(cfg_parse_duration("9223372036", &v), 0);
	assert_int_equal(v, 9223372036LL);
	assert_int_equal(cfg_parse_duration("9223372037", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("9223372036854775807", &v), -EINVAL);
	assert_int_equal(cfg_parse_duration("153722867m", &v), 0);
	assert_int_equal(cfg_parse_duration("153722868m", &v), -EINVAL);

	/* Defaults: 1 replica, 24 h. */
	cfg_init(&cfg);
	assert_int_equal(cfg_add_export(&cfg, "orders", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), 0);
	assert_int_equal(cfg.stream_replicas, 1);
	assert_int_equal(cfg.stream_max_age_s, 86400);
	cfg_free(&cfg);

	/* The file's, unless the command line said first. */
	cfg_init(&cfg);
	cfg.stream_replicas = 5;
	assert_int_equal(cfg_load_string(&cfg, "s.conf",
					 "stream-replicas 3\nstream-max-age 2h\n"
					 "export orders\nallow-export * msgport.>\n",
					 err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), 0);
	assert_int_equal(cfg.stream_replicas, 5);
	assert_int_equal(cfg.stream_max_age_s, 7200);
	cfg_free(&cfg);

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "s.conf", "stream-replicas 0\n", err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "s.conf:1: stream-replicas"));
	cfg_free(&cfg);
	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "s.conf", "\nstream-max-age 1y\n", err,
					 sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "s.conf:2: stream-max-age"));
	cfg_free(&cfg);
}

static void url_host(void **state)
{
	char h[64];
	struct bridge_config cfg;
	char err[256];

	assert_int_equal(cfg_url_host("tls://u:p@nats.example.org:4222,tls://b:4222", h,
				      sizeof(h)), 0);
	assert_string_equal(h, "nats.example.org");
	assert_int_equal(cfg_url_host("nats://10.0.0.2", h, sizeof(h)), 0);
	assert_string_equal(h, "10.0.0.2");
	assert_int_equal(cfg_url_host("127.0.0.1:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(cfg_url_host("tls://[::1]:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(cfg_url_host("tls://[::1", h, sizeof(h)), -EINVAL);
	/* nats.c connects to localhost when the host is empty. */
	assert_int_equal(cfg_url_host("nats://:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "localhost");
	assert_int_equal(cfg_url_host("u:secret@h:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "h");
	assert_int_equal(cfg_url_host("nats://u:pa/ss@h:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "h");
	assert_int_equal(cfg_url_host("tls://u:p?x#y@h", h, sizeof(h)), 0);
	assert_string_equal(h, "h");
	assert_int_equal(cfg_url_host("[::1]:4222", h, sizeof(h)), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(cfg_url_host("nats://u:p@[::1]", h, sizeof(h)), 0);
	assert_string_equal(h, "::1");
	/* --tls-name is needed when the URLs name more than one host. */
	assert_int_equal(cfg_url_common_host("tls://a:4222,tls://u:p@A:4223,a", h, sizeof(h)), 0);
	assert_string_equal(h, "a");
	assert_int_equal(cfg_url_common_host("tls://a:4222,tls://b:4222", h, sizeof(h)),
			 -ENOTUNIQ);
	assert_int_equal(cfg_url_common_host("tls://b@a:4222,tls://a@b:4222", h, sizeof(h)),
			 -ENOTUNIQ);
	assert_int_equal(cfg_url_common_host("[::1]:4222,[::1]:4223", h, sizeof(h)), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(cfg_url_host("nats://averyveryverylonghostname", h, 8), -EINVAL);

	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "t.conf", "tls-name nats.internal\n", err,
					 sizeof(err)), 0);
	assert_string_equal(cfg.tls_name, "nats.internal");
	cfg_free(&cfg);
}

static void overlaps(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";

	assert_true(cfg_subjects_overlap("msgport.>", "msgport.orders"));
	assert_true(cfg_subjects_overlap("msgport.orders", "msgport.>"));
	assert_true(cfg_subjects_overlap("msgport.*", "msgport.orders"));
	assert_true(cfg_subjects_overlap("msgport.*.x", "msgport.a.*"));
	assert_true(cfg_subjects_overlap("msgport.orders", "msgport.orders"));
	assert_true(cfg_subjects_overlap(">", "a"));
	assert_true(cfg_subjects_overlap("msgport.w.*", "msgport.w.>"));
	assert_false(cfg_subjects_overlap("msgport.orders", "msgport.jobs"));
	assert_false(cfg_subjects_overlap("msgport.*", "msgport.a.b"));
	assert_false(cfg_subjects_overlap("msgport.>", "msgport"));
	assert_false(cfg_subjects_overlap("msgport.a.>", "msgport.b.*"));
	assert_false(cfg_subjects_overlap("msgport", "msgport.a"));

	/* At start: exit 2 naming both. */
	cfg_init(&cfg);
	assert_int_equal(cfg_add_import(&cfg, "msgport.>", err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "msgport.orders", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--import msgport.orders: import msgport.orders overlaps "
				    "import msgport.> (--import msgport.>)"));
	cfg_free(&cfg);
	cfg_init(&cfg);
	assert_int_equal(cfg_add_import(&cfg, "msgport.a", err, sizeof(err)), 0);
	assert_int_equal(cfg_add_import(&cfg, "msgport.b", err, sizeof(err)), 0);
	assert_int_equal(cfg_finish(&cfg, "h", err, sizeof(err)), 0);
	cfg_free(&cfg);
}

static void comments(void **state)
{
	struct bridge_config cfg;
	char err[512] = "";

	/* '#' starts a comment at a line's start or after a blank only. */
	cfg_init(&cfg);
	assert_int_equal(cfg_load_string(&cfg, "c.conf",
					 "#whole line\n"
					 "creds /etc/msgport/a#b.creds # the file\n"
					 "node n1\t# tab\n",
					 err, sizeof(err)), 0);
	assert_string_equal(cfg.creds, "/etc/msgport/a#b.creds");
	assert_string_equal(cfg.node, "n1");
	cfg_free(&cfg);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(comments),
	cmocka_unit_test(overlaps),
	cmocka_unit_test(url_host),
	cmocka_unit_test(stream_limits),
	cmocka_unit_test(url_redact),
	cmocka_unit_test(durable_names),
	cmocka_unit_test(subjects),
	cmocka_unit_test(matching),
	cmocka_unit_test(config_file),
	cmocka_unit_test(config_from),
	cmocka_unit_test(config_cli_only),
	cmocka_unit_test(config_errors),
	cmocka_unit_test(config_authorization),
	cmocka_unit_test(headers_roundtrip),
	cmocka_unit_test(headers_minimal),
	cmocka_unit_test(errno_names),
	cmocka_unit_test(ids),
};

HOST_SUITE(host_bridge_suite, "bridge", tests);
