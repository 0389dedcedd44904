#!/usr/bin/env python3
"""A small local implementation of the AWS Lambda Runtime API (2018-06-01), enough to run a
custom-runtime `bootstrap` as Lambda does: it hands out events, and records what the function
answers. Used by the bootstrap test and by scripts/bench_lambda.py.

  runtime_api.py EVENTS.json RECORD.jsonl

EVENTS.json: a list of {"payload": <event JSON>, "deadline_ms": <ms from now, default 900000>}.
Prints the port it listens on (127.0.0.1) on its first line of output. Every call the function
makes is appended to RECORD.jsonl as one JSON object:
  {"kind": "next", "t": ...}                                           GET  /runtime/invocation/next
  {"kind": "response", "request_id": ..., "body": ..., "t": ...}       POST /runtime/invocation/ID/response
  {"kind": "error", "request_id": ..., "error_type": ..., "body": ...} POST /runtime/invocation/ID/error
  {"kind": "init-error", "error_type": ..., "body": ...}               POST /runtime/init/error
Once the events are used up, /next blocks, as on Lambda, until the process is stopped.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
events = json.load(open(sys.argv[1]))
record_path = sys.argv[2]
lock = threading.Lock()
served = [0]


def record(entry):
    entry["t"] = time.time()
    with lock, open(record_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != PREFIX + "/invocation/next":
            return self.reply(404)
        record({"kind": "next"})
        with lock:
            index = served[0]
            served[0] += 1
        if index >= len(events):
            while True:
                time.sleep(3600)
        event = events[index]
        deadline = int(time.time() * 1000) + event.get("deadline_ms", 900000)
        self.reply(200, json.dumps(event["payload"]).encode(), [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", "request-%d" % (index + 1)),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:custodian"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ])

    def do_POST(self):
        raw = self.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        parts = self.path[len(PREFIX):].strip("/").split("/")
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if parts == ["init", "error"]:
            record({"kind": "init-error", "error_type": error_type, "body": body})
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            record({"kind": "response", "request_id": parts[1], "body": body})
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            record({"kind": "error", "request_id": parts[1], "error_type": error_type, "body": body})
        else:
            return self.reply(404)
        self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
