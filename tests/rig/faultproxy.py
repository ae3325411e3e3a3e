#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between the provider and the moto server, for tests.

usage: faultproxy.py PORT UPSTREAM RULES_FILE [--aws-rules]

With --aws-rules the proxy also refuses what AWS refuses and moto accepts (rig/awsrules.py):
GET /__rules answers what it refused, paged and recorded as latent faults.

RULES_FILE is JSON, read again on every request so a test can change the faults mid-run:
  {"seed": 7, "rules": [{"service": "*", "operation": "*", "rate": 0.2,
                         "faults": ["throttle", "500", "503", "drop", "slow"], "delay_ms": 400}]}
service: the SigV4 credential scope's service (ec2, iam, kms, s3, logs, secretsmanager, sts,
dynamodb, sns, monitoring for CloudWatch, rds) or
"*"; operation: the API operation (CreateSubnet, CreateKey, ...; for S3 "PUT tagging" style) or
"*", a prefix ending in "*" also matches. The first matching rule whose dice roll hits picks one
of its faults at random:
  throttle  the service's own throttling error (EC2 RequestLimitExceeded 503, IAM, STS, SNS,
            CloudWatch and RDS Throttling 400 in XML, JSON services ThrottlingException 400, S3 SlowDown 503)
  500, 503  InternalError / ServiceUnavailable
  drop      forwards the request (it takes effect upstream) and closes the connection without
            an answer: the client cannot know whether it happened
  slow      waits delay_ms, then forwards
  deny      AccessDenied (403): a permanent error
GET /__faults answers the counts so far: {"requests": N, "injected": {fault: N}}.
"""
import http.client
import http.server
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse

PORT, UPSTREAM, RULES = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2]), sys.argv[3]
AWS_RULES = "--aws-rules" in sys.argv[4:]
if AWS_RULES:
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import awsrules
lock = threading.Lock()
stats = {"requests": 0, "injected": {}}
rng = None


def rules():
    global rng
    try:
        with open(RULES) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return []
    with lock:
        if rng is None:
            rng = random.Random(cfg.get("seed", 1))
    return cfg.get("rules", [])


def region_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/[^/]+/", headers.get("Authorization", ""))
    return m.group(1) if m else ""


def identify(headers, path, body):
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    service = m.group(1) if m else ""
    target = headers.get("X-Amz-Target", "")
    if target:
        return service, target.rsplit(".", 1)[-1]
    if body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return service, form["Action"][0]
    query = urllib.parse.urlparse(path).query
    first = query.split("&")[0].split("=")[0] if query else ""
    return service, first


def matches(pattern, value):
    return pattern == "*" or pattern == value or (pattern.endswith("*") and value.startswith(pattern[:-1]))


# Services that answer in the query protocol's XML (the rest, but EC2 and S3, speak JSON).
QUERY_XML = {"iam", "sts", "sns", "monitoring", "rds", "cloudformation", "elasticache", "elasticloadbalancing"}
# REST services answering errors in XML.
REST_XML = {"cloudfront", "route53"}


def error_body(service, code, message):
    if service in ("ec2",):
        return "text/xml", f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"
    if service in QUERY_XML:
        return "text/xml", f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    if service in REST_XML:
        return "text/xml", f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    if service == "s3":
        return "application/xml", f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message})


THROTTLE = {"ec2": ("RequestLimitExceeded", 503), "s3": ("SlowDown", 503),
            **{s: ("Throttling", 400) for s in QUERY_XML | REST_XML},
            "lambda": ("TooManyRequestsException", 429), "apigateway": ("TooManyRequestsException", 429)}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, ctype, data):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        if self.path == "/__rules":
            return self.answer(200, "application/json", json.dumps(awsrules.report() if AWS_RULES else {}).encode())
        if self.path == "/__faults":
            with lock:
                body = json.dumps(stats).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service, operation = identify(self.headers, self.path, body)
        if service == "s3":
            operation = f"{self.command} {operation}".strip()
        fault, delay = None, 0
        for r in rules():
            if matches(r.get("service", "*"), service) and matches(r.get("operation", "*"), operation):
                with lock:
                    hit = rng.random() < r.get("rate", 0)
                    pick = rng.choice(r.get("faults", ["500"])) if hit else None
                if hit:
                    fault, delay = pick, r.get("delay_ms", 300)
                    break
        with lock:
            stats["requests"] += 1
            if fault:
                stats["injected"][fault] = stats["injected"].get(fault, 0) + 1
        if fault in ("throttle", "500", "503", "deny"):
            code, status = {
                "throttle": THROTTLE.get(service, ("ThrottlingException", 400)),
                "500": ("InternalError", 500),
                "503": ("ServiceUnavailable", 503),
                "deny": ("AccessDenied" if service in QUERY_XML | REST_XML | {"ec2", "s3"} else "AccessDeniedException", 403),
            }[fault]
            ctype, text = error_body(service, code, f"injected by the fault proxy ({fault})")
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        ctx = None
        if AWS_RULES:
            ctx = awsrules.Request(service, operation, self.command, self.path, self.headers, body, region_of(self.headers))
            refusal = awsrules.check(ctx)
            if refusal is not None:
                ctype, text = error_body(service, refusal.code, refusal.message)
                return self.answer(refusal.status, ctype, text.encode())
            own = awsrules.own_answer(ctx)
            if own is not None:
                return self.answer(200, "application/x-amz-json-1.1", own)
        if fault == "slow":
            time.sleep(delay / 1000)
        up = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
        up.request(self.command, self.path, body=body, headers=headers)
        resp = up.getresponse()
        data = resp.read()
        up.close()
        if ctx is not None:
            data = awsrules.rewrite(ctx, resp.status, data)
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_safely(self):
        # A fault of the rig itself answers as such (HTTP 500, code RigError, on stderr too),
        # never as a closed connection a client would take for the network.
        try:
            self.handle_any()
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            try:
                self.answer(500, "application/json", json.dumps({"__type": "RigError", "message": f"the test proxy failed: {e!r}"}).encode())
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_safely


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    # Port 0: the kernel picks a free one, which the rig reads from the first line printed, so
    # no other process can take it between choosing and binding.
    server = Server(("127.0.0.1", PORT), Proxy)
    print(f"listening {server.server_address[1]}", flush=True)
    # The rig stops reading after that line: nothing more may go to the closed pipe.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    server.serve_forever()
