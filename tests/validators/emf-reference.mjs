// The EMF documents that AWS's own library (aws-embedded-metrics) writes for
// the figures in the JSON file named on the command line, one per line, so
// a test can compare them field by field with pantau's. The metric names,
// units and the rules for leaving a metric out are written here again from
// docs/aws.md, on purpose: a second reading of the contract, not a copy of
// pantau's table.
import { readFileSync } from "node:fs";

process.env.AWS_EMF_ENVIRONMENT = "Local";
const { createMetricsLogger, Unit } = await import("aws-embedded-metrics");

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const meta = input.meta;
const known = (v) => v !== null && v !== undefined && Number.isFinite(v);

async function emit(dimensions, metrics) {
  const logger = createMetricsLogger();
  logger.setNamespace(meta.namespace);
  logger.setDimensions(dimensions);
  logger.setTimestamp(new Date(meta.timestamp_ms));
  logger.setProperty("IntervalSeconds", meta.interval_seconds);
  for (const [name, value, unit] of metrics)
    if (known(value)) logger.putMetric(name, value, unit);
  await logger.flush();
}

for (const s of input.services ?? []) {
  const m = [];
  if (s.has_up) m.push(["ServiceUp", s.up ? 1 : 0, Unit.Count]);
  m.push(["vCPU", s.vcpu, Unit.None]);
  m.push(["CPUShareOfLimit", s.cpu_share, Unit.None]);
  m.push(["MemoryRSS", s.memory_rss_bytes ?? 0, Unit.Bytes]);
  m.push(["MemoryShareOfLimit", s.memory_share, Unit.None]);
  m.push(["DiskReadBytes", s.disk_read_bytes ?? 0, Unit.Bytes]);
  m.push(["DiskWriteBytes", s.disk_write_bytes ?? 0, Unit.Bytes]);
  m.push(["DiskReadOps", s.disk_read_ops ?? 0, Unit.Count]);
  m.push(["DiskWriteOps", s.disk_write_ops ?? 0, Unit.Count]);
  m.push(["NetworkReceivedBytes", s.net_received_bytes ?? 0, Unit.Bytes]);
  m.push(["NetworkSentBytes", s.net_sent_bytes ?? 0, Unit.Bytes]);
  if (s.traffic) {
    m.push(["Requests", s.requests ?? 0, Unit.Count]);
    m.push(["Errors", s.errors ?? 0, Unit.Count]);
    m.push(["ErrorRatio", s.requests ? s.errors / s.requests : null, Unit.None]);
    m.push(["LatencyP50", s.p50_seconds, Unit.Seconds]);
    m.push(["LatencyP95", s.p95_seconds, Unit.Seconds]);
    m.push(["LatencyP99", s.p99_seconds, Unit.Seconds]);
  }
  await emit({ Host: meta.host, Service: s.service }, m);
}

for (const p of input.peers ?? []) {
  await emit({ Host: meta.host, Service: p.service, Peer: p.peer }, [
    ["DependencyCalls", p.calls ?? 0, Unit.Count],
    ["DependencyErrors", p.errors ?? 0, Unit.Count],
    ["DependencyErrorRatio", p.calls ? p.errors / p.calls : null, Unit.None],
    ["DependencyLatencyP50", p.p50_seconds, Unit.Seconds],
    ["DependencyLatencyP95", p.p95_seconds, Unit.Seconds],
    ["DependencyLatencyP99", p.p99_seconds, Unit.Seconds],
  ]);
}

if (input.host_services !== undefined)
  await emit({ Host: meta.host }, [
    ["PantauUp", 1, Unit.Count],
    ["ServicesWatched", input.host_services, Unit.Count],
  ]);
