// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icount-plugin: a QEMU TCG plugin that counts the instructions and memory
 * accesses each translated block executes, between marks set by the guest.
 *
 * A block is counted by its start address (its instructions and memory
 * accesses are charged to the function that holds that address; a call
 * ends a block).  The guest sets a mark by running the block at the
 * address given as mark=ADDR (icount-run's icount_mark(), linked at a
 * fixed address): each mark writes, to out=FILE, the blocks that ran since
 * the last one, "ADDR INSNS_PER_EXEC EXECS MEMS", and starts a new count.
 * Instructions are counted whole-block (a block left early by a fault is
 * counted in full): exact for paths that do not fault, as the warmed-up
 * loops measured here.  A rep-prefixed string instruction counts once per
 * repetition, as TCG runs it.  Timer interrupts that fall in an interval
 * are counted with it (a few instructions a message).
 *
 * Counts are not atomic and blocks are recorded without a lock: the guest
 * must have one vCPU (-smp 1; refused otherwise).
 *
 * Built for QEMU's plugin API version 1 (QEMU 6.1 to 8.2; Debian 12's
 * 7.2); the declarations below are that API's.
 *
 * Build: cc -shared -fPIC -O2 -o icount-plugin.so icount-plugin.c
 * Use:   qemu-system-x86_64 -plugin ./icount-plugin.so,mark=0x10000000,out=F
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- QEMU plugin API, version 1 (include/qemu/qemu-plugin.h) ---------- */
#define ICOUNT_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_RW = 3 };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_mem_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_mem_rw rw,
					  enum qemu_plugin_op op, void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
ICOUNT_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				      char **argv);
ICOUNT_EXPORT int qemu_plugin_version = 1;
/* ---------------------------------------------------------------------- */

/* One translation of a block; the inline ops write execs and mems. */
struct block {
	uint64_t vaddr;
	uint64_t execs;
	uint64_t mems;
	uint32_t insns;
};

/* Blocks live in chunks that never move: the inline ops hold pointers. */
#define CHUNK 8192
struct chunk {
	struct chunk *next;
	unsigned int used;
	struct block b[CHUNK];
};

static struct chunk *chunks;
static uint64_t mark_vaddr;
static FILE *out;
static unsigned int marks;

static struct block *block_new(void)
{
	struct chunk *c = chunks;

	if (!c || c->used == CHUNK) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			qemu_plugin_outs("icount-plugin: out of memory\n");
			abort();
		}
		c->next = chunks;
		chunks = c;
	}
	return &c->b[c->used++];
}

/* Writes and clears what ran since the last mark. */
static void on_mark(unsigned int vcpu, void *udata)
{
	struct chunk *c;
	unsigned int i;

	(void)vcpu;
	(void)udata;
	fprintf(out, "mark %u\n", marks++);
	for (c = chunks; c; c = c->next) {
		for (i = 0; i < c->used; i++) {
			struct block *b = &c->b[i];

			if (b->execs)
				fprintf(out, "%" PRIx64 " %u %" PRIu64 " %" PRIu64 "\n", b->vaddr,
					b->insns, b->execs, b->mems);
			b->execs = 0;
			b->mems = 0;
		}
	}
	fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_new();
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = (uint32_t)n;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
	for (i = 0; i < n; i++)
		qemu_plugin_register_vcpu_mem_inline(qemu_plugin_tb_get_insn(tb, i),
						     QEMU_PLUGIN_MEM_RW, QEMU_PLUGIN_INLINE_ADD_U64,
						     &b->mems, 1);
	if (b->vaddr == mark_vaddr)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	fprintf(out, "end %u\n", marks);
	if (ferror(out) | fclose(out))
		qemu_plugin_outs("icount-plugin: writing out=FILE failed\n");
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *path = NULL;
	int i;

	if (!info->system_emulation || info->system.max_vcpus != 1) {
		qemu_plugin_outs("icount-plugin: needs system emulation with one vCPU (-smp 1)\n");
		return 1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark_vaddr = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	}
	if (!mark_vaddr || !path) {
		qemu_plugin_outs("icount-plugin: needs mark=ADDR and out=FILE\n");
		return 1;
	}
	out = fopen(path, "w");
	if (!out) {
		qemu_plugin_outs("icount-plugin: cannot open out=FILE\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
