/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_TCP_SEGMENT_BPF_H
#define PANTAU_TCP_SEGMENT_BPF_H

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/*
 * The TCP header of a packet a cgroup_skb program sees, read in place
 * (headers are in the linear part: no helper calls), and in *payload the
 * payload's offset in the packet; NULL for anything but TCP over IPv4,
 * or over IPv6 without extension headers, and for a SYN.
 */
static __always_inline struct tcphdr *tcp_segment(struct __sk_buff *skb, __u32 *payload)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct tcphdr *th;
	__u32 l4;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
			return NULL;
		l4 = ip->ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return NULL;
		l4 = sizeof(*ip6);
	} else {
		return NULL;
	}
	if (l4 > 60)
		return NULL;
	th = data + l4;
	if ((void *)(th + 1) > end || th->syn)
		return NULL;
	*payload = l4 + th->doff * 4;
	return th;
}

#endif
