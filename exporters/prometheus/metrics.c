// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "prometheus/metrics.h"

const struct metric_def metric_table[M_COUNT] = {
	[M_CPU_SECONDS] = { "pantau_cpu_seconds_total", METRIC_COUNTER, "service",
		"Time the service's tasks spent on a CPU, including the slice still running at scrape time." },
	[M_CPU_RUNQ_WAIT] = { "pantau_cpu_runqueue_wait_seconds", METRIC_HISTOGRAM, "service",
		"Time the service's tasks waited in a run queue between becoming runnable and getting a CPU; exported from the first wait pantau saw." },
	[M_CPU_SWITCHES] = { "pantau_cpu_context_switches_total", METRIC_COUNTER, "service, type=voluntary|involuntary",
		"Context switches away from the service's tasks: voluntary when a task blocked, involuntary when it was preempted." },
	[M_CPU_LIMIT] = { "pantau_cpu_limit_cores", METRIC_GAUGE, "service",
		"CPU quota of the service in cores (cgroup2 cpu.max, or the v1 cpu controller's CFS quota); only where a quota is set." },
	[M_MEM_RSS] = { "pantau_memory_rss_bytes", METRIC_GAUGE, "service",
		"Resident memory of the service's processes: anonymous, file and shared pages, as VmRSS counts them." },
	[M_MEM_LIMIT] = { "pantau_memory_limit_bytes", METRIC_GAUGE, "service",
		"Memory limit of the service (cgroup2 memory.max, or the v1 memory controller's limit); only where a limit is set." },
	[M_MEM_FAULTS] = { "pantau_memory_page_faults_total", METRIC_COUNTER, "service, type=minor|major",
		"Page faults of the service's threads: major ones needed disk I/O, minor ones did not." },
	[M_MEM_OOM] = { "pantau_memory_oom_kills_total", METRIC_COUNTER, "service",
		"Processes of the service killed by the kernel's out-of-memory killer." },
	[M_DISK_BYTES] = { "pantau_disk_bytes_total", METRIC_COUNTER, "service, device, op=read|write|discard|flush",
		"Bytes of block I/O requests the service started, per disk and operation." },
	[M_DISK_OPS] = { "pantau_disk_operations_total", METRIC_COUNTER, "service, device, op",
		"Block I/O requests the service started that completed, per disk and operation." },
	[M_DISK_LATENCY] = { "pantau_disk_latency_seconds", METRIC_HISTOGRAM, "service, device, op",
		"Time from a block request's start to its completion, per disk and operation." },
	[M_NET_BYTES] = { "pantau_network_bytes_total", METRIC_COUNTER, "service, direction=received|sent",
		"TCP payload bytes of the service's connections, as the applications read and wrote them (retransmissions not counted again)." },
	[M_TCP_OPENED] = { "pantau_tcp_connections_opened_total", METRIC_COUNTER, "service, direction=inbound|outbound",
		"TCP connections the service accepted (inbound) or made (outbound) that got established." },
	[M_TCP_ACTIVE] = { "pantau_tcp_connections_active", METRIC_GAUGE, "service, direction=inbound|outbound",
		"TCP connections of the service open at scrape time, in pantau's network namespace." },
	[M_TCP_CONNECT_FAILURES] = { "pantau_tcp_connect_failures_total", METRIC_COUNTER, "service",
		"Outbound TCP connections of the service that failed before being established (refused, reset or timed out)." },
	[M_TCP_RETRANSMITS] = { "pantau_tcp_retransmits_total", METRIC_COUNTER, "service",
		"TCP segments the service's connections sent again because the peer did not acknowledge them in time." },
	[M_TCP_RESETS] = { "pantau_tcp_resets_total", METRIC_COUNTER, "service, direction=received|sent",
		"TCP resets the service's connections received from the peer or sent to it." },
	[M_TCP_RTT] = { "pantau_tcp_rtt_seconds", METRIC_HISTOGRAM, "service",
		"Smoothed round-trip time of each of the service's TCP connections, one sample when the connection closes; exported from the first connection that closed." },
	[M_REQUESTS] = { "pantau_requests_total", METRIC_COUNTER, "service, protocol=http|https|tls|tcp, method, status_class=1xx..5xx|none",
		"Requests the service answered (or that got no answer: status_class none), by method and status class; https are HTTP requests read in clear through a TLS library's probes, and a TLS connection pantau cannot read in clear (tls) or of a non-HTTP TCP service (tcp) counts as one request. Counted while requests.http is true (the default); https while requests.tls is true too." },
	[M_REQUEST_DURATION] = { "pantau_request_duration_seconds", METRIC_HISTOGRAM, "service, protocol",
		"Time from a request's first byte arriving to its response's first byte being sent (https: from the library call that returned the request's first bytes to the one that took the response's); for tls, from the first handshake byte arriving to the first byte sent back; for tcp, the connection's life." },
	[M_DEP_REQUESTS] = { "pantau_dependency_requests_total", METRIC_COUNTER, "service, peer, protocol=http|https|tls|tcp, status_class",
		"Requests the service made to each peer it calls, by the status class of the answer (none: no answer); https are HTTP requests read in clear through a TLS library's probes; a TLS connection pantau cannot read in clear, or another non-HTTP connection, counts as one request. Each connection's calls go under its own peer: a peers.rules name, else the host it asked for (HTTP Host, TLS server name), else ip:port." },
	[M_DEP_DURATION] = { "pantau_dependency_request_duration_seconds", METRIC_HISTOGRAM, "service, peer, protocol",
		"Time from a request's first byte being sent to its response's first byte arriving (https: between the library calls that carried them); for tls, from the first handshake byte sent to the first byte back (the connection's life if none came); for tcp, the connection's life." },
	[M_DEP_CONNECT_DURATION] = { "pantau_dependency_connect_duration_seconds", METRIC_HISTOGRAM, "service, peer",
		"Time each connection the service opened to the peer took from connect() to established: the TCP handshake's round trip, plus the peer's wait to answer it. Recorded at the connection's first send, under the peer its calls count under (at close if it sent nothing)." },
	[M_DEP_CONNECT_FAILURES] = { "pantau_dependency_connect_failures_total", METRIC_COUNTER, "service, peer",
		"Connections the service tried to open to each peer that failed (refused, reset or timed out)." },
	[M_SERVICE_UP] = { "pantau_service_up", METRIC_GAUGE, "service",
		"1 while the service has live processes, 0 once they are all gone (its totals are kept)." },
	[M_SERVICE_INFO] = { "pantau_service_info", METRIC_GAUGE, "service, container, pod, namespace, runtime=docker|podman|containerd|cri-o, image",
		"Always 1, for services named after a container: its newest container (after a rollout or a re-run, the new pod and image), its Kubernetes pod and namespace, its runtime and image, as the runtime's state on disk says them (empty where it does not). Kept while the service is, after the container is gone." },
	[M_BUILD_INFO] = { "pantau_build_info", METRIC_GAUGE, "version, kernel",
		"Always 1; the labels say which pantau runs on which kernel." },
	[M_BPF_RUN_SECONDS] = { "pantau_bpf_program_run_seconds_total", METRIC_COUNTER, "program",
		"Time the kernel spent running each pantau BPF program, from the kernel's BPF run stats (growing only while they are on: bpf_run_stats)." },
	[M_BPF_RUNS] = { "pantau_bpf_program_runs_total", METRIC_COUNTER, "program",
		"Times each pantau BPF program ran, from the kernel's BPF run stats (growing only while they are on: bpf_run_stats)." },
	[M_BPF_MISSED_RUNS] = { "pantau_bpf_program_missed_runs_total", METRIC_COUNTER, "program",
		"Times the kernel skipped each pantau BPF program because it was already running on that CPU (an interrupt came in during a run): what those runs would have counted is missing. Counted whatever bpf_run_stats says (kernel 5.12 and later)." },
	[M_PROBE_ATTACHED] = { "pantau_probe_attached", METRIC_GAUGE, "probe, kind=tp_btf|raw_tp|none",
		"1 when the probe is attached, 0 when it could not be (see the log for why)." },
	[M_EVENTS_DROPPED] = { "pantau_events_dropped_total", METRIC_COUNTER, "reason",
		"Updates or events pantau could not record, by reason (for example a full map)." },
	[M_EXPORTER_EVENTS] = { "pantau_exporter_events_total", METRIC_COUNTER, "exporter=jsonl|elasticsearch, outcome=written|error (jsonl), accepted|sent|retried|failed|dropped (elasticsearch)",
		"Events each exporter handled. jsonl: written, or failed to write. elasticsearch: accepted into the disk spool, sent (acknowledged, or already stored by an earlier try), retried (one count per send that has to be repeated), failed (rejected for good, in the dead-letter file) or dropped (deleted unsent when the spool was full, or not spooled)." },
	[M_EXPORTER_QUEUE_BYTES] = { "pantau_exporter_queue_bytes", METRIC_GAUGE, "exporter=elasticsearch",
		"Bytes an exporter holds that its destination has not acknowledged yet: the Elasticsearch spool on disk." },
	[M_EXPORTER_LAST_SUCCESS] = { "pantau_exporter_last_success_timestamp_seconds", METRIC_GAUGE, "exporter=elasticsearch",
		"Unix time of the exporter's last request its destination acknowledged; 0 before the first." },
	[M_EXPORTER_UNREACHABLE_SINCE] = { "pantau_exporter_unreachable_since_timestamp_seconds", METRIC_GAUGE, "exporter=elasticsearch",
		"Unix time since which the exporter's destination has not answered (kept across a restart of pantau); 0 while it answers." },
	[M_MAP_ENTRIES] = { "pantau_map_entries", METRIC_GAUGE, "map",
		"Entries in each pantau BPF map at scrape time." },
	[M_MAP_CAPACITY] = { "pantau_map_capacity", METRIC_GAUGE, "map",
		"Maximum entries of each pantau BPF map." },
	[M_SERVICES_FOLDED] = { "pantau_services_folded_total", METRIC_COUNTER, "reason=cap|evicted",
		"Services not kept apart because of the services.max cap: folded into other (cap) or dropped after being down longest (evicted)." },
	[M_REQUESTS_PARSED_ONCE] = { "pantau_requests_parsed_once_total", METRIC_COUNTER, "outcome=started|stopped",
		"Directions of TCP connections with both ends on this host and both followed whose bytes pantau parses once, as they are sent, for both ends (started); stopped counts those that fell out of step (the receiving socket gone or changed, or a gap) and went back to a parse at each end." },
	[M_REQUESTS_ANSWERS_FRAMED] = { "pantau_requests_answers_framed_total", METRIC_COUNTER, "",
		"Connections whose answers pantau frames byte by byte from some answer on, at the server's end or the client's when the other end is not parsed here, rather than read by their status lines alone: more than one request waiting (pipelining), an interim or protocol-switching answer, CONNECT, or a status line not whole at the start of a segment. Connections with both ends on this host and followed are framed from the start and not counted." },
	[M_COLLECTOR_DURATION] = { "pantau_collector_duration_seconds", METRIC_GAUGE, "collector",
		"How long each collector took during this scrape." },
	[M_COLLECTOR_SUCCESS] = { "pantau_collector_success", METRIC_GAUGE, "collector",
		"1 when the collector succeeded during this scrape, 0 when it failed." },
	[M_THRESHOLD] = { "pantau_threshold", METRIC_GAUGE, "name",
		"Thresholds from the config file, shared by the alert rules and the status page." },
	[M_CONFIG_RELOAD_OK] = { "pantau_config_last_reload_successful", METRIC_GAUGE, "",
		"1 when the last load of the config file (at start, or on SIGHUP) succeeded, 0 when it failed and the config before it still runs." },
	[M_CONFIG_RELOAD_TIME] = { "pantau_config_last_reload_success_timestamp_seconds", METRIC_GAUGE, "",
		"Unix time of the last config load that succeeded." },
	[M_HOST_CPUS] = { "pantau_host_cpus", METRIC_GAUGE, "",
		"CPUs online on this host." },
	[M_HOST_MEM_TOTAL] = { "pantau_host_memory_total_bytes", METRIC_GAUGE, "",
		"Memory of this host (MemTotal in /proc/meminfo)." },
	[M_HOST_MEM_AVAIL] = { "pantau_host_memory_available_bytes", METRIC_GAUGE, "",
		"Memory available for new work without swapping (MemAvailable in /proc/meminfo)." },
	[M_FS_SIZE] = { "pantau_filesystem_size_bytes", METRIC_GAUGE, "device, mountpoint, fstype",
		"Size of each local disk filesystem (statfs)." },
	[M_FS_AVAIL] = { "pantau_filesystem_avail_bytes", METRIC_GAUGE, "device, mountpoint, fstype",
		"Space left to unprivileged users on each local disk filesystem (statfs)." },
};

const char *metric_type_name(enum metric_type type)
{
	switch (type) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

int metrics_list(FILE *out, const char *format)
{
	bool markdown;

	if (strcmp(format, "markdown") == 0)
		markdown = true;
	else if (strcmp(format, "text") == 0)
		markdown = false;
	else
		return -EINVAL;

	if (markdown)
		fprintf(out, "# Metrics\n\n"
			"Generated by `pantau --list-metrics=markdown` from the metric table in\n"
			"exporters/prometheus/metrics.c; `make test` fails when this file is stale.\n\n"
			"| metric | type | labels | meaning |\n|---|---|---|---|\n");
	for (int i = 0; i < M_COUNT; i++) {
		const struct metric_def *m = &metric_table[i];

		if (markdown)
			fprintf(out, "| %s | %s | %s | %s |\n", m->name,
				metric_type_name(m->type), m->labels, m->help);
		else
			fprintf(out, "%-40s %-9s %s\n", m->name,
				metric_type_name(m->type), m->labels);
	}
	return 0;
}
