#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of moto, for tests (loopback only).

  fault_proxy.py ENDPOINT RULES_JSON

Prints its port, then serves. Each request's operation is read from the wire (the query
protocols' `Action=`, the JSON protocols' `X-Amz-Target`, S3's method), and a rule for that
operation (or "*") draws at most one fault, from a seeded generator:

  {"seed": 7, "rules": {"*": {"latency": [0.01, 1.5]},
                        "StopInstances": {"throttle": 0.1, "500": 0.05, "503": 0.05,
                                          "reset_before": 0.02, "reset_after": 0.02,
                                          "truncate": 0.02}}}

  throttle      an AWS throttling answer, not forwarded (EC2 RequestLimitExceeded, else Throttling)
  500, 503      that status, not forwarded
  reset_before  the connection reset before the request reaches moto
  reset_after   forwarded (moto acts), then the connection reset instead of the answer
  truncate      forwarded, then half the answer and the connection closed
  latency       [probability, seconds]: the request held that long, then forwarded

A "script" makes faults certain instead: for each distinct request (operation and body; a
retry sends the same body), its n-th attempt gets the n-th fault of the operation's list:

  {"script": {"StopInstances": ["reset_after", "throttle"], "*": ["503"]}}

"page_size": {"DescribeInstances": 50} sends moto that page size (`MaxResults`, RDS's
`MaxRecords`) instead of the client's, so a benchmark sees many pages without a huge estate.

"deny_assume": [ROLE_ARN, ...] answers AssumeRole of those roles as STS does when the caller
may not assume them (403 AccessDenied), never forwarded.

"resign": {"key": ..., "secret": ..., "token": ...} makes up for a moto limit when it enforces IAM:
it checks a form body's signature against its own re-encoding of the parsed form (spaces as
'+'), while the AWS SDK for Rust encodes spaces as '%20', so a signed request whose values hold
spaces is refused (AuthFailure). Such a body is re-encoded as moto will, and signed again with
these (fake) credentials, or with those of a session an AssumeRole through the proxy answered
(the key that signed the request says which); the parameters are unchanged.

"answer": {"CreateSnapshots": {"ids": ["i-1"], "code": "SnapshotLimitExceeded"}} answers every
request of that operation naming one of those ids with that EC2 error (400), never forwarded.

GET /_log returns every request as JSON (AssumeRole's with the "role" asked for): operation, region, the resource ids it names, the
fault drawn, whether moto received it ("forwarded"), its status, method, path and the access key id
that signed it ("key").
"""
import http.client
import http.server
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

upstream = urllib.parse.urlparse(sys.argv[1])
assert upstream.hostname == "127.0.0.1", "loopback only"
config = json.loads(sys.argv[2])
rules = config.get("rules", {})
deny_assume = set(config.get("deny_assume", []))
script = config.get("script", {})
page_size = config.get("page_size", {})
answer = config.get("answer", {})
resign = config.get("resign")
# Access key id -> (secret, token) of every session the proxy saw AssumeRole hand out.
sessions = {}
if resign:
    sessions[resign["key"]] = (resign["secret"], resign.get("token"))
attempts = {}
rng = random.Random(config.get("seed", 1))
lock = threading.Lock()
log = []

ID_KEYS = re.compile(r"^(InstanceSpecification\.)?(InstanceId|SpotInstanceRequestId|ResourceId|DBInstanceIdentifier|ResourceName)(\.\d+)?$")

THROTTLE_EC2 = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
                '<Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>')
DENIED = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
          '<Message>User: arn:aws:iam::123456789012:user/hub is not authorized to perform: sts:AssumeRole on resource: {arn}</Message>'
          '</Error><RequestId>fault-proxy</RequestId></ErrorResponse>')
EC2_ERROR = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
             '<Message>fault-proxy: {code}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>')
THROTTLE_QUERY = ('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>'
                  '<RequestId>fault-proxy</RequestId></ErrorResponse>')


def operation(handler, body):
    target = handler.headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1], {}
    form = urllib.parse.parse_qs(body.decode(errors="replace")) if body else {}
    if "Action" in form:
        return form["Action"][0], form
    return "S3." + handler.command, {}


def scope(handler):
    """(region, service) from the SigV4 credential scope."""
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", handler.headers.get("Authorization", ""))
    return (m.group(1), m.group(2)) if m else ("", "")


def draw(op, body):
    faults = script.get(op, script.get("*"))
    if faults is not None:
        key = (op, body)
        with lock:
            n = attempts.get(key, 0)
            attempts[key] = n + 1
        return (faults[n] if n < len(faults) else None), 0.0
    rule = dict(rules.get("*", {}))
    rule.update(rules.get(op, {}))
    with lock:
        x = rng.random()
        latency = rule.get("latency")
        held = latency[1] if latency and rng.random() < latency[0] else 0.0
    acc = 0.0
    for fault in ("throttle", "500", "503", "reset_before", "reset_after", "truncate"):
        acc += rule.get(fault, 0.0)
        if x < acc:
            return fault, held
    return None, held


def resize_page(form, size):
    """The request's form with its page size replaced by `size`."""
    key = "MaxRecords" if "MaxRecords" in form else "MaxResults"
    fields = [(k, v) for k, vs in form.items() for v in vs if k != key] + [(key, str(size))]
    return urllib.parse.urlencode(fields).encode()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                body = json.dumps(log).encode()
            return self.reply(200, {"Content-Type": "application/json"}, body)
        self.handle_request(b"")

    def do_POST(self):
        self.handle_request(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    do_PUT = do_POST
    do_DELETE = do_GET
    do_HEAD = do_GET

    def handle_request(self, body):
        op, form = operation(self, body)
        ids = sorted({v[0] for k, v in form.items() if ID_KEYS.match(k)})
        fault, held = draw(op, body)
        region, service = scope(self)
        key = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
        entry = {"t": round(time.time(), 3), "op": op, "region": region, "service": service, "ids": ids, "fault": fault, "held": held,
                 "forwarded": False, "method": self.command, "path": self.path, "key": key.group(1) if key else ""}
        if op == "AssumeRole":
            entry["role"] = form.get("RoleArn", [""])[0]
        with lock:
            log.append(entry)
        if op == "AssumeRole" and entry["role"] in deny_assume:
            entry["fault"] = "access_denied"
            return self.reply(403, {"Content-Type": "text/xml"}, DENIED.format(arn=entry["role"]).encode())
        scripted = answer.get(op)
        if scripted and set(ids) & set(scripted["ids"]):
            entry["fault"] = scripted["code"]
            return self.reply(400, {"Content-Type": "text/xml"}, EC2_ERROR.format(code=scripted["code"]).encode())
        if held:
            time.sleep(held)
        if fault == "throttle":
            if self.headers.get("X-Amz-Target"):
                body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                return self.reply(400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "ThrottlingException"}, body)
            text = THROTTLE_EC2 if service == "ec2" else THROTTLE_QUERY
            return self.reply(400, {"Content-Type": "text/xml"}, text.encode())
        if fault in ("500", "503"):
            return self.reply(int(fault), {"Content-Type": "text/plain"}, b"fault-proxy: injected")
        if fault == "reset_before":
            return self.reset()
        if op in page_size:
            body = resize_page(form, page_size[op])
        status, headers, data = self.forward(body)
        entry["forwarded"] = True
        entry["status"] = status
        if resign and op == "AssumeRole" and status == 200:
            text = data.decode(errors="replace")
            found = [re.search(f"<{tag}>([^<]+)</{tag}>", text) for tag in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
            if all(found):
                with lock:
                    sessions[found[0].group(1)] = (found[1].group(1), found[2].group(1))
        if fault == "reset_after":
            return self.reset()
        if fault == "truncate":
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            return self.reset()
        self.reply(status, headers, data)

    def resigned(self, body, headers):
        """The form body as moto re-encodes it, signed again (see "resign")."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        if not resign or "x-www-form-urlencoded" not in headers.get("Content-Type", headers.get("content-type", "")):
            return body, headers
        encoded = urllib.parse.urlencode(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)).encode()
        if encoded == body:
            return body, headers
        region, service = scope(self)
        signer = re.search(r"Credential=([^/]+)/", headers.get("Authorization", headers.get("authorization", "")))
        with lock:
            secret = sessions.get(signer.group(1)) if signer else None
        if secret is None:
            return body, headers
        kept = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")}
        request = AWSRequest(method=self.command, url=f"http://{headers.get('Host', headers.get('host'))}{self.path}", data=encoded, headers=kept)
        SigV4Auth(Credentials(signer.group(1), secret[0], secret[1]), service, region).add_auth(request)
        return encoded, dict(request.headers.items())

    def forward(self, body):
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        # The client's Host is kept: it is signed (SigV4), and moto checks signatures when it
        # enforces IAM.
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
        body, headers = self.resigned(body, headers)
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        kept = {k: v for k, v in r.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        conn.close()
        return r.status, kept, data

    def reset(self):
        # SO_LINGER 0: the peer sees a connection reset, not an orderly close.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
