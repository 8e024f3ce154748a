"""Events to Elasticsearch, against tests/tools/fake_es.py (Elasticsearch
itself cannot be installed here; see docs/elasticsearch.md). Real traffic
(nginx in a test service, a client in another) makes request and
connection events; pantau writes each to its JSON-lines file and to the
spool, so the file is the ground truth: every line must be stored in the
fake server exactly once, under the _id hashed from that line, through
server errors, an outage and a SIGKILL of pantau in the middle."""

import base64
import collections
import hashlib
import json
import os
import signal
import sys
import tempfile
import time

from pantau_lib import (Cgroup, Nginx, Pantau, check, http_client, value, wait_for, ROOT)

sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
from fake_es import FakeES  # noqa: E402


def doc_id(line):
    return base64.urlsafe_b64encode(hashlib.sha256(line.encode()).digest()[:15]).decode()


def lines_of(path):
    try:
        with open(path) as f:
            return [l.rstrip("\n") for l in f if l.strip()]
    except FileNotFoundError:
        return []


def config(spool):
    return ("elasticsearch:\n"
            "  flush_seconds: 1\n"
            "  batch_events: 200\n"
            "  spool: { dir: %s, max_bytes: 64 MiB }\n" % spool)


def es_metric(p, outcome):
    return value(p.metrics(), "pantau_exporter_events_total", exporter="elasticsearch",
                 outcome=outcome) or 0


def stored_ids(es):
    return {d["_id"] for d in es.docs()}


def wait_delivered(es, lines, timeout, what):
    want = {doc_id(l) for l in lines}
    wait_for(lambda: want <= stored_ids(es), timeout,
             "%d %s in the fake Elasticsearch" % (len(want), what))


def check_exactly_once(es, lines, what, maybe=()):
    """Every line stored once, under its id, with its exact text; nothing
    else, but for lines in maybe (stored or not, once at most)."""
    docs = es.docs()
    by_id = collections.Counter(d["_id"] for d in docs)
    # Two pipelined requests answered in one segment can make identical
    # lines (same times, same ports): one id, stored once.
    want = {doc_id(l): l for l in lines}
    missing = set(want) - set(by_id)
    want.update({doc_id(l): l for l in maybe})
    extra = set(by_id) - set(want)
    check(not missing, "%s: %d of %d events never reached Elasticsearch" %
          (what, len(missing), len(want)))
    check(not extra, "%s: %d documents stored that pantau never wrote: %r" %
          (what, len(extra), [d["_raw"] for d in docs if d["_id"] in extra][:3]))
    check(max(by_id.values()) == 1, "%s: a document stored twice" % what)
    for d in docs:
        check(d["_raw"] == want[d["_id"]], "document text differs from the line it came from")
        ds = d["_source"]["event"]["dataset"]
        check(d["_index"] == "logs-%s-default" % ds, "%s went to %s" % (ds, d["_index"]))
    return docs


def traffic(rounds=1):
    """Requests and connections between two test services; returns responses."""
    srv, cli = Cgroup("t-esweb"), Cgroup("t-escli")
    nginx = None
    total = 0
    try:
        nginx = Nginx(srv)
        for _ in range(rounds):
            tally = http_client(cli, "127.0.0.1", nginx.port, "keepalive", "close")
            total += sum(tally.values())
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()
    return total


def test_every_event_arrives_exactly_once_with_templates():
    es = FakeES().start()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    try:
        with Pantau(config=config(os.path.join(tmp, "spool")),
                    args=("--events-file", "@EVENTS@", "--es-url", es.url + "/")) as p:
            n = traffic()
            wait_for(lambda: len(lines_of(p.events_path)) >= n, 15, "%d events" % n)
            wait_delivered(es, lines_of(p.events_path), 30, "events")
            failed = es_metric(p, "failed")
            sent = es_metric(p, "sent")
            queue = value(p.metrics(), "pantau_exporter_queue_bytes", exporter="elasticsearch")
            code = p.stop()
        lines = lines_of(p.events_path)
        docs = check_exactly_once(es, lines, "steady traffic")
        kinds = collections.Counter(d["_index"] for d in docs)
        st = es.stats()
        print("  %d requests made %d events: %s; %d _bulk requests, all gzip: %s; sent %d"
              % (n, len(lines), dict(kinds), st["bulk_requests"],
                 st["bulk_gzip"] == st["bulk_requests"], sent))
        check(code == 0, "pantau exited with %s" % code)
        check(kinds["logs-pantau.http-default"] >= n, "fewer http events than requests")
        check(kinds["logs-pantau.connection-default"] > 0, "no connection events")
        check(st["bulk_gzip"] == st["bulk_requests"] > 0, "a _bulk body was not gzip'd")
        check(failed == 0 and st["item_errors"] == 0,
              "items rejected (the fake checks ip, long and date fields against the template)")
        check(queue is not None, "no pantau_exporter_queue_bytes")
        tpl = es.store.templates
        it = tpl["index"].get("pantau-events")
        check(it and it["priority"] > 100 and "logs-pantau.*-*" in it["index_patterns"]
              and it.get("data_stream") == {}, "index template: %r" % it)
        check(set(it["composed_of"]) <= set(tpl["component"]), "missing component templates")
        check("pantau-events" in tpl["ilm"], "no ILM policy")
        from fake_es import mapped_fields, leaf_fields
        fields = mapped_fields(es.store)
        unmapped = {f for d in docs for f, _ in leaf_fields(d["_source"])} - set(fields)
        check(not unmapped, "fields pantau writes that the template does not map: %r" % unmapped)
        check(fields["event.duration"] == "long" and fields["source.ip"] == "ip"
              and fields["destination.ip"] == "ip", "ECS types in the template")
    finally:
        es.stop()


def test_spool_directory_is_created_with_its_parents():
    """A fresh host has no /var/lib/pantau: pantau makes the spool's missing
    parents itself (mode 0700), and events flow through it."""
    es = FakeES().start()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    parents = [os.path.join(tmp, "var"), os.path.join(tmp, "var", "lib"),
               os.path.join(tmp, "var", "lib", "pantau")]
    spool = os.path.join(parents[-1], "spool")
    try:
        with Pantau(config=config(spool),
                    args=("--events-file", "@EVENTS@", "--es-url", es.url)) as p:
            modes = {d: oct(os.stat(d).st_mode & 0o7777) for d in parents + [spool]}
            n = traffic()
            wait_for(lambda: len(lines_of(p.events_path)) >= n, 15, "%d events" % n)
            wait_delivered(es, lines_of(p.events_path), 30, "events")
            spooled = es_metric(p, "accepted")
            sent = es_metric(p, "sent")
            code = p.stop()
        print("  spool %s made with modes %s; %d events spooled, %d sent" %
              (spool, sorted(set(modes.values())), spooled, sent))
        check(code == 0, "pantau exited with %s" % code)
        check(all(m == "0o700" for m in modes.values()), "directory modes: %r" % modes)
        check_exactly_once(es, lines_of(p.events_path), "through a new spool directory")
        check(spooled >= n and sent >= n, "%d spooled, %d sent, %d requests" % (spooled, sent, n))
    finally:
        es.stop()


def test_server_errors_and_busy_phases_lose_and_duplicate_nothing():
    """Answers lost after storing (the retry meets 409s), 503 for every
    _bulk, then 429, then half the items 429, then a mapping error for one
    dataset: everything else is stored once, the
    rejected ones are in the dead-letter file with their reason."""
    es = FakeES().start()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    spool = os.path.join(tmp, "spool")
    try:
        with Pantau(config=config(spool),
                    args=("--events-file", "@EVENTS@", "--es-url", es.url)) as p:
            wait_for(lambda: es.store.templates["index"], 10, "templates installed")
            es.set_mode(lost_answers=2)
            wait_for(lambda: es.stats().get("lost_answers", 0) >= 2 and es.stats()["conflicts"],
                     30, "a retry of a stored batch")
            es.set_mode(bulk_status=503)
            n = traffic()
            wait_for(lambda: es.stats()["refused_requests"] >= 3, 20, "three refused _bulk")
            es.set_mode(bulk_status=429)
            t429 = es.stats()["refused_requests"]
            wait_for(lambda: es.stats()["refused_requests"] >= t429 + 2, 30, "two 429s")
            refused_times = es.stats()["refused_times"]
            es.set_mode(bulk_status=None, item_status=429)
            traffic()
            wait_for(lambda: es.stats()["item_errors"] >= 3, 30, "item-level 429s")
            es.set_mode(item_status=None, reject_dataset="pantau.connection")
            traffic()
            wait_for(lambda: lines_of(os.path.join(spool, "dead-letter.ndjson")), 60,
                     "a rejected connection event in the dead-letter file")
            es.set_mode(reject_dataset=None)
            dead_path = os.path.join(spool, "dead-letter.ndjson")
            # Other traffic on the host keeps adding events: wait for those so far.
            so_far = {doc_id(l) for l in lines_of(p.events_path)}
            wait_for(lambda: so_far - stored_ids(es)
                     <= {doc_id(json.loads(d)["document"]) for d in lines_of(dead_path)},
                     120, "%d events stored or dead-lettered" % len(so_far))
            retried = es_metric(p, "retried")
            failed = es_metric(p, "failed")
            p.stop()
        lines = lines_of(p.events_path)
        dead = [json.loads(l) for l in lines_of(os.path.join(spool, "dead-letter.ndjson"))]
        dead_docs = {d["document"] for d in dead}
        stored = [l for l in lines if l not in dead_docs]
        # A batch stored before its answer was lost may be retried after the
        # mapping error began: Elasticsearch parses a document before it
        # checks its _id, so such an event is both stored and dead-lettered.
        check_exactly_once(es, stored, "errors then recovery", maybe=dead_docs)
        gaps = [b - a for a, b in zip(refused_times, refused_times[1:])]
        st = es.stats()
        print("  %d requests, %d events; %d _bulk (%d refused whole, %d items refused), "
              "%d wire duplicates (409); retried %d, dead-lettered %d; gaps between "
              "failing tries %s s" % (n, len(lines), st["bulk_requests"], st["refused_requests"],
                                      st["item_errors"], st["conflicts"], retried, failed,
                                      [round(g, 2) for g in gaps[-6:]]))
        check(retried > 0, "nothing was counted as retried")
        check(max(gaps) > 1.0, "no back-off between failing tries: %r" % gaps)
        check(dead and all(d["status"] == 400 and "told to reject" in d["error"]["reason"]
                           and json.loads(d["document"])["event"]["dataset"] == "pantau.connection"
                           for d in dead), "dead-letter file: %r" % dead[:2])
        check(failed == len(dead), "failed %d, dead-letter lines %d" % (failed, len(dead)))
    finally:
        es.stop()


def test_too_large_requests_are_split_and_dead_letters_capped():
    """A server whose http.max_content_length is a fraction of a batch:
    pantau splits each batch in halves until it fits, and everything is
    stored once. Then a limit below one event: each event is rejected for
    good (413) into the dead-letter file, until its cap; the rest are
    counted as dropped."""
    es = FakeES().start()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    spool = os.path.join(tmp, "spool")
    dead_path = os.path.join(spool, "dead-letter.ndjson")
    cap = 4096
    try:
        with Pantau(config=config(spool) + "  dead_letter_max_bytes: %d\n" % cap,
                    args=("--events-file", "@EVENTS@", "--es-url", es.url)) as p:
            wait_for(lambda: es.store.templates["index"], 10, "templates installed")
            es.set_mode(max_content_length=1500)
            n = traffic()
            wait_for(lambda: len(lines_of(p.events_path)) >= n, 15, "%d events" % n)
            split_phase = lines_of(p.events_path)
            wait_delivered(es, split_phase, 60, "events of split batches")
            too_large = es.stats().get("too_large", 0)
            es.set_mode(max_content_length=100)
            traffic()
            wait_for(lambda: value(p.metrics(), "pantau_events_dropped_total",
                                   reason="es_dead_letter"), 60,
                     "rejected events past the dead-letter cap")
            m = p.metrics()
            failed = value(m, "pantau_exporter_events_total", exporter="elasticsearch",
                           outcome="failed")
            dropped = value(m, "pantau_events_dropped_total", reason="es_dead_letter")
            p.stop()
        dead = [json.loads(l) for l in lines_of(dead_path)]
        size = os.path.getsize(dead_path)
        check_exactly_once(es, split_phase, "batches split by 413",
                           maybe=set(lines_of(p.events_path)) - set(split_phase))
        print("  %d events; %d answers 413 while splitting; then %d rejected for good: %d kept "
              "in %d bytes of dead-letter file (cap %d), %d counted as dropped"
              % (len(split_phase), too_large, failed, len(dead), size, cap, dropped))
        check(too_large > 0, "no batch was over the limit: the test tested nothing")
        check(dead and all(d["status"] == 413 and d["error"]["type"] == "content_too_long"
                           for d in dead), "dead-letter file: %r" % dead[:2])
        check(size <= cap, "dead-letter file of %d bytes, over its cap of %d" % (size, cap))
        check(dropped > 0 and failed == len(dead) + dropped,
              "failed %d, kept %d, dropped %d" % (failed, len(dead), dropped))
    finally:
        es.stop()


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def spool_docs(spool):
    """The documents in the spool's segment files, oldest first (the
    record format of exporters/elasticsearch/es_spool.c: magic "PSP1", length, CRC-32)."""
    import struct
    docs = []
    for name in sorted(n for n in os.listdir(spool) if n.endswith(".seg")):
        try:
            with open(os.path.join(spool, name), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue    # deleted by the cap meanwhile: the caller reads again
        off = 0
        while off + 12 <= len(data):
            magic, length, _ = struct.unpack_from("<III", data, off)
            if magic != 0x31505350 or off + 12 + length > len(data):
                break   # the tail being written
            docs.append(data[off + 12:off + 12 + length].decode())
            off += 12 + length
    return docs


def test_full_spool_drops_oldest_counts_it_and_memory_stays_bounded():
    """Elasticsearch down, a 1 MiB spool, traffic until twice that went
    through it: the spool holds exactly the newest events, the ones before
    them are counted as dropped, the spool stays under its cap and pantau's
    RSS stays flat; once the server is back, no event is sent twice and
    sent + dropped never exceeds accepted (beyond one batch)."""
    es = FakeES().start()
    port = es.port
    es.stop()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    spool = os.path.join(tmp, "spool")
    cap = 1 << 20
    cfg = config(spool).replace("max_bytes: 64 MiB", "max_bytes: 1 MiB") + \
        "  batch_bytes: 256 KiB\nevents: { per_service_per_second: 5000 }\n"
    url = "http://127.0.0.1:%d" % port
    srv, cli = Cgroup("t-esweb"), Cgroup("t-escli")
    nginx = None
    try:
        nginx = Nginx(srv)
        with Pantau(config=cfg, args=("--events-file", "@EVENTS@", "--es-url", url)) as p:
            rss, queue, rounds = [], [], 0
            deadline = time.time() + 120
            while True:
                http_client(cli, "127.0.0.1", nginx.port, *(["healthy"] * 10 + ["keepalive"] * 3))
                rounds += 1
                rss.append(vm_rss_kib(p.proc.pid))
                queue.append(value(p.metrics(), "pantau_exporter_queue_bytes",
                                   exporter="elasticsearch"))
                written = os.path.getsize(p.events_path)
                if written > 2 * cap and es_metric(p, "dropped"):
                    break
                check(time.time() < deadline, "only %d bytes of events in 120 s" % written)
            # With nothing acknowledged, dropped is exactly the events before
            # the oldest one kept; read when no segment went meanwhile.
            for _ in range(10):
                before = es_metric(p, "dropped")
                kept = spool_docs(spool)
                lines = lines_of(p.events_path)
                if es_metric(p, "dropped") == before:
                    break
            first = lines.index(kept[0]) if kept and kept[0] in lines else -1
            contiguous = first >= 0 and lines[first:first + len(kept)] == kept
            accepted_then = es_metric(p, "accepted")
            es = FakeES(port, es.store).start()
            wait_for(lambda: es_metric(p, "sent") + es_metric(p, "dropped") >= accepted_then,
                     120, "the %d events accepted during the outage sent or dropped"
                     % accepted_then)
            m = p.metrics()
            accepted, sent, dropped = (value(m, "pantau_exporter_events_total",
                                             exporter="elasticsearch", outcome=o) or 0
                                       for o in ("accepted", "sent", "dropped"))
            p.stop()
        grown = max(rss) - rss[min(2, len(rss) - 1)]
        docs = es.docs()
        by_id = collections.Counter(d["_id"] for d in docs)
        print("  %d rounds of traffic, %.1f MiB of events through a %d KiB spool; at the "
              "server's return the spool held %d events, %d before them dropped (counted %d); "
              "queue max %d bytes; RSS %d..%d KiB, grew %d KiB after the first rounds; "
              "then accepted %d, sent %d, dropped %d"
              % (rounds, written / 2**20, cap >> 10, len(kept), first, before, max(queue),
                 min(rss), max(rss), grown, accepted, sent, dropped))
        check(before > 0 and first > 0, "nothing was dropped")
        check(contiguous, "the spool does not hold a contiguous run of the newest events")
        check(before == first, "%d events dropped before the oldest kept, %d counted"
              % (first, before))
        check(max(queue) <= cap, "the spool grew to %d bytes, over its cap" % max(queue))
        check(grown < 8 * 1024, "RSS grew by %d KiB while the spool was full" % grown)
        check(not by_id or max(by_id.values()) == 1, "a document stored twice")
        # Events the sender had read from a deleted segment may still go out:
        # dropped can overcount by one batch (docs/elasticsearch.md).
        check(sent + dropped <= accepted + 200,
              "accepted %d, sent %d, dropped %d" % (accepted, sent, dropped))
    finally:
        if nginx:
            nginx.stop()
        srv.remove()
        cli.remove()
        es.stop()


OUTAGE_SECONDS = 30


def unreachable_since(p):
    return value(p.metrics(), "pantau_exporter_unreachable_since_timestamp_seconds",
                 exporter="elasticsearch")


def check_says_unreachable(p, url):
    """The status page, its JSON API and `pantau --check` name the outage."""
    import subprocess
    from pantau_lib import PANTAU
    html = p.get("/?lang=en")
    check("Elasticsearch unreachable since" in html, "status page does not name the outage")
    es = p.status()["elasticsearch"]
    check(es["reachable"] is False and es["unreachable_since"], "JSON API: %r" % es)
    out = subprocess.run([PANTAU, "--config", p.config, "--es-url", url, "--check"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    lines = [l for l in out.stdout.splitlines() if "Elasticsearch" in l]
    print("  --check: " + "\n           ".join(lines))
    check(any(l.startswith("Elasticsearch at %s: unreachable" % url) for l in lines)
          and any(l.startswith("Elasticsearch unreachable since ") for l in lines),
          "--check did not say Elasticsearch is unreachable:\n" + out.stdout)


def test_outage_and_sigkill_restart_deliver_what_was_spooled():
    """Elasticsearch down for 30 s while traffic flows; pantau killed with
    SIGKILL once its events are accepted, and a new pantau on the same
    spool, during the outage; the status page, the metric and --check say
    since when it is unreachable; then the server comes back and every
    event either pantau accepted is stored, once."""
    es = FakeES().start()
    port = es.port
    es.stop()
    down_at = time.time()
    tmp = tempfile.mkdtemp(prefix="pantau-es-")
    spool = os.path.join(tmp, "spool")
    url = "http://127.0.0.1:%d" % port
    p1 = Pantau(config=config(spool), args=("--events-file", "@EVENTS@", "--es-url", url))
    p2 = None
    try:
        traffic()
        first = lines_of(p1.events_path)
        check(first, "no events from the traffic")
        wait_for(lambda: es_metric(p1, "accepted") >= len(first), 15,
                 "%d events accepted into the spool" % len(first))
        wait_for(lambda: unreachable_since(p1), 15, "pantau to find Elasticsearch unreachable")
        since = unreachable_since(p1)
        check(down_at - 1 <= since <= time.time(), "unreachable since %s, down at %s" % (since, down_at))
        check(es_metric(p1, "sent") == 0, "sent while Elasticsearch was down")
        p1.proc.kill()
        p1.proc.wait()
        p1.log.close()
        p2 = Pantau(config=config(spool), args=("--events-file", "@EVENTS@", "--es-url", url))
        check("events from an earlier run" in p2.log_text(), "restart did not find the spool: " +
              p2.log_text())
        check(unreachable_since(p2) == since, "the restart forgot when the outage began")
        rounds = 1
        traffic()
        check_says_unreachable(p2, url)
        while time.time() - down_at < OUTAGE_SECONDS - 5:
            traffic()
            rounds += 1
            time.sleep(1)   # a steady flow, without taking the host's CPUs
        time.sleep(max(0, OUTAGE_SECONDS - (time.time() - down_at)))
        outage = time.time() - down_at
        es = FakeES(port, es.store).start()
        wait_delivered(es, first, 60, "events of the killed pantau")
        second = lines_of(p2.events_path)
        wait_delivered(es, second, 60, "events of the restarted pantau")
        wait_for(lambda: unreachable_since(p2) == 0, 10, "pantau to find Elasticsearch back")
        check(not os.path.exists(os.path.join(spool, "unreachable-since")),
              "the outage's marker file outlived it")
        check(p2.status()["elasticsearch"]["reachable"] is True, "JSON API still says unreachable")
        last_ok = value(p2.metrics(), "pantau_exporter_last_success_timestamp_seconds",
                        exporter="elasticsearch")
        accepted2, sent2 = es_metric(p2, "accepted"), es_metric(p2, "sent")
        p2.stop()
        # Lines the killed pantau wrote after the snapshot may or may not have
        # been made durable before SIGKILL; they count as written, not as owed.
        both = lines_of(p1.events_path) + lines_of(p2.events_path)
        ids = collections.Counter(doc_id(l) for l in both)
        docs = es.docs()
        stored = collections.Counter(d["_id"] for d in docs)
        owed = {doc_id(l) for l in first + second}
        print("  outage %.0f s, %d traffic rounds; killed pantau wrote %d events (%d accepted "
              "before SIGKILL), its successor %d (accepted %d, sent %d incl. the recovered); "
              "stored %d, all owed ones: %s; wire duplicates %d"
              % (outage, rounds, len(lines_of(p1.events_path)), len(first),
                 len(lines_of(p2.events_path)), accepted2, sent2, len(docs),
                 owed <= set(stored), es.stats()["conflicts"]))
        check(outage >= OUTAGE_SECONDS, "the outage lasted only %.1f s" % outage)
        check(last_ok and last_ok >= down_at + OUTAGE_SECONDS - 1, "last success %s" % last_ok)
        check(all(stored[i] == 1 for i in ids if i in stored), "a document stored twice")
        lost = owed - set(stored)
        check(not lost, "%d of %d accepted events were lost" % (len(lost), len(owed)))
        check(set(stored) <= set(ids), "stored documents no pantau wrote")
        # The killed pantau sent nothing; its successor sent what both accepted.
        check(sent2 >= len(owed), "sent counts %d, fewer than the %d delivered" % (sent2, len(owed)))
    finally:
        if p1.proc.poll() is None:
            p1.stop()
        if p2:
            p2.stop()
        es.stop()


KQL_FIELD = r"([a-z@][a-z0-9_.]*)\s*(?::|<|>)"
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "scaled_float"}


def lens_fields(where, attrs, dv_ref):
    """Fields one Lens visualisation names, each with the operation that
    uses it; checks its accessors name its own columns and its layers the
    data view."""
    import re
    used = []
    state = attrs["state"]
    layers = state["datasourceStates"]["formBased"]["layers"]
    refs = {r["name"]: r["id"] for r in attrs["references"]}
    accessors = []
    vis = state["visualization"]
    for k in ("xAccessor", "yAccessor", "valueAccessor", "splitAccessor", "metricAccessor"):
        if k in vis:
            accessors.append(vis[k])
    for lay in vis.get("layers", []):
        accessors += lay.get("accessors", [])
        accessors += [lay[k] for k in ("xAccessor", "splitAccessor") if k in lay]
    accessors += [c["columnId"] for c in vis.get("columns", [])]
    if "sorting" in vis:
        accessors.append(vis["sorting"]["columnId"])
    for lid, layer in layers.items():
        check(refs.get("indexpattern-datasource-layer-" + lid) == dv_ref,
              "%s: layer %s does not use the data view" % (where, lid))
        cols = layer["columns"]
        check(sorted(layer["columnOrder"]) == sorted(cols), "%s: columnOrder" % where)
        for cid, col in cols.items():
            if col.get("sourceField") and col["sourceField"] != "___records___":
                used.append((col["sourceField"], col["operationType"]))
            if col.get("filter"):
                used += [(m, "kql") for m in re.findall(KQL_FIELD, col["filter"]["query"])]
            for f in col.get("params", {}).get("filters", []):
                used += [(m, "kql") for m in re.findall(KQL_FIELD, f["input"]["query"])]
            order = col.get("params", {}).get("orderBy", {})
            if order.get("type") == "column":
                check(order["columnId"] in cols, "%s: %s ordered by a missing column" % (where, cid))
        missing = [a for a in accessors if a not in cols]
        check(not missing, "%s: accessors %r name no column" % (where, missing))
    used += [(m, "kql") for m in re.findall(KQL_FIELD, state["query"]["query"])]
    check(not state.get("filters"), "%s: filters are not checked by this test" % where)
    return used


def test_kibana_objects_and_install_script_use_only_mapped_fields():
    """The saved objects are what dashboards/kibana/generate.py writes,
    parse, reference objects they ship with, and name only fields the
    template maps (or runtime fields of the data view that read only mapped
    fields), with numeric operations on numeric fields; the install script
    puts every template file where pantau itself puts it (run against the
    fake)."""
    import re
    import subprocess
    from fake_es import mapped_fields
    gen = subprocess.run([os.path.join(ROOT, "dashboards", "kibana", "generate.py"), "--check"],
                         capture_output=True, text=True, timeout=30)
    check(gen.returncode == 0, gen.stderr)
    es = FakeES().start()
    try:
        out = subprocess.run([os.path.join(ROOT, "scripts", "es-install.sh"), es.url],
                             capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, "es-install.sh failed: %s" % out.stderr)
        tpl = es.store.templates
        check(set(tpl["component"]) == {"pantau-events-settings", "pantau-events-mappings"}
              and set(tpl["index"]) == {"pantau-events"} and set(tpl["ilm"]) == {"pantau-events"},
              "es-install.sh installed %r" % {k: list(v) for k, v in tpl.items()})
        fields = mapped_fields(es.store)
    finally:
        es.stop()
    with open(os.path.join(ROOT, "dashboards", "kibana", "pantau.ndjson")) as f:
        objs = [json.loads(l) for l in f if l.strip()]
    ids = {(o["type"], o["id"]) for o in objs}
    views = [o for o in objs if o["type"] == "index-pattern"]
    check(len(views) == 1 and views[0]["attributes"]["title"] == "logs-pantau.*"
          and views[0]["attributes"]["timeFieldName"] == "@timestamp", "data view: %r" % views)
    dv = views[0]["id"]
    runtime = json.loads(views[0]["attributes"]["runtimeFieldMap"])
    known = dict(fields)
    for name, rf in runtime.items():
        reads = set(re.findall(r"doc\['([^']+)'\]", rf["script"]["source"]))
        check(reads and reads <= set(fields),
              "runtime field %s reads %r, not all mapped" % (name, reads))
        check(name.startswith("pantau.") and name not in fields, "runtime field %s" % name)
        known[name] = rf["type"]
    used = []
    dashboards = {}
    panels = 0
    for o in objs:
        for r in o.get("references", []):
            check((r["type"], r["id"]) in ids, "%s refers to missing %r" % (o["id"], r))
        a = o["attributes"]
        if o["type"] == "search":
            used += [(c, "column") for c in a["columns"]]
            src = json.loads(a["kibanaSavedObjectMeta"]["searchSourceJSON"])
            used += [(m, "kql") for m in re.findall(KQL_FIELD, src["query"]["query"])]
        if o["type"] == "dashboard":
            refs = {r["name"]: r for r in o["references"]}
            kinds = []
            for p in json.loads(a["panelsJSON"]):
                panels += 1
                where = "%s/%s" % (a["title"], p.get("title"))
                check(p["gridData"]["i"] == p["panelIndex"], where + ": gridData.i")
                if p["type"] == "lens":
                    attrs = p["embeddableConfig"]["attributes"]
                    kinds.append(attrs["visualizationType"])
                    for r in attrs["references"]:
                        outer = refs.get("%s:%s" % (p["panelIndex"], r["name"]))
                        check(outer and outer["id"] == r["id"] == dv,
                              where + ": reference %s not in the dashboard's" % r["name"])
                    used += lens_fields(where, attrs, dv)
                else:
                    r = refs.get("%s:%s" % (p["panelIndex"], p["panelRefName"]))
                    check(p["type"] == "search" and r and r["type"] == "search",
                          where + ": panel reference")
                    kinds.append("search")
            dashboards[a["title"]] = kinds
        used += [(f, "format") for f in json.loads(a.get("fieldFormatMap", "{}"))]
    check(set(dashboards) == {"pantau: Traffic", "pantau: Errors", "pantau: Payment gateway"},
          "dashboards: %r" % list(dashboards))
    check("lnsHeatmap" in dashboards["pantau: Traffic"], "Traffic has no heat map")
    check("search" in dashboards["pantau: Errors"], "Errors has no table of error events")
    unknown = {f for f, _ in used} - set(known)
    check(not unknown, "saved objects use fields the template does not map: %r" % unknown)
    not_numeric = {f for f, op in used if op in ("percentile", "average", "sum", "max", "median")
                   and known[f] not in NUMERIC}
    check(not not_numeric, "numeric operations on non-numeric fields: %r" % not_numeric)
    dates = {f for f, op in used if op == "date_histogram"}
    check(all(known[f].startswith("date") for f in dates), "date histogram on %r" % dates)
    print("  %d saved objects, %d dashboards with %d panels, use %d fields, all mapped"
          % (len(objs), len(dashboards), panels, len({f for f, _ in used})))


def test_template_fields_have_their_ecs_types():
    """Every ECS field the mappings name has the type of the ECS field list
    in Elastic's @elastic/ecs package; the rest are under pantau.*."""
    import subprocess
    from pantau_lib import VALIDATORS, npm_ci
    npm_ci()
    p = subprocess.run(["node", os.path.join(VALIDATORS, "validate-ecs.mjs"),
                        os.path.join(ROOT, "dashboards", "elasticsearch", "component-mappings.json")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    print("  " + p.stdout.strip().replace("\n", "\n  "))
    check(p.returncode == 0, "the template departs from ECS:\n" + p.stdout)
    check(" ECS fields with ECS " in p.stdout, "the validator checked nothing: " + p.stdout)


def test_sighup_moves_to_new_urls_and_loses_nothing():
    """A reload pointing elasticsearch.urls at another cluster: the events
    before it are in the first, those after in the second, each once, and
    the second gets the index templates too."""
    first_es, second_es = FakeES().start(), FakeES().start()
    spool = os.path.join(tempfile.mkdtemp(prefix="pantau-es-"), "spool")

    def conf(es):
        return config(spool) + '  urls: ["%s"]\n' % es.url

    try:
        with Pantau(config=conf(first_es), args=("--events-file", "@EVENTS@")) as p:
            n = traffic()
            wait_for(lambda: len(lines_of(p.events_path)) >= n, 15, "%d events" % n)
            wait_delivered(first_es, lines_of(p.events_path), 30, "events before the reload")
            with open(p.config, "w") as f:
                f.write(conf(second_es))
            p.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "sending to %s" % second_es.url in p.log_text(), 15,
                     "the exporter to take the new URL")
            before = len(lines_of(p.events_path))
            m = traffic()
            wait_for(lambda: len(lines_of(p.events_path)) >= before + m, 15, "%d more events" % m)
            lines = lines_of(p.events_path)
            wait_for(lambda: {doc_id(l) for l in lines} <= stored_ids(first_es) | stored_ids(second_es),
                     30, "every event in one of the two")
        lines = lines_of(p.events_path)  # with what pantau wrote as it stopped
        ids = [d["_id"] for es in (first_es, second_es) for d in es.docs()]
        firsts, seconds = len(first_es.docs()), len(second_es.docs())
        print("  %d events: %d in the first cluster, %d in the second, after %d requests before "
              "the reload and %d after" % (len(lines), firsts, seconds, n, m))
        want = collections.Counter(doc_id(l) for l in lines)
        got = collections.Counter(ids)
        # Two pipelined requests answered in one segment can make identical lines: one document.
        check(set(got) == set(want) and max(got.values()) == 1,
              "across the two clusters: %d lost, %d stored twice, %d unknown" % (
            len(set(want) - set(got)), sum(1 for k, v in got.items() if v > 1),
            len(set(got) - set(want))))
        check(seconds >= m, "the second cluster has %d events, %d requests came after the reload"
              % (seconds, m))
        check("pantau-events" in second_es.store.templates["index"], "no templates in the second")
    finally:
        first_es.stop()
        second_es.stop()
