// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the module's parameters (/sys/module/msgport/parameters/).
 * Read anywhere with READ_ONCE(); a change applies to what comes after it.
 */
#include <linux/export.h>
#include <linux/moduleparam.h>

#include "msgport.h"

unsigned int mp_max_mailboxes = 1024;
EXPORT_SYMBOL_NS_GPL(mp_max_mailboxes, MP_TEST_NS);
module_param_named(max_mailboxes, mp_max_mailboxes, uint, 0644);
MODULE_PARM_DESC(max_mailboxes,
		 "Maximum number of named mailboxes in each IPC namespace; creating more fails with ENOSPC, but with CAP_SYS_RESOURCE over the namespace (default 1024)");

unsigned int mp_max_user_mailboxes = 256;
module_param_named(max_user_mailboxes, mp_max_user_mailboxes, uint, 0644);
MODULE_PARM_DESC(max_user_mailboxes,
		 "Maximum number of mailboxes (named and inboxes) one euid may have; creating more fails with EDQUOT, but with CAP_SYS_RESOURCE (default 256)");

unsigned int mp_max_msg_size = 4 << 20;
module_param_named(max_msg_size, mp_max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest max_msg_size a mailbox may be created with, in bytes; asking more fails with EINVAL (default 4 MiB)");

unsigned int mp_default_msg_size = 8192;
module_param_named(default_msg_size, mp_default_msg_size, uint, 0644);
MODULE_PARM_DESC(default_msg_size,
		 "max_msg_size of a mailbox created with max_msg_size 0, in bytes, capped by max_msg_size (default 8192)");

unsigned long mp_max_user_bytes = 64UL << 20;
EXPORT_SYMBOL_NS_GPL(mp_max_user_bytes, MP_TEST_NS);
module_param_named(max_user_bytes, mp_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Kernel memory of queued messages (each charged its header and buffer as allocated, at least 288 bytes) plus region bytes allowed per euid, root included; a send or region creation beyond it fails with EDQUOT (default 64 MiB)");

unsigned long mp_max_region_size = 256UL << 20;
module_param_named(max_region_size, mp_max_region_size, ulong, 0644);
MODULE_PARM_DESC(max_region_size,
		 "Largest shared region a mailbox may be created with, in bytes after rounding up to pages; asking more fails with EFBIG (default 256 MiB)");

unsigned int mp_max_subscribers = 256;
module_param_named(max_subscribers, mp_max_subscribers, uint, 0644);
MODULE_PARM_DESC(max_subscribers,
		 "Most subscriptions a topic may have at once; one more fails with ENOSPC (default 256)");

unsigned int mp_max_user_subscriptions = 8;
module_param_named(max_user_subscriptions, mp_max_user_subscriptions, uint, 0644);
MODULE_PARM_DESC(max_user_subscriptions,
		 "Most subscriptions one euid may have to one topic at once; one more fails with EDQUOT unless CAP_SYS_RESOURCE (default 8)");

unsigned long mp_spin_ns = 1000000;
EXPORT_SYMBOL_NS_GPL(mp_spin_ns, MP_TEST_NS);
module_param_named(spin_ns, mp_spin_ns, ulong, 0644);
MODULE_PARM_DESC(spin_ns,
		 "Longest a blocking send or receive spins, in nanoseconds, while the peer that will likely end its wait runs on another CPU, before it sleeps (it spins at most a few times as long as a wake-up is measured to take on that mailbox); 0 never spins (default 1000000)");
