// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport load, unload, version: the kernel module's life cycle through
 * libkmod (never by running insmod/rmmod), and the version handshake.
 *
 * A build without libkmod (MSGPORT_HAVE_LIBKMOD undefined, e.g. a 32-bit
 * build on a host without the i386 libkmod) keeps every other command;
 * load and unload then say how to do it instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifdef MSGPORT_HAVE_LIBKMOD
#include <libkmod.h>
#endif

#include "cli.h"

#define MODULE_NAME	"msgport"

static const char load_usage[] =
	"Usage: msgport load [PATH.ko] [PARAM=VALUE...]\n"
	"\n"
	"Load the msgport kernel module: from PATH.ko if given (like insmod), else\n"
	"the module named msgport in /lib/modules/$(uname -r) with its dependencies\n"
	"(like modprobe).  PARAM=VALUE pairs are module parameters, e.g.\n"
	"max_mailboxes=64.  Needs CAP_SYS_MODULE.  Fails if msgport is already loaded.\n"
	"Under Secure Boot the kernel loads only signed modules: DKMS signs with\n"
	"/var/lib/dkms/mok.pub, which 'mokutil --import' enrolls (see msgport(7)).\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

static const char unload_usage[] =
	"Usage: msgport unload\n"
	"\n"
	"Unload the msgport kernel module.  Refused while /dev/msgport or a mailbox\n"
	"descriptor is open anywhere.  Needs CAP_SYS_MODULE.\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

static const char version_usage[] =
	"Usage: msgport version\n"
	"\n"
	"Print the library's version and ABI, and the loaded module's ABI and\n"
	"version.  Exits 1 (after printing the library's part) when the module\n"
	"cannot be asked: not loaded, or no access to /dev/msgport.\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

/* Parses an operand-less command's options; -1 to go on, else the exit code. */
static int simple_options(int argc, char **argv, const char *usage)
{
	int ret = cli_help_option(argc, argv, usage);

	if (ret >= 0)
		return ret;
	return cli_operands(argc, argv, 0, 0, NULL) ? EXIT_USAGE : -1;
}

static int is_module_path(const char *arg)
{
	size_t n = strlen(arg);

	/* "dir/x", "x.ko", or a compressed "x.ko.xz". */
	return strchr(arg, '/') || (n > 3 && !strcmp(arg + n - 3, ".ko")) || strstr(arg, ".ko.");
}

#ifdef MSGPORT_HAVE_LIBKMOD

/* The first line of file path, without its newline, into buf: 0 or -1. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (!f)
		return -1;
	if (fgets(buf, (int)size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* Secure Boot is on: the EFI variable's data byte (after 4 of attributes). */
static int secure_boot_on(void)
{
	unsigned char v[5];
	FILE *f = fopen("/sys/firmware/efi/efivars/"
			"SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "re");
	int on;

	if (!f)
		return 0;
	on = fread(v, 1, sizeof(v), f) == sizeof(v) && v[4] == 1;
	fclose(f);
	return on;
}

/*
 * Whether the kernel insists on signed modules: module.sig_enforce, a
 * lockdown other than "[none]", or Secure Boot (which Debian's kernels
 * answer with a lockdown; securityfs may not be mounted to say so).
 */
static int signatures_required(void)
{
	char buf[128];

	if (secure_boot_on())
		return 1;

	if (!read_line("/sys/module/module/parameters/sig_enforce", buf, sizeof(buf)) &&
	    buf[0] == 'Y')
		return 1;
	return !read_line("/sys/kernel/security/lockdown", buf, sizeof(buf)) &&
	       strchr(buf, '[') && !strstr(buf, "[none]");
}

/* Why libkmod failed, in the words of module loading. */
static const char *kmod_why(int err)
{
	char buf[16];

	switch (-err) {
	case EEXIST:
		return "module msgport is already loaded";
	case ENOEXEC:
		return "invalid module format (built for another kernel release? see dmesg)";
	case EPERM:
		if (geteuid() != 0)
			return "operation not permitted (loading and unloading modules needs root)";
		if (!read_line("/proc/sys/kernel/modules_disabled", buf, sizeof(buf)) &&
		    buf[0] == '1')
			return "module loading is disabled on this system (kernel.modules_disabled)";
		return "operation not permitted (see dmesg)";
	case EKEYREJECTED:
		return "module signature rejected (see dmesg)";
	case ENOKEY:
		return "module signed with a key the kernel does not know (see dmesg)";
	case EBUSY:
	case EAGAIN:
		return "module is in use: /dev/msgport or a mailbox is still open";
	case ENOENT:
		return "unknown symbol in module, or a missing dependency (see dmesg)";
	default:
		return strerror(-err);
	}
}

/*
 * A refusal for the module's signature: EKEYREJECTED or ENOKEY, or EPERM
 * from root while the kernel requires signed modules (lockdown).
 */
static int refused_for_signature(int err)
{
	return err == -EKEYREJECTED || err == -ENOKEY ||
	       (err == -EPERM && geteuid() == 0 && signatures_required());
}

/* Says why loading failed (what: "load" or "load: PATH"); returns 1. */
static int load_failed(const char *what, int err)
{
	if (!refused_for_signature(err)) {
		cli_error("%s: %s", what, kmod_why(err));
		return 1;
	}
	cli_error("%s: the kernel refused the module: it requires modules signed with a "
		  "key it trusts (Secure Boot), and msgport is unsigned or signed with "
		  "another key (%s)", what, strerror(-err));
	fputs("  DKMS signs the modules it builds with its own key, /var/lib/dkms/mok.pub.\n"
	      "  Enroll that key once:  sudo mokutil --import /var/lib/dkms/mok.pub\n"
	      "  then reboot and confirm the enrollment in the MOK manager, and load\n"
	      "  msgport again (see msgport(7), \"Secure Boot\").\n", stderr);
	return 1;
}

/* libkmod's own log lines would repeat our message less clearly. */
static void kmod_quiet(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
}

static struct kmod_ctx *kmod_open(const char *cmd)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		cli_error("%s: cannot initialise libkmod", cmd);
		return NULL;
	}
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	return ctx;
}

/* Joins the PARAM=VALUE operands into libkmod's option string. */
static int join_options(int argc, char **argv, char **out)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strchr(argv[i], '=') || argv[i][0] == '=')
			return cli_usage("'%s' is not PARAM=VALUE", argv[i]);
		len += strlen(argv[i]) + 1;
	}
	s = calloc(1, len);
	if (!s) {
		cli_error("load: out of memory");
		return 1;
	}
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	*out = s;
	return 0;
}

static int load_from_path(struct kmod_ctx *ctx, const char *path, const char *options)
{
	struct kmod_module *mod;
	int err;

	err = kmod_module_new_from_path(ctx, path, &mod);
	if (err < 0) {
		cli_error("load: %s: %s", path, strerror(-err));
		return 1;
	}
	err = kmod_module_insert_module(mod, 0, options);
	kmod_module_unref(mod);
	if (err < 0) {
		char what[4096];

		snprintf(what, sizeof(what), "load: %s", path);
		return load_failed(what, err);
	}
	return 0;
}

static int load_by_name(struct kmod_ctx *ctx, const char *options)
{
	struct kmod_list *list = NULL, *l;
	int err, ret = 0;

	err = kmod_module_new_from_lookup(ctx, MODULE_NAME, &list);
	if (err < 0) {
		cli_error("load: looking up module %s: %s", MODULE_NAME, strerror(-err));
		return 1;
	}
	if (!list) {
		cli_error("load: module %s not found in %s (install it with dkms, or give "
			  "its path: msgport load PATH.ko)", MODULE_NAME, kmod_get_dirname(ctx));
		return 1;
	}
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED, options,
						      NULL, NULL, NULL);
		kmod_module_unref(mod);
		if (err < 0) {
			ret = load_failed("load", err);
			break;
		}
		if (err > 0) {	/* KMOD_PROBE_APPLY_BLACKLIST* */
			cli_error("load: %s: module is blacklisted", MODULE_NAME);
			ret = 1;
			break;
		}
	}
	kmod_module_unref_list(list);
	return ret;
}

static int load_module(const char *path, int argc, char **argv)
{
	char *options = NULL;
	struct kmod_ctx *ctx;
	int ret;

	ret = join_options(argc, argv, &options);
	if (ret)
		return ret;
	ctx = kmod_open("load");
	if (!ctx) {
		free(options);
		return 1;
	}
	ret = path ? load_from_path(ctx, path, options) : load_by_name(ctx, options);
	kmod_unref(ctx);
	free(options);
	return ret;
}

static int unload_module(void)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int err, ret = 0;

	ctx = kmod_open("unload");
	if (!ctx)
		return 1;
	err = kmod_module_new_from_name(ctx, MODULE_NAME, &mod);
	if (err < 0) {
		cli_error("unload: %s", kmod_why(err));
		kmod_unref(ctx);
		return 1;
	}
	if (kmod_module_get_initstate(mod) < 0) {
		cli_error("unload: module %s is not loaded", MODULE_NAME);
		ret = 1;
	} else {
		err = kmod_module_remove_module(mod, 0);
		if (err < 0) {
			cli_error("unload: %s",
				  err == -ENOENT ? "module msgport is not loaded" : kmod_why(err));
			ret = 1;
		}
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

#else /* !MSGPORT_HAVE_LIBKMOD */

static int load_module(const char *path, int argc, char **argv)
{
	cli_error("load: this msgport was built without libkmod; use insmod or modprobe");
	return 1;
}

static int unload_module(void)
{
	cli_error("unload: this msgport was built without libkmod; use rmmod");
	return 1;
}

#endif /* MSGPORT_HAVE_LIBKMOD */

int cmd_load(int argc, char **argv)
{
	const char *path = NULL;
	int ret = cli_help_option(argc, argv, load_usage);

	if (ret >= 0)
		return ret;
	if (optind < argc && is_module_path(argv[optind]))
		path = argv[optind++];
	return load_module(path, argc - optind, argv + optind);
}

int cmd_unload(int argc, char **argv)
{
	int ret = simple_options(argc, argv, unload_usage);

	if (ret >= 0)
		return ret;
	return unload_module();
}

/*
 * After -EPROTO the library refuses the module; ask it directly so that the
 * user sees which ABI it speaks.
 */
static int raw_module_version(struct msgport_version *v)
{
	int fd, ret;

	fd = open(cli_device_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(v, 0, sizeof(*v));
	ret = ioctl(fd, MSGPORT_IOC_VERSION, v) < 0 ? -errno : 0;
	close(fd);
	v->module_version[sizeof(v->module_version) - 1] = '\0';
	return ret;
}

static void print_module(const struct msgport_version *v)
{
	printf("module ABI:      %u.%u\n", v->abi_major, v->abi_minor);
	printf("module version:  %s\n", v->module_version);
}

int cmd_version(int argc, char **argv)
{
	struct msgport_version v;
	struct msgport *mp;
	int ret = simple_options(argc, argv, version_usage);

	if (ret >= 0)
		return ret;

	printf("library version: %s\n", msgport_lib_version());
	printf("library ABI:     %u.%u\n", MSGPORT_ABI_MAJOR, MSGPORT_ABI_MINOR);

	ret = msgport_open(NULL, &mp);
	if (ret == -EPROTO && raw_module_version(&v) == 0) {
		print_module(&v);
		fflush(stdout);
		return cli_abi_mismatch();
	}
	if (ret == -ENOENT) {
		fflush(stdout);
		cli_error("version: module not loaded (%s missing; try 'msgport load')",
			  cli_device_path());
		return 1;
	}
	if (ret < 0) {
		fflush(stdout);
		if (ret == -EPROTO)
			return cli_abi_mismatch();
		return cli_fail(ret, "version: %s", cli_device_path());
	}
	ret = msgport_module_version(mp, &v);
	msgport_close(mp);
	if (ret < 0) {
		fflush(stdout);
		return cli_fail(ret, "version: querying the module");
	}
	print_module(&v);
	return 0;
}
