// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: the NATS connection.  Options (servers, TLS, credentials,
 * reconnect forever every 250 ms, retry a failed first connect), one log line
 * per state change, the JetStream context, and the glue between natsMsg
 * headers and struct hdr_meta (headers.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

#include "bridge.h"

struct bn_conn {
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;
};

void *bn_nc(struct bridge *b)
{
	return b->conn ? b->conn->nc : NULL;
}

void *bn_js(struct bridge *b)
{
	return b->conn ? b->conn->js : NULL;
}

int bn_errno(int status)
{
	switch ((natsStatus)status) {
	case NATS_OK:
		return 0;
	case NATS_TIMEOUT:
		return ETIMEDOUT;
	case NATS_NO_RESPONDERS:
		return EHOSTUNREACH;
	case NATS_CONNECTION_CLOSED:
	case NATS_CONNECTION_DISCONNECTED:
	case NATS_NOT_YET_CONNECTED:
	case NATS_DRAINING:
		return ENOTCONN;
	case NATS_NO_MEMORY:
		return ENOMEM;
	case NATS_MAX_PAYLOAD:
		return EMSGSIZE;
	case NATS_NOT_FOUND:
		return ENOENT;
	default:
		return EIO;
	}
}

const char *bn_status_text(int status)
{
	return natsStatus_GetText((natsStatus)status);
}

int bn_request_subject(char *buf, size_t len, const char *subject)
{
	size_t n = strlen(BN_REQUEST_PREFIX) + strlen(subject);

	if (n >= len)
		return -ENAMETOOLONG;
	strcpy(buf, BN_REQUEST_PREFIX);
	strcat(buf, subject);
	return 0;
}

static void log_url(natsConnection *nc, const char *what)
{
	char url[512];

	char safe[512];

	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK || !url[0])
		strcpy(url, "(unknown)");
	cfg_url_redact(url, safe, sizeof(safe));
	log_info("nats: %s %s", what, safe);
}

static void on_connected(natsConnection *nc, void *closure)
{
	log_url(nc, "connected to");
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	log_warning("nats: disconnected");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
	log_url(nc, "reconnected to");
}

static volatile int bn_closed;

static void on_closed(natsConnection *nc, void *closure)
{
	struct bridge *b = closure;

	bn_closed = 1;
	if (b->stop) {
		log_info("nats: closed");
		return;
	}
	/*
	 * Reconnects are forever: the library closes the connection for
	 * good only when it gives up (an authorization refused on every
	 * server, say).  A bridge with no connection does nothing: exit 1,
	 * for systemd to restart it.
	 */
	{
		const char *why = NULL;

		if (natsConnection_GetLastError(nc, &why) == NATS_OK || !why || !*why)
			why = "the client library gave up";
		log_error("nats: closed for good (%s): stopping", why);
	}
	bridge_fail(b, 1);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
	if (err == NATS_SLOW_CONSUMER)
		log_warning("nats: slow consumer on %s: messages dropped by the client library "
			    "(core delivery is at most once)",
			    sub && natsSubscription_GetSubject(sub) ?
			    natsSubscription_GetSubject(sub) : "?");
	else
		log_warning("nats: error: %s", natsStatus_GetText(err));
}

static int set_servers(natsOptions *opts, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	const char *urls[64];
	int n = 0;
	natsStatus s;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && n < 64; tok = strtok_r(NULL, ",", &save))
		urls[n++] = tok;
	if (!n) {
		free(copy);
		return -EINVAL;
	}
	s = natsOptions_SetServers(opts, urls, n);
	free(copy);
	return s == NATS_OK ? 0 : -EINVAL;
}

/* Options; a failure here is the configuration's (exit 2). */
static int make_options(struct bridge *b, natsOptions **optsp)
{
	const struct bridge_config *cfg = b->cfg;
	natsOptions *opts;
	natsStatus s;

	if (natsOptions_Create(&opts) != NATS_OK)
		return -ENOMEM;
	if (set_servers(opts, cfg->nats)) {
		char safe[1024];

		cfg_url_redact(cfg->nats, safe, sizeof(safe));
		log_error("bad NATS server list \"%s\": %s", safe,
			  nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "invalid");
		goto bad;
	}
	natsOptions_SetName(opts, cfg->node);
	natsOptions_SetMaxReconnect(opts, -1);
	natsOptions_SetReconnectWait(opts, 250);
	natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, b);
	natsOptions_SetDisconnectedCB(opts, on_disconnected, b);
	natsOptions_SetReconnectedCB(opts, on_reconnected, b);
	natsOptions_SetClosedCB(opts, on_closed, b);
	natsOptions_SetErrorHandler(opts, on_error, b);
	if (cfg->tls_ca) {
		s = natsOptions_LoadCATrustedCertificates(opts, cfg->tls_ca);
		if (s == NATS_OK)
			s = natsOptions_SetSecure(opts, true);
		if (s != NATS_OK) {
			log_error("tls-ca %s: %s", cfg->tls_ca, nats_GetLastError(NULL));
			goto bad;
		}
	}
	if (cfg->tls_cert) {
		s = natsOptions_LoadCertificatesChain(opts, cfg->tls_cert, cfg->tls_key);
		if (s == NATS_OK)
			s = natsOptions_SetSecure(opts, true);
		if (s != NATS_OK) {
			log_error("tls-cert %s / tls-key %s: %s", cfg->tls_cert, cfg->tls_key,
				  nats_GetLastError(NULL));
			goto bad;
		}
	}
	if (cfg->tls_ca || cfg->tls_cert || cfg->tls_name || strstr(cfg->nats, "tls://")) {
		/* The server certificate must name the server (no man in the middle). */
		char host[256];
		const char *name = cfg->tls_name;

		if (!name) {
			/*
			 * nats.c checks every server's certificate against this
			 * one name: the first URL's host would fail the others
			 * when the list names several hosts.
			 */
			int ret = cfg_url_common_host(cfg->nats, host, sizeof(host));

			if (ret == -ENOTUNIQ) {
				log_error("tls: the NATS URLs name more than one host and every "
					  "server's certificate is checked against one name: give "
					  "--tls-name (tls-name) with the name they all carry");
				goto bad;
			}
			if (ret) {
				log_error("cannot tell the host of the NATS URLs for TLS: "
					  "give --tls-name");
				goto bad;
			}
			name = host;
		}
		if (natsOptions_SetExpectedHostname(opts, name) != NATS_OK) {
			log_error("tls-name %s: %s", name, nats_GetLastError(NULL));
			goto bad;
		}
		log_info("tls: the servers' certificates must name %s", name);
	}
	if (cfg->creds) {
		if (access(cfg->creds, R_OK)) {
			log_error("creds %s: %s", cfg->creds, strerror(errno));
			goto bad;
		}
		s = natsOptions_SetUserCredentialsFromFiles(opts, cfg->creds, NULL);
		if (s != NATS_OK) {
			log_error("creds %s: %s", cfg->creds, nats_GetLastError(NULL));
			goto bad;
		}
	}
	*optsp = opts;
	return 0;
bad:
	natsOptions_Destroy(opts);
	return -EINVAL;
}

int bn_connect(struct bridge *b)
{
	struct bn_conn *c = calloc(1, sizeof(*c));
	char safe[1024];
	natsStatus s;
	int ret;

	if (!c)
		return 1;
	cfg_url_redact(b->cfg->nats, safe, sizeof(safe));
	ret = make_options(b, &c->opts);
	if (ret) {
		free(c);
		return 2;
	}
	b->conn = c;
	s = natsConnection_Connect(&c->nc, c->opts);
	if (s == NATS_OK) {
		log_url(c->nc, "connected to");
	} else if (s == NATS_NOT_YET_CONNECTED) {
		log_warning("nats: not connected to %s yet: retrying", safe);
	} else {
		log_error("nats: cannot connect to %s: %s", safe,
			  nats_GetLastError(NULL) ? nats_GetLastError(NULL) :
			  natsStatus_GetText(s));
		return 1;
	}
	if (natsConnection_JetStream(&c->js, c->nc, NULL) != NATS_OK) {
		log_error("nats: no JetStream context: %s", nats_GetLastError(NULL));
		return 1;
	}
	return 0;
}

bool bn_connected(struct bridge *b)
{
	return natsConnection_Status(b->conn->nc) == NATS_CONN_STATUS_CONNECTED;
}

int64_t bn_max_payload(struct bridge *b)
{
	return natsConnection_GetMaxPayload(b->conn->nc);
}

void bn_drain(struct bridge *b, int64_t timeout_ms)
{
	natsConnection *nc = b->conn ? b->conn->nc : NULL;
	int64_t waited = 0;

	if (!nc)
		return;
	if (natsConnection_DrainTimeout(nc, timeout_ms) != NATS_OK) {
		natsConnection_Close(nc);
		return;
	}
	while (!natsConnection_IsClosed(nc) && waited < timeout_ms + 1000) {
		usleep(20000);
		waited += 20;
	}
	if (!natsConnection_IsClosed(nc))
		natsConnection_Close(nc);
	/* The closed callback runs on its own thread: let it log. */
	for (waited = 0; !bn_closed && waited < 1000; waited += 20)
		usleep(20000);
}

void bn_destroy(struct bridge *b)
{
	struct bn_conn *c = b->conn;

	if (!c)
		return;
	jsCtx_Destroy(c->js);
	natsConnection_Destroy(c->nc);
	natsOptions_Destroy(c->opts);
	free(c);
	b->conn = NULL;
	nats_CloseAndWait(2000);
}

int bn_msg_set_meta(void *msg, const struct hdr_meta *m)
{
	struct hdr_field f[HDR_FIELDS_MAX];
	int n = hdr_encode(m, f), i;

	for (i = 0; i < n; i++)
		if (natsMsgHeader_Set(msg, f[i].key, f[i].value) != NATS_OK)
			return -ENOMEM;
	return 0;
}

static const char *get_header(void *ctx, const char *key)
{
	const char *val = NULL;

	if (natsMsgHeader_Get(ctx, key, &val) != NATS_OK)
		return NULL;
	return val;
}

int bn_msg_get_meta(void *msg, struct hdr_meta *m)
{
	return hdr_decode(m, get_header, msg);
}
