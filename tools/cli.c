// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The msgport CLI's shared helpers: error messages, exit codes, option
 * parsing conventions and the shared options, opening the device,
 * mailboxes, inboxes and the destination of a send or call.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "parse.h"

const char *cli_cmd;

static void vreport(const char *fmt, va_list ap, const char *why)
	__attribute__((format(printf, 1, 0)));

static void vreport(const char *fmt, va_list ap, const char *why)
{
	fputs("msgport: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (why)
		fprintf(stderr, ": %s", why);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, NULL);
	va_end(ap);
}

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, msgport_strerror(err));
	va_end(ap);
	return err == -EAGAIN || err == -ETIMEDOUT ? EXIT_TEMPFAIL : 1;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("msgport: ", stderr);
	if (cli_cmd)
		fprintf(stderr, "%s: ", cli_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'msgport%s%s --help' for more information.\n",
		cli_cmd ? " " : "", cli_cmd ? cli_cmd : "");
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char opts[64];
	int c, prev = optind;
	int plus = shortopts[0] == '+';

	/*
	 * A ':' first (after a '+', which stops at the first operand) makes
	 * getopt report a missing argument as ':' instead of '?'.
	 */
	if (snprintf(opts, sizeof(opts), "%s:%s", plus ? "+" : "", shortopts + plus) >=
	    (int)sizeof(opts))
		return cli_usage("internal error: option string too long"), '?';
	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c != '?' && c != ':')
		return c;

	/*
	 * A short option (optopt set, and optind either still inside its
	 * cluster or past a word not starting with "--") is named by optopt;
	 * a long one by the word optind moved past.
	 */
	if (optopt && !(optind > prev && !strncmp(argv[optind - 1], "--", 2))) {
		if (c == ':')
			cli_usage("option '-%c' needs an argument", optopt);
		else
			cli_usage("unknown option '-%c'", optopt);
	} else {
		const char *word = argv[optind - 1];

		if (c == ':')
			cli_usage("option '%s' needs an argument", word);
		else
			cli_usage("unknown option '%s'", word);
	}
	return '?';
}

int cli_bad_value(const char *opt, const char *value, int err)
{
	return cli_usage("%s '%s': %s", opt, value,
			 err == -ERANGE ? "out of range" : "not a valid value");
}

int cli_pid_value(const char *opt, const char *value, uint32_t *pid)
{
	int ret = parse_u32(value, 1, INT32_MAX, pid);

	return ret ? cli_bad_value(opt, value, ret) : 0;
}

int cli_option(int c, struct cli_opts *o)
{
	int ret;

	switch (c) {
	case 'P':
		return cli_pid_value("--pid", optarg, &o->pid) ? EXIT_USAGE : -1;
	case 'p':
		ret = parse_priority(optarg, &o->prio);
		return ret ? cli_bad_value("--priority", optarg, ret) : -1;
	case 't':
		ret = parse_duration_ns(optarg, &o->timeout_ns);
		return ret ? cli_bad_value("--timeout", optarg, ret) : -1;
	case 'c':
		ret = parse_u32(optarg, 1, UINT32_MAX, &o->count);
		return ret ? cli_bad_value("--count", optarg, ret) : -1;
	case 'n':
		o->flags |= MSGPORT_F_NONBLOCK;
		return -1;
	case 'v':
		o->verbose = 1;
		return -1;
	case 'i':
		o->inbox = 1;
		return -1;
	case 'F':
		o->pid_file = optarg;
		return -1;
	case 'h':
		fputs(o->usage, stdout);
		return 0;
	case 'V':
		cli_print_version();
		return 0;
	default:
		return EXIT_USAGE;
	}
}

int cli_help_option(int argc, char **argv, const char *usage)
{
	static const struct option help_only[] = { CLI_OPT_HELP, CLI_OPT_VERSION, CLI_OPT_END };
	struct cli_opts o = CLI_OPTS_INIT(usage);
	int c = cli_getopt(argc, argv, "hV", help_only);

	return c == -1 ? -1 : cli_option(c, &o);
}

int cli_operands(int argc, char **argv, int min, int max, const char *missing)
{
	if (argc - optind < min)
		return cli_usage("%s", missing);
	if (argc - optind > max)
		return cli_usage("unexpected argument '%s'", argv[optind + max]);
	return 0;
}

int cli_fail_name(int err, const char *what, const char *name)
{
	if (err == -EINVAL && check_mailbox_name(name) == -EINVAL) {
		cli_error("%s '%s': invalid mailbox name: use printable ASCII characters "
			  "other than '/' and space", what, name);
		return 1;
	}
	return cli_fail(err, "%s '%s'", what, name);
}

void cli_print_version(void)
{
	printf("msgport %s (ABI %u.%u)\n", msgport_lib_version(), MSGPORT_ABI_MAJOR,
	       MSGPORT_ABI_MINOR);
}

const char *cli_device_path(void)
{
	const char *env = secure_getenv("MSGPORT_DEVICE");

	return env && *env ? env : MSGPORT_DEVICE_PATH;
}

int cli_abi_mismatch(void)
{
	const char *path = cli_device_path();
	struct msgport_version v;
	char module[96];
	int fd;

	memset(&v, 0, sizeof(v));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && ioctl(fd, MSGPORT_IOC_VERSION, &v) == 0) {
		v.module_version[sizeof(v.module_version) - 1] = '\0';
		snprintf(module, sizeof(module), "module %s (ABI %u.%u)", v.module_version,
			 v.abi_major, v.abi_minor);
	} else {
		snprintf(module, sizeof(module), "module of another ABI");
	}
	if (fd >= 0)
		close(fd);
	cli_error("%s: the loaded %s does not match libmsgport %s (ABI %u.%u): install "
		  "msgport-dkms and libmsgport1 of the same version, then reload the module "
		  "(msgport unload; msgport load)", path, module, msgport_lib_version(),
		  MSGPORT_ABI_MAJOR, MSGPORT_ABI_MINOR);
	return 1;
}

int cli_open_device(struct msgport **mpp)
{
	int ret = msgport_open(NULL, mpp);

	if (ret == -ENOENT) {
		cli_error("%s: not found: is the msgport module loaded? (try 'msgport load')",
			  cli_device_path());
		return 1;
	}
	if (ret == -EPROTO)
		return cli_abi_mismatch();
	if (ret < 0)
		return cli_fail(ret, "%s", cli_device_path());
	return 0;
}

int cli_open_mailbox(const char *name, unsigned int oflags, struct msgport_mailbox **mbp)
{
	struct msgport *mp;
	int ret = cli_open_device(&mp);

	if (ret)
		return ret;
	ret = msgport_mailbox_open(mp, name, oflags, NULL, mbp);
	msgport_close(mp);

	if (ret == -ENOENT) {
		cli_error("mailbox '%s': no such mailbox (create it with 'msgport create %s')",
			  name, name);
		return 1;
	}
	if (ret < 0)
		return cli_fail_name(ret, "open mailbox", name);
	return 0;
}

int cli_open_destination(int argc, char **argv, uint32_t pid, struct msgport **mpp,
			 struct msgport_mailbox **mbp, char label[CLI_LABEL_MAX])
{
	int ret;

	*mpp = NULL;
	*mbp = NULL;
	if (pid) {
		snprintf(label, CLI_LABEL_MAX, "process %" PRIu32, pid);
		return cli_open_device(mpp);
	}
	if (optind >= argc)
		return cli_usage("missing NAME (or --pid PID)");
	snprintf(label, CLI_LABEL_MAX, "'%s'", argv[optind]);
	ret = cli_open_mailbox(argv[optind], MSGPORT_O_SEND, mbp);
	if (ret)
		return ret;
	optind++;
	return 0;
}

int cli_open_inbox(const char *pid_file, char label[CLI_LABEL_MAX],
		   struct msgport_mailbox **mbp)
{
	struct msgport *mp;
	int ret = cli_open_device(&mp);

	if (ret)
		return ret;
	snprintf(label, CLI_LABEL_MAX, "the inbox of process %d", (int)getpid());
	ret = msgport_inbox_open(mp, NULL, 0, mbp);
	msgport_close(mp);
	if (ret < 0)
		return cli_fail(ret, "open %s", label);
	if (pid_file && cli_write_pid_file(pid_file)) {
		msgport_mailbox_close(*mbp);
		*mbp = NULL;
		return 1;
	}
	return 0;
}

/* Our pid into path, atomically (a temporary file renamed): 0 or 1. */
int cli_write_pid_file(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		cli_error("--pid-file '%s': path too long", path);
		return 1;
	}
	f = fopen(tmp, "we");
	if (f) {
		int bad = fprintf(f, "%d\n", (int)getpid()) < 0;

		if (fclose(f) == EOF || bad || rename(tmp, path) < 0) {
			cli_error("--pid-file '%s': %s", path, strerror(errno ? errno : EIO));
			unlink(tmp);
			return 1;
		}
		return 0;
	}
	cli_error("--pid-file '%s': %s", path, strerror(errno));
	return 1;
}

static void hexdump_line(uint64_t off, const unsigned char *p, size_t n)
{
	size_t i;

	printf("%08" PRIx64 " ", off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < n)
			printf(" %02x", p[i]);
		else
			fputs("   ", stdout);
	}
	fputs("  |", stdout);
	for (i = 0; i < n; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	puts("|");
}

void cli_hexdump(const unsigned char *base, uint64_t off, uint64_t len)
{
	const unsigned char *prev = NULL;
	uint64_t i;
	int starred = 0;

	for (i = 0; i < len; i += 16) {
		size_t n = len - i < 16 ? (size_t)(len - i) : 16;

		if (prev && n == 16 && !memcmp(prev, base + i, 16)) {
			if (!starred)
				puts("*");
			starred = 1;
			continue;
		}
		hexdump_line(off + i, base + i, n);
		prev = base + i;
		starred = 0;
	}
	printf("%08" PRIx64 "\n", off + len);
}
