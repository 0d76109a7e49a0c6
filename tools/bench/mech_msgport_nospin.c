// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-nospin: the mailboxes of "msgport" (mech_msgport_mailbox.c) with
 * the module's spinning turned off, so that the table shows what spinning
 * buys (latency) and what it costs (CPU time per round trip).
 *
 * Spinning is global: the module parameter spin_ns (a blocked send or
 * receive spins at most that long on a running peer before it sleeps; 0
 * never spins).  setup() saves its value and writes 0, teardown() writes the
 * saved value back; so does a failed setup, and so does the orchestrator if
 * it is stopped by SIGINT, SIGTERM or SIGHUP in between (the handler
 * restores the value and re-raises the signal; a signal that was ignored
 * stays ignored).  Writing the parameter takes
 * root: a run that cannot write it skips the mechanism (probe), or fails it
 * when it was asked for by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msgport_chan.h"

#define SPIN_PARAM	"/sys/module/msgport/parameters/spin_ns"

/* The value to restore ("1000000\n"), while the orchestrator has spin_ns at 0. */
static char saved[32];
static size_t saved_len;
static volatile sig_atomic_t spin_off;
static struct sigaction old_act[3];
static const int restore_sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static int write_param(const char *val, size_t len)
{
	int fd = open(SPIN_PARAM, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* Async-signal-safe: open, write, close, sigaction, raise. */
static void restore_on_signal(int sig)
{
	int fd, i;

	if (spin_off) {
		fd = open(SPIN_PARAM, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, saved, saved_len) < 0) {
				/* Nothing more can be done on the way out. */
			}
			close(fd);
		}
		spin_off = 0;
	}
	for (i = 0; i < 3; i++)
		if (restore_sigs[i] == sig)
			sigaction(sig, &old_act[i], NULL);
	raise(sig);
}

static int spin_restore(struct bench_chan *ch)
{
	int ret, i;

	if (!spin_off)
		return 0;
	ret = write_param(saved, saved_len);
	spin_off = 0;
	for (i = 0; i < 3; i++)
		sigaction(restore_sigs[i], &old_act[i], NULL);
	if (ret) {
		fprintf(stderr, "msgport-bench: msgport-nospin: cannot restore %s to %.*s: %s\n",
			SPIN_PARAM, (int)strcspn(saved, "\n"), saved, strerror(-ret));
		if (ch)
			bench_chan_note(ch, "could not restore spin_ns (%s)", strerror(-ret));
	}
	return ret;
}

static int spin_off_now(struct bench_chan *ch)
{
	struct sigaction sa;
	int ret, i;

	ret = read_line_file(SPIN_PARAM, saved, sizeof(saved) - 1);
	if (ret)
		return bench_chan_error(ch, ret, "read %s", SPIN_PARAM);
	saved_len = strlen(saved);
	saved[saved_len++] = '\n';
	saved[saved_len] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		/* A signal ignored (a background job's SIGINT) stays ignored. */
		sigaction(restore_sigs[i], NULL, &old_act[i]);
		if (old_act[i].sa_handler != SIG_IGN)
			sigaction(restore_sigs[i], &sa, NULL);
	}
	spin_off = 1;
	ret = write_param("0\n", 2);
	if (ret) {
		spin_off = 0;
		for (i = 0; i < 3; i++)
			sigaction(restore_sigs[i], &old_act[i], NULL);
		return bench_chan_error(ch, ret, "cannot set %s to 0 (it takes root)", SPIN_PARAM);
	}
	bench_chan_note(ch, "spin_ns 0 during the measurement (was %.*s)",
			(int)(saved_len - 1), saved);
	return 0;
}

static int nospin_probe(struct bench_chan *ch)
{
	int ret = mp_probe(ch);

	if (ret)
		return ret;
	if (access(SPIN_PARAM, W_OK))
		return bench_chan_error(ch, -errno, "cannot write %s (it takes root)", SPIN_PARAM);
	return 0;
}

static int nospin_setup(struct bench_chan *ch)
{
	int ret = mp_setup(ch, ch->depth, 0);

	if (ret)
		return ret;
	ret = spin_off_now(ch);
	if (ret)
		mp_teardown(ch);
	return ret;
}

/* After the children exited (or were killed): spinning back as it was. */
static void nospin_teardown(struct bench_chan *ch)
{
	mp_teardown(ch);
	spin_restore(ch);
}

BENCH_MECH(msgport_nospin) = {
	.name = "msgport-nospin",
	.summary = "the msgport mailboxes with spinning off (module parameter spin_ns=0)",
	.kind = BENCH_MSGPORT,
	.order = 101,
	.probe = nospin_probe,
	.setup = nospin_setup,
	.attach = mp_attach,
	.send = mp_send,
	.recv = mp_recv,
	.detach = mp_detach,
	.teardown = nospin_teardown,
};
