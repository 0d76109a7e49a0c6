/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: every difference between the kernels msgport builds for.
 *
 * msgport builds for Linux 6.1 and later (dkms.conf: BUILD_EXCLUSIVE_KERNEL).
 * Nothing outside this file tests a kernel version: each interface that
 * changed after 6.1 gets one name here that means the same on every kernel.
 * Each piece says which change it follows and where the kernels of the
 * test matrix (README "Kernels": Debian's 6.1 and 6.12, the pinned 7.x of
 * trixie-backports, arm64's 6.1) fall, so that both sides of every
 * threshold are built and tested.  A kernel outside the matrix (Ubuntu,
 * Fedora, a stable release between two tested ones) is served by the same
 * tests: they look at the version it reports, never at its distribution.
 *
 * Changes that needed nothing here, because the code uses only what every
 * supported kernel has:
 *  - no_llseek() is gone in 6.12; since 6.0 a NULL ->llseek means the same
 *    (no FMODE_LSEEK: lseek(2) fails with ESPIPE), so the file operations
 *    leave it NULL.
 *  - close_files() stopped clearing each descriptor slot before closing its
 *    file at exit (after 6.12: 6.12.118 still xchg()s the slot to NULL,
 *    7.2 leaves it), so an inbox file closed at its
 *    owner's exit is still in the dying table: inbox.c decides on the
 *    owner's live tables, which a dying table is never one of (exit_files()
 *    and unshare(CLONE_FILES) detach it from the task before closing it,
 *    on every kernel).
 */
#ifndef _MSGPORT_COMPAT_H
#define _MSGPORT_COMPAT_H

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/version.h>

/*
 * 6.3 made vma->vm_flags read-only ("mm: introduce vma->vm_flags wrapper
 * functions"): flags change through vm_flags_set() and vm_flags_clear().
 * Below: 6.1 (Debian 12, amd64 and arm64).  From: 6.12, 7.x.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The symbol namespace of what msgport_kunit.ko tests.  6.13 made the
 * namespace argument of EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS() a
 * string literal ("module: Convert symbol namespace to string literal");
 * before, a bare word that the macros stringify.  Below: 6.1,
 * 6.12.  From: 7.x.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MP_TEST_NS		"MSGPORT_KUNIT"
#else
#define MP_TEST_NS		MSGPORT_KUNIT
#endif

/*
 * The references to an IPC namespace, for registry.c's last-holder rule.
 * 6.18 reworked namespace reference counting ("ns: add reference count
 * helpers"): ns_common's count became __ns_ref, read through the macro
 * ns_ref_read(), and the initial namespaces stopped being counted.  A
 * feature test, not a version: the macro exists or it does not.  Without
 * it: 6.1, 6.12.  With it: 7.x.
 */
#ifdef ns_ref_read
#define mp_ipc_ns_refs(ipc)	ns_ref_read(ipc)
#else
#define mp_ipc_ns_refs(ipc)	refcount_read(&(ipc)->ns.count)
#endif

/*
 * Pinning, or referencing, another task's pages (direct.c).  6.5 dropped
 * the vmas argument of pin_user_pages_remote() and get_user_pages_remote()
 * ("mm/gup: remove vmas parameter from pin_user_pages_remote()", "mm/gup:
 * remove vmas parameter from get_user_pages_remote()").  Below: 6.1
 * (Debian 12, amd64 and arm64).  From: 6.12, 7.x.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define mp_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL, NULL)
#define mp_get_user_pages_remote(mm, start, nr, flags, pages) \
	get_user_pages_remote(mm, start, nr, flags, pages, NULL, NULL)
#else
#define mp_pin_user_pages_remote(mm, start, nr, flags, pages) \
	pin_user_pages_remote(mm, start, nr, flags, pages, NULL)
#define mp_get_user_pages_remote(mm, start, nr, flags, pages) \
	get_user_pages_remote(mm, start, nr, flags, pages, NULL)
#endif

/*
 * Making a received open file a descriptor (fds.c).  6.8 ("file: remove
 * __receive_fd()") gave the exported receive_fd() the user pointer the new
 * number goes to, written before the descriptor is installed (a fault
 * installs nothing).  Before, the exported receive_fd(file, o_flags) only
 * installs: the number is written after it, and if that faults the
 * descriptor is closed again (close_fd()), so a fault still leaves none
 * (a thread of the receiver that closed and reused that number meanwhile
 * loses its file: a race of the receiver with itself, as the fault is).
 * Below: 6.1 (Debian 12, amd64 and arm64).  From: 6.12, 7.x.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
static inline int mp_receive_fd_user(struct file *file, int __user *ufd,
				     unsigned int o_flags)
{
	int fd = receive_fd(file, o_flags);

	if (fd >= 0 && put_user(fd, ufd)) {
		close_fd(fd);
		return -EFAULT;
	}
	return fd;
}
#else
#define mp_receive_fd_user(file, ufd, o_flags)	receive_fd(file, ufd, o_flags)
#endif

#endif /* _MSGPORT_COMPAT_H */
