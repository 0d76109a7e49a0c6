// SPDX-License-Identifier: GPL-2.0-or-later
/* Facts about the machine and the kernel; see facts.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/msgport.h>

#include "bench.h"
#include "facts.h"

void facts_set(struct facts *fs, const char *key, bool number, const char *fmt, ...)
{
	struct fact *f = NULL;
	unsigned int i;
	va_list ap;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].key, key))
			f = &fs->f[i];
	if (!f) {
		if (fs->n == FACTS_MAX)
			return;
		f = &fs->f[fs->n++];
		bench_fmt(f->key, sizeof(f->key), "%s", key);
	}
	f->number = number;
	va_start(ap, fmt);
	vsnprintf(f->val, sizeof(f->val), fmt, ap);
	va_end(ap);
}

const char *facts_get(const struct facts *fs, const char *key)
{
	unsigned int i;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].key, key))
			return fs->f[i].val;
	return NULL;
}

/* A file's first line as a fact, if it can be read. */
static void fact_file(struct facts *fs, const char *key, const char *path, bool number)
{
	char line[200];

	if (!read_line_file(path, line, sizeof(line)))
		facts_set(fs, key, number, "%s", line);
}

/* "name : value" of /proc/cpuinfo or /proc/meminfo, first match. */
static int proc_field(const char *path, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	char line[1024], *v;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || (line[n] != ' ' && line[n] != '\t' && line[n] != ':'))
			continue;
		v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		bench_fmt(out, len, "%s", v);
		fclose(f);
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

static void fact_msgport(struct facts *fs)
{
	static const char *const params[] = {
		"max_msg_size", "default_msg_size", "max_user_bytes", "max_mailboxes",
	};
	struct msgport_version v;
	char key[40], path[128];
	unsigned int i;
	int fd;

	fd = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		facts_set(fs, "msgport_module", false, "not loaded (%s: %s)", MSGPORT_DEVICE_PATH,
			  strerror(errno));
		return;
	}
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, MSGPORT_IOC_VERSION, &v) == 0) {
		v.module_version[sizeof(v.module_version) - 1] = '\0';
		facts_set(fs, "msgport_module", false, "%s (ABI %u.%u)", v.module_version,
			  v.abi_major, v.abi_minor);
	}
	close(fd);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		bench_fmt(key, sizeof(key), "msgport.%s", params[i]);
		bench_fmt(path, sizeof(path), "/sys/module/msgport/parameters/%s", params[i]);
		fact_file(fs, key, path, true);
	}
}

/* What one clock_gettime costs here: under TCG it can be a system call. */
static void fact_clock(struct facts *fs)
{
	uint64_t t0, t1;
	int i;

	t0 = bench_now_ns();
	for (i = 0; i < 10000; i++)
		(void)bench_now_ns();
	t1 = bench_now_ns();
	facts_set(fs, "clock_gettime_ns", true, "%.1f", (double)(t1 - t0) / 10000.0);
}

void facts_gather(struct facts *fs)
{
	struct utsname u;
	char buf[200], host[64];
	time_t now = time(NULL);
	struct tm tm;
	long ncpu;

	fs->n = 0;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	facts_set(fs, "date", false, "%s", buf);
	if (!gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = '\0';
		facts_set(fs, "hostname", false, "%s", host);
	}
	if (!uname(&u)) {
		facts_set(fs, "kernel", false, "%s %s", u.sysname, u.release);
		facts_set(fs, "kernel_version", false, "%s", u.version);
		facts_set(fs, "arch", false, "%s", u.machine);
	}
	if (!proc_field("/proc/cpuinfo", "model name", buf, sizeof(buf)))
		facts_set(fs, "cpu_model", false, "%s", buf);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	facts_set(fs, "cpus_online", true, "%ld", ncpu);
	if (!proc_field("/proc/cpuinfo", "flags", buf, sizeof(buf)))
		facts_set(fs, "cpu_hypervisor_flag", false, "%s",
			  strstr(buf, "hypervisor") ? "yes" : "no");
	fact_file(fs, "dmi_vendor", "/sys/class/dmi/id/sys_vendor", false);
	fact_file(fs, "dmi_product", "/sys/class/dmi/id/product_name", false);
	if (!proc_field("/proc/meminfo", "MemTotal", buf, sizeof(buf)))
		facts_set(fs, "mem_total", false, "%s", buf);
	fact_file(fs, "clocksource",
		  "/sys/devices/system/clocksource/clocksource0/current_clocksource", false);
	fact_clock(fs);
	fact_file(fs, "loadavg_start", "/proc/loadavg", false);
	fact_file(fs, "cmdline", "/proc/cmdline", false);
	fact_msgport(fs);
	fact_file(fs, "fs.mqueue.msg_max", "/proc/sys/fs/mqueue/msg_max", true);
	fact_file(fs, "fs.mqueue.msgsize_max", "/proc/sys/fs/mqueue/msgsize_max", true);
	fact_file(fs, "kernel.msgmax", "/proc/sys/kernel/msgmax", true);
	fact_file(fs, "kernel.msgmnb", "/proc/sys/kernel/msgmnb", true);
	fact_file(fs, "net.core.wmem_max", "/proc/sys/net/core/wmem_max", true);
	fact_file(fs, "net.unix.max_dgram_qlen", "/proc/sys/net/unix/max_dgram_qlen", true);
	fact_file(fs, "fs.pipe-max-size", "/proc/sys/fs/pipe-max-size", true);
	facts_set(fs, "uid", true, "%ld", (long)geteuid());
}
