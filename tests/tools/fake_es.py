#!/usr/bin/python3
"""A stand-in for Elasticsearch that speaks as much of its REST API as
pantau uses, for tests on hosts where Elasticsearch cannot be installed.

- POST /_bulk (and /<index>/_bulk): NDJSON, gzip bodies (Content-Encoding:
  gzip), `create` and `index` actions; per-item results with `errors`,
  201 created, 409 version_conflict_engine_exception for an existing _id
  in the same data stream, 400 document_parsing_exception for a document
  that does not fit the installed mappings (ip, long, date) or is not JSON.
- PUT /_index_template/N, /_component_template/N, /_ilm/policy/N: stored.
- GET /: cluster info.
- Control, under /_fake/: POST /_fake/mode with a JSON object (keys below),
  GET /_fake/docs, GET /_fake/stats, GET /_fake/templates.

Modes (POST /_fake/mode, each key optional, null to clear):
  bulk_status: answer every _bulk with this status (429, 500, 503) and
               store nothing;
  item_status: answer every other item with this status (429, 503);
  reject_dataset: items with this event.dataset get 400 (a mapping error);
  templates_status: answer template PUTs with this status (403);
  delay: seconds to wait before answering a _bulk;
  lost_answers: store the next N _bulk requests but answer them 502, as
               when a proxy loses Elasticsearch's answer (the retry then
               meets 409s);
  max_content_length: answer a _bulk whose body (as sent, gzip'd or not)
               is longer than this many bytes with 413, as
               http.max_content_length does;
  count_only: take every _bulk item by its _id alone (201, or 409 for an
               _id seen before) and keep no document: for benchmarks;
               stats "counted" is the number of distinct _ids.
"Down" is the server closing its socket: FakeES.stop() then start() on the
same port keeps what it stored.

Run alone: fake_es.py [--port N]; it prints "PORT n" when listening.
"""

import argparse
import gzip
import ipaddress
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")


# An action line's operation and _id, in count_only mode (no JSON parsing).
ACTION_ID = re.compile(r'\{"(create|index)":\{[^}\n]*?"_id":"([^"]+)"')


class Store:
    """What the server accepted; shared over restarts of the socket."""

    def __init__(self):
        self.lock = threading.Lock()
        self.indices = {}          # data stream -> {_id: (source text, parsed)}
        self.templates = {"index": {}, "component": {}, "ilm": {}}
        self.mode = {}
        self.counted = set()       # _ids taken in count_only mode
        self.stats = {"bulk_requests": 0, "bulk_gzip": 0, "items": 0, "created": 0,
                      "conflicts": 0, "item_errors": 0, "refused_requests": 0,
                      "template_puts": 0, "bulk_times": [], "refused_times": []}

    def docs(self):
        with self.lock:
            return [{"_index": i, "_id": k, "_source": v[1], "_raw": v[0]}
                    for i, d in self.indices.items() for k, v in d.items()]


def mapped_fields(store):
    """{dotted field: type} from the installed component templates."""
    out = {}

    def walk(props, prefix):
        for name, spec in props.items():
            if "properties" in spec:
                walk(spec["properties"], prefix + name + ".")
            else:
                out[prefix + name] = spec.get("type", "object")
    for tpl in store.templates["component"].values():
        walk(tpl.get("template", {}).get("mappings", {}).get("properties", {}), "")
    return out


def leaf_fields(doc, prefix=""):
    for k, v in doc.items():
        if isinstance(v, dict):
            yield from leaf_fields(v, prefix + k + ".")
        else:
            yield prefix + k, v


def type_error(ftype, value):
    """Why value cannot be indexed as ftype, or None."""
    values = value if isinstance(value, list) else [value]
    for v in values:
        if ftype == "ip":
            try:
                ipaddress.ip_address(v)
            except (ValueError, TypeError):
                return "failed to parse field of type [ip]: '%s' is not an IP string literal" % v
        elif ftype == "long":
            if not isinstance(v, int) or isinstance(v, bool):
                return "failed to parse field of type [long]: %r" % (v,)
        elif ftype in ("date", "date_nanos"):
            if not isinstance(v, str) or not DATE_RE.match(v):
                return "failed to parse field of type [%s]: %r" % (ftype, v)
        elif ftype in ("keyword", "wildcard", "constant_keyword", "match_only_text", "text"):
            if isinstance(v, (dict, list)):
                return "failed to parse field of type [%s]" % ftype
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = None  # set per server class

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            data = gzip.decompress(data)
            return data, True
        return data, False

    def do_GET(self):
        st = self.store
        if self.path == "/":
            return self.reply(200, {"name": "fake-es", "cluster_name": "pantau-test",
                                    "version": {"number": "8.11.0", "distribution": "fake"},
                                    "tagline": "You Know, for Search"})
        if self.path == "/_fake/docs":
            return self.reply(200, {"docs": st.docs()})
        if self.path == "/_fake/stats":
            with st.lock:
                return self.reply(200, json.loads(json.dumps(st.stats)))
        if self.path == "/_fake/templates":
            with st.lock:
                return self.reply(200, st.templates)
        return self.reply(404, {"error": {"type": "resource_not_found_exception",
                                          "reason": "no handler for " + self.path},
                                "status": 404})

    def do_PUT(self):
        st = self.store
        data, _ = self.body()
        m = re.match(r"^/(_index_template|_component_template|_ilm/policy)/([^/?]+)", self.path)
        if not m:
            return self.reply(404, {"error": {"type": "not_found"}, "status": 404})
        with st.lock:
            st.stats["template_puts"] += 1
            forced = st.mode.get("templates_status")
        if forced:
            return self.reply(forced, {"error": {"type": "security_exception",
                                                 "reason": "action [%s] is unauthorized" % m.group(1)},
                                       "status": forced})
        try:
            obj = json.loads(data)
        except ValueError as e:
            return self.reply(400, {"error": {"type": "parse_exception", "reason": str(e)},
                                    "status": 400})
        kind = {"_index_template": "index", "_component_template": "component",
                "_ilm/policy": "ilm"}[m.group(1)]
        with st.lock:
            st.templates[kind][m.group(2)] = obj
        return self.reply(200, {"acknowledged": True})

    def do_POST(self):
        st = self.store
        if self.path == "/_fake/mode":
            data, _ = self.body()
            with st.lock:
                for k, v in json.loads(data or b"{}").items():
                    if v is None:
                        st.mode.pop(k, None)
                    else:
                        st.mode[k] = v
                return self.reply(200, dict(st.mode))
        m = re.match(r"^(?:/([^/_][^/]*))?/_bulk(\?.*)?$", self.path)
        if not m:
            return self.reply(404, {"error": {"type": "not_found"}, "status": 404})
        wire = int(self.headers.get("Content-Length") or 0)
        data, gz = self.body()
        with st.lock:
            mode = dict(st.mode)
            st.stats["bulk_requests"] += 1
            st.stats["bulk_gzip"] += 1 if gz else 0
            st.stats["bulk_times"].append(time.time())
        if mode.get("delay"):
            time.sleep(mode["delay"])
        # Like http.max_content_length: on the body as sent, before anything else.
        if mode.get("max_content_length") and wire > mode["max_content_length"]:
            with st.lock:
                st.stats["too_large"] = st.stats.get("too_large", 0) + 1
            return self.reply(413, {"error": {"type": "content_too_long_exception",
                                              "reason": "request body of %d bytes is over the "
                                              "limit of %d" % (wire, mode["max_content_length"])},
                                    "status": 413})
        if mode.get("bulk_status"):
            with st.lock:
                st.stats["refused_requests"] += 1
                st.stats["refused_times"].append(time.time())
            s = mode["bulk_status"]
            return self.reply(s, {"error": {"type": "es_rejected_execution_exception" if s == 429
                                            else "unavailable_shards_exception",
                                            "reason": "told to fail"}, "status": s})
        if self.headers.get("Content-Type", "").split(";")[0] not in ("application/x-ndjson",
                                                                       "application/json"):
            return self.reply(406, {"error": "Content-Type header [%s] is not supported" %
                                    self.headers.get("Content-Type"), "status": 406})
        if mode.get("count_only"):
            return self.count_only(st, data)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        else:
            return self.reply(400, {"error": {"type": "illegal_argument_exception",
                                              "reason": "The bulk request must be terminated by a newline [\\n]"},
                                    "status": 400})
        items, errors, i, n = [], False, 0, 0
        fields = mapped_fields(st)
        while i < len(lines):
            try:
                action = json.loads(lines[i])
            except ValueError:
                return self.reply(400, {"error": {"type": "x_content_parse_exception",
                                                  "reason": "bad action line %d" % i}, "status": 400})
            (op, meta), = action.items()
            if op not in ("create", "index") or i + 1 >= len(lines):
                return self.reply(400, {"error": {"type": "illegal_argument_exception",
                                                  "reason": "unsupported action " + op}, "status": 400})
            raw = lines[i + 1].decode()
            i += 2
            index = meta.get("_index") or m.group(1)
            _id = meta.get("_id")
            res = {"_index": index, "_id": _id}
            n += 1
            status, err = self.one_item(st, mode, n, op, index, _id, raw, fields)
            res["status"] = status
            if err:
                res["error"] = err
                errors = True
            items.append({op: res})
        with st.lock:
            st.stats["items"] += len(items)
            lost = st.mode.get("lost_answers", 0)
            if lost:
                st.mode["lost_answers"] = lost - 1
                st.stats["lost_answers"] = st.stats.get("lost_answers", 0) + 1
        if lost:
            return self.reply(502, {"error": "bad gateway", "status": 502})
        return self.reply(200, {"took": 1, "errors": errors, "items": items})

    def count_only(self, st, data):
        """Benchmarks: take every item by its _id alone, keeping no text."""
        actions = b"\n".join(data.split(b"\n")[0:-1:2]).decode()
        items = []
        with st.lock:
            seen = st.counted
            for op, _id in ACTION_ID.findall(actions):
                if _id in seen:
                    st.stats["conflicts"] += 1
                    items.append('{"%s":{"_id":"%s","status":409}}' % (op, _id))
                else:
                    seen.add(_id)
                    items.append('{"%s":{"_id":"%s","status":201}}' % (op, _id))
            st.stats["items"] += len(items)
            st.stats["counted"] = len(seen)
        body = ('{"took":1,"errors":false,"items":[' + ",".join(items) + "]}").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def one_item(self, st, mode, n, op, index, _id, raw, fields):
        if mode.get("item_status") and n % 2 == 1:
            with st.lock:
                st.stats["item_errors"] += 1
            return mode["item_status"], {"type": "es_rejected_execution_exception",
                                         "reason": "told to fail this item"}
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise ValueError("not an object")
        except ValueError as e:
            return 400, {"type": "document_parsing_exception", "reason": str(e)}
        reason = None
        if "@timestamp" not in doc:
            reason = "data stream timestamp field [@timestamp] is missing"
        elif mode.get("reject_dataset") and doc.get("event", {}).get("dataset") == mode["reject_dataset"]:
            reason = "[1:2] failed to parse: told to reject " + mode["reject_dataset"]
        else:
            for f, v in leaf_fields(doc):
                if f in fields:
                    reason = type_error(fields[f], v)
                    if reason:
                        reason = "[1:2] failed to parse field [%s]: %s" % (f, reason)
                        break
        if reason:
            with st.lock:
                st.stats["item_errors"] += 1
            return 400, {"type": "document_parsing_exception", "reason": reason}
        with st.lock:
            stream = st.indices.setdefault(index, {})
            if _id is None:
                _id = "auto-%d" % sum(len(d) for d in st.indices.values())
            if _id in stream and op == "create":
                st.stats["conflicts"] += 1
                return 409, {"type": "version_conflict_engine_exception",
                             "reason": "[%s]: version conflict, document already exists" % _id}
            stream[_id] = (raw, doc)
            st.stats["created"] += 1
        return 201, None


class FakeES:
    """The server on 127.0.0.1:port (0: any free port), in a thread."""

    def __init__(self, port=0, store=None):
        self.store = store or Store()
        self.port = port
        self.server = None
        self.thread = None

    def start(self):
        handler = type("BoundHandler", (Handler,), {"store": self.store})
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def set_mode(self, **kw):
        with self.store.lock:
            for k, v in kw.items():
                if v is None:
                    self.store.mode.pop(k, None)
                else:
                    self.store.mode[k] = v

    def docs(self):
        return self.store.docs()

    def stats(self):
        with self.store.lock:
            return json.loads(json.dumps(self.store.stats))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=9200)
    args = ap.parse_args()
    es = FakeES(args.port).start()
    print("PORT %d" % es.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        es.stop()


if __name__ == "__main__":
    main()
