// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every BPF program the kernel holds, one line each: its name and how
 * many instructions the verifier walked to accept it (verified_insns,
 * Linux 5.16 and later; 0 before). Tests check the headroom under the
 * verifier's limit with it, which Debian 12's bpftool does not print.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

int main(void)
{
	__u32 id = 0;
	unsigned int n = 0;
	int err = 0;

	/* Bounded: ids only grow, and a program list ends. */
	while (n < 1000000 && !(err = bpf_prog_get_next_id(id, &id))) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		n++;
		if (fd < 0)
			continue;	/* unloaded meanwhile */
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("%s %u\n", info.name, info.verified_insns);
		close(fd);
	}
	if (err && err != -ENOENT) {
		fprintf(stderr, "prog_insns: cannot list BPF programs: %s; run as root.\n",
			strerror(-err));
		return 1;
	}
	return 0;
}
