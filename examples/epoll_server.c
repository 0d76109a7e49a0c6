// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An event loop: one thread serves several named mailboxes and its own
 * inbox with epoll(7), the way a daemon serves sockets.  Mailbox and inbox
 * descriptors are pollable (EPOLLIN while a message is queued), and the
 * signals that stop the server come through a signalfd(2) in the same epoll
 * set, so the loop never blocks anywhere but in epoll_wait(2).
 *
 *   example-epoll-server [--pid-file FILE] NAME...
 *
 * Opens (creating them if needed, mode 0666) the mailboxes NAME... for
 * receiving, and its inbox (mode 0622: anyone may send to it by pid).
 * Then, for every message, on whichever descriptor it comes:
 *   - a call (MSGPORT_MSG_CALL) is answered with "SOURCE: REQUEST" upper-cased,
 *     SOURCE being the mailbox's name or "inbox";
 *   - a plain message is printed: "SOURCE: message from pid P: TEXT";
 *   - "quit", as a message or a call (answered "bye"), ends the loop.
 * SIGINT or SIGTERM ends it too.  Either way it closes everything and says
 * how many messages and calls it served, and exits 0.  The pid file, written
 * once everything is open, tells clients the server is ready and where its
 * inbox is: `msgport call --pid $(cat FILE) hello`.
 *
 * Try it:
 *   example-epoll-server --pid-file /tmp/srv.pid jobs logs &
 *   msgport call jobs 'hello'             # JOBS: HELLO
 *   msgport send logs 'a note'            # printed by the server
 *   msgport call --pid $(cat /tmp/srv.pid) 'direct'   # INBOX: DIRECT
 *   msgport send jobs quit                # or: kill $(cat /tmp/srv.pid)
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libmsgport.h>

#define MAX_SOURCES	16
#define MSG_MAX		8192

struct source {
	const char *name;		/* "inbox" for the inbox */
	struct msgport_mailbox *mb;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "example-epoll-server: %s: %s\n", what, msgport_strerror(err));
	return 1;
}

/*
 * Everything queued on one source, without waiting (the descriptor said
 * EPOLLIN; another receiver may have taken the message meanwhile: then
 * -EAGAIN at once).  Returns 1 to quit, 0 to go on, -errno on failure.
 */
static int drain(struct source *s, unsigned long *messages, unsigned long *calls)
{
	static char req[MSG_MAX], rep[MSGPORT_NAME_MAX + 2 + MSG_MAX + 1];
	struct msgport_msginfo info;
	int quit = 0, ret;
	ssize_t n, i;
	size_t len;

	for (;;) {
		n = msgport_recv(s->mb, req, sizeof(req), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 &info);
		if (n == -EAGAIN)
			return quit;
		if (n < 0)
			return (int)n;
		if (n == 4 && !memcmp(req, "quit", 4))
			quit = 1;
		if (!(info.msg_flags & MSGPORT_MSG_CALL)) {
			(*messages)++;
			if (!quit)
				printf("%s: message from pid %d: %.*s\n", s->name, (int)info.pid,
				       (int)n, req);
			continue;
		}
		(*calls)++;
		if (quit) {
			len = (size_t)snprintf(rep, sizeof(rep), "bye");
		} else {
			len = (size_t)snprintf(rep, sizeof(rep), "%s: %.*s", s->name, (int)n, req);
			for (i = 0; i < (ssize_t)len; i++)
				rep[i] = (char)toupper((unsigned char)rep[i]);
		}
		/* Only the caller that sent this token gets the reply. */
		ret = msgport_reply(s->mb, info.token, rep, len);
		if (ret < 0)	/* -ECANCELED: the caller gave up; not our failure */
			fprintf(stderr, "%s: reply to pid %d: %s\n", s->name, (int)info.pid,
				msgport_strerror(ret));
	}
}

int main(int argc, char **argv)
{
	struct msgport_attr attr = { .capacity = 16, .mode = 0666 };
	struct msgport_attr inbox_attr = { .capacity = 16, .mode = 0622 };
	unsigned long messages = 0, calls = 0;
	struct source src[MAX_SOURCES + 1];
	struct epoll_event ev, events[8];
	const char *pid_file = NULL, *why = "quit";
	int nsrc = 0, ep, sfd, i, n, ret, done = 0, status = 0;
	struct signalfd_siginfo si;
	struct msgport *mp;
	sigset_t sigs;
	FILE *f;

	if (argc > 2 && !strcmp(argv[1], "--pid-file")) {
		pid_file = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2 || argc - 1 > MAX_SOURCES) {
		fprintf(stderr, "usage: example-epoll-server [--pid-file FILE] NAME... (1 to %d)\n",
			MAX_SOURCES);
		return 2;
	}

	/*
	 * The signals come through a descriptor, not a handler: blocked, so
	 * that they stay pending for the signalfd.  An ignored signal would
	 * be discarded instead (a shell starts background jobs with SIGINT
	 * ignored), so both get their default disposition back first.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		return die("sigprocmask", -errno);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0)
		return die("signalfd/epoll_create1", -errno);
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)-1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		return die("epoll_ctl", -errno);

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return die("msgport_open", ret);
	for (i = 1; i < argc; i++, nsrc++) {
		src[nsrc].name = argv[i];
		ret = msgport_mailbox_open(mp, argv[i], MSGPORT_O_CREAT | MSGPORT_O_RECV, &attr,
					   &src[nsrc].mb);
		if (ret < 0)
			return die(argv[i], ret);
	}
	src[nsrc].name = "inbox";
	ret = msgport_inbox_open(mp, &inbox_attr, 0, &src[nsrc].mb);
	if (ret < 0)
		return die("inbox", ret);
	nsrc++;
	for (i = 0; i < nsrc; i++) {
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, msgport_mailbox_fd(src[i].mb), &ev) < 0)
			return die("epoll_ctl", -errno);
	}
	if (pid_file) {
		f = fopen(pid_file, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
			return die(pid_file, -errno);
	}
	printf("serving %d mailboxes and the inbox of pid %d\n", nsrc - 1, (int)getpid());
	fflush(stdout);

	while (!done) {
		n = epoll_wait(ep, events, (int)(sizeof(events) / sizeof(events[0])), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			status = die("epoll_wait", -errno);
			break;
		}
		for (i = 0; i < n && !done; i++) {
			uint32_t k = events[i].data.u32;

			if (k == (uint32_t)-1) {
				if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					why = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
					done = 1;
				}
				continue;
			}
			/* EPOLLERR|EPOLLHUP: the mailbox was unlinked (-EIDRM below). */
			ret = drain(&src[k], &messages, &calls);
			if (ret < 0) {
				status = die(src[k].name, ret);
				done = 1;
			} else if (ret) {
				done = 1;
			}
		}
		fflush(stdout);
	}

	for (i = 0; i < nsrc; i++)
		msgport_mailbox_close(src[i].mb);
	msgport_close(mp);
	close(ep);
	close(sfd);
	printf("%s: served %lu messages and %lu calls\n", why, messages, calls);
	return status;
}
