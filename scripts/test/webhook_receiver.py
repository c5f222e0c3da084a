#!/usr/bin/env python3
"""A downstream webhook receiver for the tests that verifies Standard Webhooks signatures with
the `standardwebhooks` package (an implementation independent of kontextd's).

Usage: webhook_receiver.py SECRET LOG_FILE [--fail-first N] [--status CODE]
Listens on a free loopback port and prints it. Each POST: the signature is verified (401 when it
does not verify); while --fail-first N answers remain, answers 500 (a sink that is down); with
--status, answers CODE always; otherwise appends {"id", "type", "body"} to LOG_FILE and answers 204.
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

parser = argparse.ArgumentParser()
parser.add_argument("secret")
parser.add_argument("log")
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--status", type=int, default=0)
args = parser.parse_args()
webhook = Webhook(args.secret)
lock = threading.Lock()
remaining_failures = [args.fail_first]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = webhook.verify(body, headers)
        except WebhookVerificationError as error:
            self.answer(401, f"signature: {error}")
            return
        with lock:
            if remaining_failures[0] > 0:
                remaining_failures[0] -= 1
                self.answer(500, "down for a while")
                return
            if args.status:
                self.answer(args.status, "told to")
                return
            with open(args.log, "a") as log:
                log.write(json.dumps({"id": headers["webhook-id"], "type": payload["type"], "body": body.decode()}) + "\n")
        self.answer(204, "")

    def answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
# Serve until the test closes stdin: signals may be blocked in a test runner's children.
sys.stdin.read()
