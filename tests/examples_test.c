// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "examples": the example programs of examples/ against the module,
 * as a user runs them (from PATH, where the VM puts $(O)/examples).
 *
 * example-epoll-server: one thread serving several mailboxes and its inbox
 * with epoll.  Clients in other processes call each mailbox and the inbox
 * at once and must each get their own answer; plain messages, queued before
 * the server started or sent while it runs, must all be served; a "quit"
 * call or SIGTERM must end it with status 0 and its summary line.
 */
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgport_test.h"

#define CALL_NS (20LL * 1000000000LL)

struct server {
	pid_t pid;		/* its process: the inbox's address */
	int out;		/* the read end of its standard output */
	char pid_file[64];
};

struct server_args {
	const char *pid_file;
	const char *names[3];
	int out;		/* the write end of the output pipe */
};

static int server_exec(void *arg)
{
	const struct server_args *a = arg;

	if (dup2(a->out, STDOUT_FILENO) < 0)
		return 126;
	execlp("example-epoll-server", "example-epoll-server", "--pid-file", a->pid_file,
	       a->names[0], a->names[1], a->names[2], (char *)NULL);
	fprintf(stderr, "example-epoll-server: exec: %s\n", strerror(errno));
	return 127;
}

/* Starts the server on names (NULL-terminated, up to 3) and waits until it is ready. */
static void server_start(struct server *s, const char *n0, const char *n1)
{
	struct server_args a = { .names = { n0, n1, NULL } };
	int p[2], i;
	FILE *f;

	snprintf(s->pid_file, sizeof(s->pid_file), "/tmp/epoll-server.%d", (int)getpid());
	unlink(s->pid_file);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	a.pid_file = s->pid_file;
	a.out = p[1];
	s->pid = tu_fork(server_exec, &a);
	close(p[1]);
	s->out = tu_track_fd(p[0]);

	/* The pid file appears once every mailbox and the inbox are open. */
	for (i = 0; i < TU_AWAIT_MS / 10; i++) {
		struct stat st;

		if (!stat(s->pid_file, &st) && st.st_size > 0)
			break;
		usleep(10000);
	}
	f = fopen(s->pid_file, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &i), 1);
	fclose(f);
	unlink(s->pid_file);
	assert_int_equal(i, s->pid);
}

/* Waits for the server's exit (asserting status 0) and returns its output. */
static void server_finish(struct server *s, char *out, size_t outlen)
{
	size_t got = 0;
	ssize_t n;

	assert_int_equal(tu_join(s->pid), 0);
	while (got + 1 < outlen && (n = read(s->out, out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	tu_close_fd(s->out);
}

static void assert_output_has(const char *out, const char *line)
{
	if (!strstr(out, line))
		fail_msg("server output lacks \"%s\":\n%s", line, out);
}

static void upper(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

/* A client: one call, to a mailbox (name) or to the server's inbox (pid). */
struct client {
	const char *name;	/* NULL: the inbox of pid */
	pid_t pid;
	const char *request;
	char expect[320];
};

static int client_call(void *arg)
{
	const struct client *c = arg;
	struct msgport_mailbox *mb = NULL;
	struct msgport_msginfo info;
	struct msgport *mp;
	char reply[512];
	ssize_t n;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	if (c->name) {
		CHILD_CHECK(msgport_mailbox_open(mp, c->name, MSGPORT_O_SEND, NULL, &mb) == 0);
		n = msgport_call(mb, c->request, strlen(c->request), reply, sizeof(reply), 0, 0,
				 CALL_NS, &info);
		msgport_mailbox_close(mb);
	} else {
		n = msgport_call_pid(mp, c->pid, c->request, strlen(c->request), reply,
				     sizeof(reply), 0, 0, CALL_NS, &info);
	}
	msgport_close(mp);
	if (n < 0)
		fprintf(stderr, "client %d: call: %s\n", (int)getpid(), msgport_strerror((int)n));
	CHILD_CHECK(n >= 0);
	CHILD_CHECK((size_t)n == strlen(c->expect) && !memcmp(reply, c->expect, (size_t)n));
	CHILD_CHECK(info.pid == c->pid);
	return 0;
}

/*
 * Two mailboxes and the inbox: messages queued before the server started,
 * three clients calling at once (one per source), a synchronous message to
 * the inbox, then "quit" as a call.
 */
static void test_epoll_server_serves(void **state)
{
	const char *a = tu_name("epa"), *b = tu_name("epb");
	struct msgport_mailbox *mba = tu_create(a, 8, 0, 0666, 0);
	struct msgport_mailbox *mbb = tu_create(b, 8, 0, 0666, 0);
	struct client c[3] = {
		{ .name = a, .request = "one" },
		{ .name = b, .request = "two" },
		{ .name = NULL, .request = "three" },
	};
	char ua[128], ub[128], out[4096], line[512], reply[64];
	struct msgport_msginfo info;
	pid_t kids[3];
	struct server s;
	ssize_t n;
	int i;

	assert_int_equal(msgport_send(mba, "early-a", 7, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mbb, "early-b", 7, 3, 0, MSGPORT_WAIT_FOREVER, NULL), 0);

	server_start(&s, a, b);
	/* The messages queued before it started are served first. */
	assert_await(mba, TU_QUEUED_MSGS, 0);
	assert_await(mbb, TU_QUEUED_MSGS, 0);

	upper(ua, a, sizeof(ua));
	upper(ub, b, sizeof(ub));
	snprintf(c[0].expect, sizeof(c[0].expect), "%s: ONE", ua);
	snprintf(c[1].expect, sizeof(c[1].expect), "%s: TWO", ub);
	snprintf(c[2].expect, sizeof(c[2].expect), "INBOX: THREE");
	for (i = 0; i < 3; i++) {
		c[i].pid = s.pid;
		kids[i] = tu_fork(client_call, &c[i]);
	}
	for (i = 0; i < 3; i++)
		assert_child_ok(kids[i]);

	/* A plain message to the inbox, by pid: returns once the server took it. */
	assert_int_equal(msgport_send_pid(tu_mp(), s.pid, "late", 4, 0, MSGPORT_F_SYNC, CALL_NS,
					  NULL), 0);

	/* "quit" as a call: answered "bye", then the server ends. */
	n = msgport_call(mbb, "quit", 4, reply, sizeof(reply), 0, 0, CALL_NS, &info);
	assert_int_equal(n, 3);
	assert_memory_equal(reply, "bye", 3);
	assert_int_equal(info.pid, s.pid);

	server_finish(&s, out, sizeof(out));
	snprintf(line, sizeof(line), "serving 2 mailboxes and the inbox of pid %d\n", (int)s.pid);
	assert_output_has(out, line);
	snprintf(line, sizeof(line), "%s: message from pid %d: early-a\n", a, (int)getpid());
	assert_output_has(out, line);
	snprintf(line, sizeof(line), "%s: message from pid %d: early-b\n", b, (int)getpid());
	assert_output_has(out, line);
	snprintf(line, sizeof(line), "inbox: message from pid %d: late\n", (int)getpid());
	assert_output_has(out, line);
	assert_output_has(out, "quit: served 3 messages and 4 calls\n");

	/* It closed its inbox on the way out, and its process is gone. */
	assert_int_equal(msgport_send_pid(tu_mp(), s.pid, "x", 1, 0, MSGPORT_F_NONBLOCK,
					  MSGPORT_WAIT_FOREVER, NULL), -ESRCH);
}

/* SIGTERM (through its signalfd) ends the server cleanly; so does a plain "quit". */
static void test_epoll_server_stops(void **state)
{
	const char *a = tu_name("eps");
	struct msgport_mailbox *mb = tu_create(a, 8, 0, 0666, 0);
	struct client c = { .name = a, .request = "ping" };
	char ua[128], out[4096];
	struct server s;
	pid_t kid;

	server_start(&s, a, NULL);
	upper(ua, a, sizeof(ua));
	snprintf(c.expect, sizeof(c.expect), "%s: PING", ua);
	c.pid = s.pid;
	kid = tu_fork(client_call, &c);
	assert_child_ok(kid);
	/* Idle in epoll_wait now (or about to be): the signal must wake it. */
	assert_int_equal(kill(s.pid, SIGTERM), 0);
	server_finish(&s, out, sizeof(out));
	assert_output_has(out, "SIGTERM: served 0 messages and 1 calls\n");

	/* A plain "quit" message, queued before it started: it serves nothing more. */
	assert_int_equal(msgport_send(mb, "quit", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	server_start(&s, a, NULL);
	server_finish(&s, out, sizeof(out));
	assert_output_has(out, "quit: served 1 messages and 0 calls\n");
}

static const struct CMUnitTest examples_tests[] = {
	TU_TEST(test_epoll_server_serves),
	TU_TEST(test_epoll_server_stops),
};

MSGPORT_SUITE(examples_suite, MSGPORT_GROUP_MODULE, 1800, "examples",
	      "the example programs: example-epoll-server's clients get their answers",
	      examples_tests);
