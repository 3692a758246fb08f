#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A webhook receiver for tests (not a test itself): an HTTP server on
# 127.0.0.1 (a free port, written to DIR/port once listening) that
# records every request as DIR/req-N.json: {"method", "path", "headers",
# "body"} (body as text). Each answer's status is read from DIR/status
# (a number; 200 when the file is missing), so a test can make it fail.
#   webhook_receiver.py DIR
import http.server
import json
import os
import sys
import threading

DIR = sys.argv[1]
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def handle_one(self):
        global count
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        try:
            with open(os.path.join(DIR, "status")) as f:
                status = int(f.read().strip() or 200)
        except FileNotFoundError:
            status = 200
        with lock:
            count += 1
            rec = {"method": self.command, "path": self.path,
                   "headers": dict(self.headers.items()),
                   "body": body.decode("utf-8", "replace"),
                   "status": status}
            tmp = os.path.join(DIR, ".req-%d.tmp" % count)
            with open(tmp, "w") as f:
                json.dump(rec, f)
            os.rename(tmp, os.path.join(DIR, "req-%d.json" % count))
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    do_POST = handle_one
    do_GET = handle_one


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, ".port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(DIR, ".port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
