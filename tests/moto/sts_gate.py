#!/usr/bin/env python3
"""A stand-in in front of moto's STS (loopback only): forwards every request to moto, except
AssumeRole of the role ARNs given, which it refuses as STS does (403 AccessDenied). It logs
every AssumeRole's RoleArn; GET /_assumed returns that log as JSON. Prints its port, then serves.

  sts_gate.py ENDPOINT DENIED_ROLE_ARN...
"""
import http.client
import http.server
import json
import sys
import threading
import urllib.parse

upstream = urllib.parse.urlparse(sys.argv[1])
assert upstream.hostname == "127.0.0.1", "loopback only"
denied = set(sys.argv[2:])
assumed = []
lock = threading.Lock()

DENIED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/hub is not authorized to perform: sts:AssumeRole on resource: {arn}</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"""


class Gate(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/_assumed":
            with lock:
                body = json.dumps(assumed).encode()
            self.reply(200, {"Content-Type": "application/json"}, body)
        else:
            self.forward(b"")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        form = urllib.parse.parse_qs(body.decode())
        if form.get("Action") == ["AssumeRole"]:
            arn = form.get("RoleArn", [""])[0]
            with lock:
                assumed.append(arn)
            if arn in denied:
                self.reply(403, {"Content-Type": "text/xml"}, DENIED.format(arn=arn).encode())
                return
        self.forward(body)

    def forward(self, body):
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        self.reply(r.status, {k: v for k, v in r.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}, data)
        conn.close()

    def reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gate)
print(server.server_address[1], flush=True)
server.serve_forever()
