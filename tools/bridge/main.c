// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: carries mailboxes and calls over NATS.  Options, the
 * bridge's lifecycle and signals.  Exit status: 0 after a clean stop on
 * SIGTERM/SIGINT, 1 on a runtime failure, 2 on a usage or configuration
 * error, each with one line on stderr saying what and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmsgport.h>

#include "bridge.h"
#include "parse.h"

#ifndef MSGPORT_BRIDGE_VERSION
#define MSGPORT_BRIDGE_VERSION "unknown"
#endif

#define EXIT_FAIL	1
#define EXIT_USAGE	2

static const char usage_text[] =
"Usage: msgport-bridge [OPTION]...\n"
"Carry msgport mailboxes and calls over NATS.\n"
"\n"
"  -c, --config FILE        configuration file (mappings, allow-import/allow-export\n"
"                           rules; with one, every mapping must be allowed)\n"
"  -s, --nats URL[,URL...]  NATS servers (default nats://127.0.0.1:4222)\n"
"  -n, --node NAME          this bridge's node name (default: the hostname)\n"
"  -e, --export NAME[=SUBJECT]   publish what mailbox NAME receives to SUBJECT\n"
"                           (default msgport.NAME); repeatable\n"
"  -i, --import SUBJECT[=NAME]   send what SUBJECT carries into mailbox NAME\n"
"                           (default: SUBJECT less \"msgport.\"; with wildcards,\n"
"                           each message's own subject less \"msgport.\"); repeatable\n"
"  -d, --delivery core|jetstream  at most once (core, default) or at least once\n"
"      --stream NAME        JetStream stream (default MSGPORT)\n"
"      --stream-replicas N  replicas of a stream the bridge creates (default 1)\n"
"      --stream-max-age AGE  its messages' age limit, N[s|m|h|d] (default 24h;\n"
"                           0: none)\n"
"  -g, --group NAME         importers share the messages (queue group NAME /\n"
"                           shared durable consumer NAME_<subject hash>)\n"
"      --fanout             every importer gets every message (default)\n"
"      --create             create missing import mailboxes, with:\n"
"      --capacity N         capacity (default 64)\n"
"      --max-msg-size BYTES largest message (default: the module's)\n"
"      --mode OCTAL         permissions (default 0660)\n"
"      --tls-ca FILE        trust this CA (implies TLS)\n"
"      --tls-cert FILE      client certificate (with --tls-key)\n"
"      --tls-key FILE       its private key\n"
"      --creds FILE         NATS user credentials\n"
"      --tls-name NAME      the name the servers' certificates must carry\n"
"                           (default: the --nats URLs' host; required when\n"
"                           they name more than one host)\n"
"      --call-timeout MS    how long a call waits for its remote reply (30000)\n"
"      --call-workers N     concurrent calls per direction (8)\n"
"  -v, --verbose            log every message\n"
"  -h, --help               this text\n"
"  -V, --version            the version\n"
"\n"
"Exit status: 0 stopped by SIGTERM/SIGINT, 1 runtime failure, 2 usage or\n"
"configuration error.  See msgport-bridge(8).\n";

enum {
	OPT_STREAM = 256, OPT_FANOUT, OPT_CREATE, OPT_CAPACITY, OPT_MAX_MSG_SIZE, OPT_MODE,
	OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY, OPT_CREDS, OPT_CALL_TIMEOUT, OPT_CALL_WORKERS,
	OPT_STREAM_REPLICAS, OPT_STREAM_MAX_AGE, OPT_TLS_NAME,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "nats", required_argument, NULL, 's' },
	{ "node", required_argument, NULL, 'n' },
	{ "export", required_argument, NULL, 'e' },
	{ "import", required_argument, NULL, 'i' },
	{ "delivery", required_argument, NULL, 'd' },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "stream-replicas", required_argument, NULL, OPT_STREAM_REPLICAS },
	{ "stream-max-age", required_argument, NULL, OPT_STREAM_MAX_AGE },
	{ "group", required_argument, NULL, 'g' },
	{ "fanout", no_argument, NULL, OPT_FANOUT },
	{ "create", no_argument, NULL, OPT_CREATE },
	{ "capacity", required_argument, NULL, OPT_CAPACITY },
	{ "max-msg-size", required_argument, NULL, OPT_MAX_MSG_SIZE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "creds", required_argument, NULL, OPT_CREDS },
	{ "tls-name", required_argument, NULL, OPT_TLS_NAME },
	{ "call-timeout", required_argument, NULL, OPT_CALL_TIMEOUT },
	{ "call-workers", required_argument, NULL, OPT_CALL_WORKERS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void bridge_fail(struct bridge *b, int code)
{
	if (!__atomic_exchange_n(&b->stop, 1, __ATOMIC_SEQ_CST))
		b->exit_code = code;
}

bool bridge_sleep(struct bridge *b, unsigned int ms)
{
	while (ms && !b->stop) {
		unsigned int slice = ms < 50 ? ms : 50;
		struct timespec ts = { 0, (long)slice * 1000000L };

		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return !b->stop;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bridge_now_real(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t bridge_mono_to_real(uint64_t mono_ns)
{
	uint64_t now_mono = clock_ns(CLOCK_MONOTONIC), now_real = clock_ns(CLOCK_REALTIME);
	uint64_t age = now_mono > mono_ns ? now_mono - mono_ns : 0;

	return now_real > age ? now_real - age : 0;
}

static void read_boot_id(char *buf, size_t len)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		/* No /proc: the start time tells restarts apart all the same. */
		snprintf(buf, len, "t%llu", (unsigned long long)bridge_now_real());
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "msgport-bridge: %s\nTry 'msgport-bridge --help'.\n", line);
	return EXIT_USAGE;
}

static int set_opt(char **dst, const char *val)
{
	free(*dst);
	*dst = strdup(val);
	return *dst ? 0 : -ENOMEM;
}

static int parse_options(int argc, char **argv, struct bridge_config *cfg, char **config_file)
{
	char err[512];
	uint32_t v;
	int c;

	while ((c = getopt_long(argc, argv, "c:s:n:e:i:d:g:vhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (set_opt(config_file, optarg))
				return EXIT_FAIL;
			break;
		case 's':
			if (set_opt(&cfg->nats, optarg))
				return EXIT_FAIL;
			break;
		case 'n':
			if (set_opt(&cfg->node, optarg))
				return EXIT_FAIL;
			break;
		case 'e':
			if (cfg_add_export(cfg, optarg, err, sizeof(err)))
				return usage_error("%s", err);
			break;
		case 'i':
			if (cfg_add_import(cfg, optarg, err, sizeof(err)))
				return usage_error("%s", err);
			break;
		case 'd':
			if (!strcmp(optarg, "core"))
				cfg->delivery = CFG_DELIVERY_CORE;
			else if (!strcmp(optarg, "jetstream"))
				cfg->delivery = CFG_DELIVERY_JETSTREAM;
			else
				return usage_error("--delivery: core or jetstream, not \"%s\"",
						   optarg);
			break;
		case OPT_STREAM:
			if (set_opt(&cfg->stream, optarg))
				return EXIT_FAIL;
			break;
		case OPT_STREAM_REPLICAS:
			if (parse_u32(optarg, 1, CFG_STREAM_REPLICAS_MAX, &v))
				return usage_error("--stream-replicas: 1 to %d, not \"%s\"",
						   CFG_STREAM_REPLICAS_MAX, optarg);
			cfg->stream_replicas = (int)v;
			break;
		case OPT_STREAM_MAX_AGE: {
			int64_t age;

			if (cfg_parse_duration(optarg, &age))
				return usage_error("--stream-max-age: N[s|m|h|d], not \"%s\"",
						   optarg);
			cfg->stream_max_age_s = age;
			break;
		}
		case 'g':
			if (cfg->fanout == 1)
				return usage_error("--group and --fanout exclude each other");
			if (set_opt(&cfg->group, optarg))
				return EXIT_FAIL;
			cfg->fanout = 0;
			break;
		case OPT_FANOUT:
			if (cfg->group)
				return usage_error("--group and --fanout exclude each other");
			cfg->fanout = 1;
			break;
		case OPT_CREATE:
			cfg->create = 1;
			break;
		case OPT_CAPACITY:
			if (parse_capacity(optarg, &v))
				return usage_error("--capacity: bad value \"%s\"", optarg);
			cfg->capacity = v;
			break;
		case OPT_MAX_MSG_SIZE:
			if (parse_size(optarg, &v))
				return usage_error("--max-msg-size: bad size \"%s\"", optarg);
			cfg->max_msg_size = v;
			break;
		case OPT_MODE:
			if (parse_mode(optarg, &v))
				return usage_error("--mode: bad octal mode \"%s\"", optarg);
			cfg->mode = v;
			break;
		case OPT_TLS_CA:
			if (set_opt(&cfg->tls_ca, optarg))
				return EXIT_FAIL;
			break;
		case OPT_TLS_CERT:
			if (set_opt(&cfg->tls_cert, optarg))
				return EXIT_FAIL;
			break;
		case OPT_TLS_KEY:
			if (set_opt(&cfg->tls_key, optarg))
				return EXIT_FAIL;
			break;
		case OPT_CREDS:
			if (set_opt(&cfg->creds, optarg))
				return EXIT_FAIL;
			break;
		case OPT_TLS_NAME:
			if (set_opt(&cfg->tls_name, optarg))
				return EXIT_FAIL;
			break;
		case OPT_CALL_TIMEOUT:
			if (parse_u32(optarg, 1, INT32_MAX, &v))
				return usage_error("--call-timeout: milliseconds, not \"%s\"",
						   optarg);
			cfg->call_timeout_ms = v;
			break;
		case OPT_CALL_WORKERS:
			if (parse_u32(optarg, 1, 1024, &v))
				return usage_error("--call-workers: 1..1024, not \"%s\"", optarg);
			cfg->call_workers = (int)v;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			printf("msgport-bridge %s\n", MSGPORT_BRIDGE_VERSION);
			return -1;
		default:
			fprintf(stderr, "Try 'msgport-bridge --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	return 0;
}

/* Waits for SIGTERM/SIGINT (blocked in every thread) or a failing thread. */
static void wait_for_stop(struct bridge *b, const sigset_t *set)
{
	while (!b->stop) {
		struct timespec ts = { 0, 200 * 1000000L };
		int sig = sigtimedwait(set, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT) {
			log_info("stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			bridge_fail(b, 0);
		}
	}
}

int main(int argc, char **argv)
{
	struct bridge_config cfg;
	struct bridge b;
	char *config_file = NULL;
	char host[256], err[512];
	sigset_t set;
	int ret;

	cfg_init(&cfg);
	ret = parse_options(argc, argv, &cfg, &config_file);
	if (ret) {
		cfg_free(&cfg);
		free(config_file);
		return ret < 0 ? 0 : ret;
	}
	if (config_file) {
		ret = cfg_load_file(&cfg, config_file, err, sizeof(err));
		free(config_file);
		if (ret) {
			fprintf(stderr, "msgport-bridge: error: %s\n", err);
			cfg_free(&cfg);
			return EXIT_USAGE;
		}
	}
	if (gethostname(host, sizeof(host)) || !host[0])
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	/* A hostname's dots are not allowed in node names: keep its first label. */
	host[strcspn(host, ".")] = '\0';
	ret = cfg_finish(&cfg, host, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "msgport-bridge: error: %s\n", ret == -ENOMEM ? "out of memory" : err);
		cfg_free(&cfg);
		return ret == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	log_set_verbose(cfg.verbose);

	/* Before any thread exists (nats.c's too): they all inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&b, 0, sizeof(b));
	b.cfg = &cfg;
	b.origin = hdr_fnv1a64(cfg.node);
	read_boot_id(b.boot_id, sizeof(b.boot_id));
	ret = msgport_open(NULL, &b.mp);
	if (ret) {
		log_error("cannot open the msgport device: %s", msgport_strerror(ret));
		cfg_free(&cfg);
		return EXIT_FAIL;
	}
	log_info("node %s, %zu export(s), %zu import(s)", cfg.node, cfg.nexports, cfg.nimports);

	ret = bn_connect(&b);
	if (ret) {
		bridge_fail(&b, ret);
		goto out;
	}
	/* The first connection (retried forever), or a signal meanwhile. */
	while (!b.stop && !bn_connected(&b)) {
		struct timespec ts = { 0, 100 * 1000000L };
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT)
			bridge_fail(&b, 0);
	}
	if (b.stop)
		goto out;
	ret = exp_prepare(&b);
	if (ret) {
		bridge_fail(&b, ret);
		goto out;
	}
	if (call_pool_start(&b, cfg.call_workers)) {
		log_error("cannot start the call workers");
		bridge_fail(&b, EXIT_FAIL);
		goto out;
	}
	ret = imp_start(&b);
	if (!ret)
		ret = exp_start(&b);
	if (ret)
		bridge_fail(&b, ret);
	wait_for_stop(&b, &set);
out:
	/*
	 * Stop receiving from the exported mailboxes; drain the request
	 * subscriptions and let the import-side workers answer what came;
	 * then drain the connection (the core subscriptions deliver what they
	 * hold, the publishes go out); then the export-side calls end (their
	 * callers get an error if no reply came); then return the leases.
	 */
	exp_stop(&b);
	if (b.conn)
		imp_stop(&b, 5000);
	bn_drain(&b, 5000);
	call_pool_stop(&b);
	exp_free(&b);
	imp_free(&b);
	bn_destroy(&b);
	/* Only now: until the connection is gone a late callback may reach them. */
	call_pool_free(&b);
	imp_release(&b);
	msgport_close(b.mp);
	log_info("stopped (exit %d)", b.exit_code);
	cfg_free(&cfg);
	return b.exit_code;
}
