/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Memory domain: structs shared by bpf/memory.bpf.c and user space. */
#ifndef PANTAU_MEMORY_H
#define PANTAU_MEMORY_H

#include "service_key.h"

/* What the task iterator writes for each user task, at scrape time. */
struct mem_task_record {
	__u64 cgroup_id;
	__u32 tgid;
	__u32 pid;
	__u64 min_flt;		/* this thread's own counters */
	__u64 maj_flt;
	__u64 rss_bytes;	/* the mm's anon + file + shmem; 0 but on the leader */
};

/* Faults of threads that exited, per service key (sched_process_exit). */
struct mem_exited_faults {
	__u64 min_flt;
	__u64 maj_flt;
};

#endif
