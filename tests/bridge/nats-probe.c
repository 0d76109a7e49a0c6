// SPDX-License-Identifier: GPL-2.0
/*
 * nats-probe: the NATS side of make check-bridge's readiness checks, with
 * nats.c alone (no msgport): is a server reachable, is JetStream ready.
 *
 *   nats-probe [--wait SECONDS] [--replicas N] [--tls-ca FILE] ping URLS
 *       connect to one of URLS (comma-separated), retrying until --wait runs out
 *   nats-probe [--wait SECONDS] [--replicas N] mkstream URLS NAME SUBJECT[,SUBJECT...]
 *       make sure stream NAME exists with N replicas (file storage, a 2 min
 *       duplicate window, as msgport-bridge makes it) and SUBJECTs
 *   nats-probe [--wait SECONDS] [--replicas N] [--tls-ca FILE] js URLS
 *       create a stream (N replicas, file storage), publish a message with a
 *       PubAck, read it back through a durable pull consumer, ack it, delete
 *       the stream; retried as a whole until --wait runs out (a JetStream
 *       cluster answers "no meta leader" for a while after its start)
 *
 * Exit: 0 done, 1 not within --wait (the last error said), 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

static const char *prog = "nats-probe";

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [--wait SECONDS] [--replicas N] [--tls-ca FILE] ping|js URL[,URL...]\n"
		   "       %s [--wait SECONDS] [--replicas N] mkstream URL[,URL...] NAME SUBJECT[,SUBJECT...]\n"
		   "  ping      connect to a server (retry until --wait, default 60 s)\n"
		   "  js        create a stream, publish with a PubAck, fetch it back, delete it\n"
		   "  mkstream  make sure stream NAME exists (file storage, 2 min duplicate window)\n",
		prog, prog);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char errbuf[512];

static natsStatus connect_to(natsConnection **nc, char *urls, const char *ca)
{
	natsOptions *opts = NULL;
	const char *list[16];
	int n = 0;
	char *save = NULL, *u;
	natsStatus s;

	for (u = strtok_r(urls, ",", &save); u && n < 16; u = strtok_r(NULL, ",", &save))
		list[n++] = u;
	s = natsOptions_Create(&opts);
	if (s == NATS_OK)
		s = natsOptions_SetServers(opts, list, n);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(opts, 5000);
	if (s == NATS_OK && ca)
		s = natsOptions_LoadCATrustedCertificates(opts, ca);
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, opts);
	if (s != NATS_OK)
		snprintf(errbuf, sizeof(errbuf), "connect: %s", natsStatus_GetText(s));
	natsOptions_Destroy(opts);
	return s;
}

static int mkstream(natsConnection *nc, int replicas, const char *name, char *subjects)
{
	jsCtx *js = NULL;
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	const char *list[16];
	char *save = NULL, *u, *copy = strdup(subjects);
	int n = 0;
	natsStatus s;

	if (!copy)
		return -1;
	for (u = strtok_r(copy, ",", &save); u && n < 16; u = strtok_r(NULL, ",", &save))
		list[n++] = u;
	s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK) {
		jsStreamConfig_Init(&cfg);
		cfg.Name = name;
		cfg.Subjects = list;
		cfg.SubjectsLen = n;
		cfg.Storage = js_FileStorage;
		cfg.Replicas = replicas;
		cfg.Duplicates = 120LL * 1000000000LL;
		s = js_AddStream(&si, js, &cfg, NULL, &jerr);
		if (s != NATS_OK && jerr == JSStreamNameExistErr)
			s = js_UpdateStream(&si, js, &cfg, NULL, &jerr);
	}
	if (s == NATS_OK)
		printf("%s: mkstream: stream %s with %d replica(s) ready\n", prog, name, replicas);
	else
		snprintf(errbuf, sizeof(errbuf), "mkstream %s: %s (JetStream error %d)", name,
			 natsStatus_GetText(s), (int)jerr);
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	free(copy);
	return s == NATS_OK ? 0 : -1;
}

static int js_roundtrip(natsConnection *nc, int replicas)
{
	jsCtx *js = NULL;
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsSubscription *sub = NULL;
	natsMsgList list = { 0 };
	const char *subjects[] = { "natsprobe.>" };
	const char *payload = "nats-probe";
	natsStatus s;
	int ok = 0;

	s = natsConnection_JetStream(&js, nc, NULL);
	if (s != NATS_OK)
		goto out;
	js_DeleteStream(js, "NATSPROBE", NULL, &jerr);	/* a left-over of a failed try */
	jsStreamConfig_Init(&cfg);
	cfg.Name = "NATSPROBE";
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = replicas;
	s = js_AddStream(&si, js, &cfg, NULL, &jerr);
	if (s != NATS_OK)
		goto out;
	s = js_Publish(&pa, js, "natsprobe.x", payload, (int)strlen(payload), NULL, &jerr);
	if (s != NATS_OK)
		goto out;
	s = js_PullSubscribe(&sub, js, "natsprobe.x", "natsprobe", NULL, NULL, &jerr);
	if (s != NATS_OK)
		goto out;
	s = natsSubscription_Fetch(&list, sub, 1, 10000, &jerr);
	if (s != NATS_OK)
		goto out;
	if (list.Count != 1 || natsMsg_GetDataLength(list.Msgs[0]) != (int)strlen(payload) ||
	    memcmp(natsMsg_GetData(list.Msgs[0]), payload, strlen(payload))) {
		snprintf(errbuf, sizeof(errbuf), "js: fetched %d message(s), not the one published",
			 list.Count);
		goto done;
	}
	s = natsMsg_AckSync(list.Msgs[0], NULL, &jerr);
	if (s != NATS_OK)
		goto out;
	printf("%s: js: stream of %d replica(s) created, message published (seq %llu) and fetched\n",
	       prog, replicas, (unsigned long long)pa->Sequence);
	ok = 1;
out:
	if (!ok)
		snprintf(errbuf, sizeof(errbuf), "js: %s (JetStream error %d)", natsStatus_GetText(s),
			 (int)jerr);
done:
	natsMsgList_Destroy(&list);
	if (sub) {
		natsSubscription_Unsubscribe(sub);
		natsSubscription_Destroy(sub);
	}
	jsPubAck_Destroy(pa);
	jsStreamInfo_Destroy(si);
	if (js) {
		js_DeleteStream(js, "NATSPROBE", NULL, &jerr);
		jsCtx_Destroy(js);
	}
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "tls-ca", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double wait_s = 60, deadline;
	int replicas = 1, c, tries = 0;
	const char *ca = NULL, *cmd;
	char *urls;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'w': wait_s = atof(optarg); break;
		case 'r': replicas = atoi(optarg); break;
		case 'c': ca = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (replicas < 1 || wait_s <= 0 || argc - optind < 2 ||
	    (!strcmp(argv[optind], "mkstream") ? argc - optind != 4 :
	     argc - optind != 2 || (strcmp(argv[optind], "ping") && strcmp(argv[optind], "js")))) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	deadline = now_s() + wait_s;
	for (;;) {
		natsConnection *nc = NULL;
		int ok = 0;

		urls = strdup(argv[optind + 1]);
		if (!urls)
			return 1;
		tries++;
		if (connect_to(&nc, urls, ca) == NATS_OK) {
			if (!strcmp(cmd, "ping")) {
				char url[256] = "";

				natsConnection_GetConnectedUrl(nc, url, sizeof(url));
				printf("%s: ping: connected to %s\n", prog, url);
				ok = 1;
			} else if (!strcmp(cmd, "mkstream")) {
				ok = mkstream(nc, replicas, argv[optind + 2], argv[optind + 3]) == 0;
			} else {
				ok = js_roundtrip(nc, replicas) == 0;
			}
			natsConnection_Destroy(nc);
		}
		free(urls);
		if (ok)
			break;
		if (now_s() > deadline) {
			fprintf(stderr, "%s: %s: not ready after %.0f s (%d tries): %s\n", prog, cmd,
				wait_s, tries, errbuf);
			nats_Close();
			return 1;
		}
		usleep(500000);
	}
	nats_Close();
	return 0;
}
