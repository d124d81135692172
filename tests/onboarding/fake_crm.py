#!/usr/bin/env python3
"""A small local CRM for the onboarding workflow's tests and demo (docs/onboarding.md).

It stands in for the business's CRM behind an OAuth2-protected HTTP API:

  POST /oauth/token      OAuth2 client credentials (RFC 6749 section 4.4): the client id and
                         secret as HTTP Basic auth or as form fields; grant_type
                         client_credentials; answers {access_token, token_type: Bearer,
                         expires_in, scope}.
  POST /api/accounts     creates an account from a JSON object; needs `Authorization: Bearer
                         <token>` (401 with WWW-Authenticate otherwise, also for an expired
                         token) and an `Idempotency-Key` header (400 without): a repeated key
                         answers the first response again (with `Idempotent-Replayed: true`)
                         and creates nothing; the same key with a different body is 422.
  GET  /api/accounts     the accounts, oldest first ({"accounts": [...]}); GET
                         /api/accounts/<id> one of them.
  GET  /_stats           counters for tests: tokens issued, accounts created, replays,
                         unauthorised requests, the Authorization headers' schemes seen.

Options: --port (0: any free port), --port-file (written once listening), --client-id-env and
--client-secret-env (the variables holding the expected credentials; default CRM_CLIENT_ID and
CRM_CLIENT_SECRET), --token-ttl seconds (default 3600), --lose-responses N (the first N account
creations succeed but the client gets a 503, as if the connection dropped: a retry with the same
Idempotency-Key must not create a second account). Standard library only; the secrets are
never printed.
"""
import argparse
import base64
import hmac
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Crm:
    def __init__(self, client_id, client_secret, token_ttl, lose_responses):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.lose_responses = lose_responses
        self.lock = threading.Lock()
        self.tokens = {}  # token -> expiry (epoch seconds)
        self.accounts = []
        self.by_key = {}  # idempotency key -> (body, status, response)
        self.stats = {"tokens_issued": 0, "accounts_created": 0, "replays": 0,
                      "unauthorized": 0, "lost_responses": 0, "auth_schemes": []}


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeCRM/1"

    def log_message(self, fmt, *args):  # quiet: tests read /_stats instead
        pass

    @property
    def crm(self):
        return self.server.crm

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def token_ok(self):
        auth = self.headers.get("Authorization") or ""
        scheme = auth.split(" ", 1)[0]
        with self.crm.lock:
            self.crm.stats["auth_schemes"].append(scheme)
            if scheme.lower() == "bearer":
                expiry = self.crm.tokens.get(auth.split(" ", 1)[1].strip() if " " in auth else "")
                if expiry is not None and expiry > time.time():
                    return True
            self.crm.stats["unauthorized"] += 1
        self.reply(401, {"error": "invalid_token", "error_description":
                         "send Authorization: Bearer <token from /oauth/token>"},
                   {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return False

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        if path == "/oauth/token":
            return self.token()
        if path == "/api/accounts":
            return self.create_account()
        self.reply(404, {"error": "not_found", "path": path})

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        if path == "/_stats":
            with self.crm.lock:
                return self.reply(200, dict(self.crm.stats, accounts=len(self.crm.accounts)))
        if not path.startswith("/api/accounts"):
            return self.reply(404, {"error": "not_found", "path": path})
        if not self.token_ok():
            return None
        with self.crm.lock:
            if path.rstrip("/") == "/api/accounts":
                return self.reply(200, {"accounts": list(self.crm.accounts)})
            wanted = path.rsplit("/", 1)[1]
            for account in self.crm.accounts:
                if account["id"] == wanted:
                    return self.reply(200, account)
        return self.reply(404, {"error": "no such account", "id": wanted})

    def token(self):
        form = urllib.parse.parse_qs(self.read_body().decode(), keep_blank_values=True)
        client_id = (form.get("client_id") or [""])[0]
        client_secret = (form.get("client_secret") or [""])[0]
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                pair = base64.b64decode(auth[6:].strip()).decode()
                client_id, client_secret = (urllib.parse.unquote_plus(p)
                                            for p in pair.split(":", 1))
            except (ValueError, UnicodeDecodeError):
                return self.reply(400, {"error": "invalid_request"})
        if (form.get("grant_type") or [""])[0] != "client_credentials":
            return self.reply(400, {"error": "unsupported_grant_type"})
        if not (hmac.compare_digest(client_id, self.crm.client_id)
                and hmac.compare_digest(client_secret, self.crm.client_secret)):
            return self.reply(401, {"error": "invalid_client"},
                              {"WWW-Authenticate": 'Basic realm="crm"'})
        token = secrets.token_urlsafe(24)
        with self.crm.lock:
            self.crm.tokens[token] = time.time() + self.crm.token_ttl
            self.crm.stats["tokens_issued"] += 1
        self.reply(200, {"access_token": token, "token_type": "Bearer",
                         "expires_in": self.crm.token_ttl,
                         "scope": (form.get("scope") or ["accounts.write"])[0]},
                   {"Cache-Control": "no-store"})

    def create_account(self):
        if not self.token_ok():
            return None
        key = self.headers.get("Idempotency-Key") or ""
        raw = self.read_body()
        if not key:
            return self.reply(400, {"error": "send an Idempotency-Key header"})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self.reply(400, {"error": "the body is not JSON"})
        if not isinstance(body, dict):
            return self.reply(400, {"error": "the body must be a JSON object"})
        with self.crm.lock:
            if key in self.crm.by_key:
                first_body, status, response = self.crm.by_key[key]
                if first_body != body:
                    return self.reply(422, {"error": "this Idempotency-Key was used with "
                                            "another body"})
                self.crm.stats["replays"] += 1
                return self.reply(status, response, {"Idempotent-Replayed": "true"})
            account = dict(body, id="acct_%04d" % (len(self.crm.accounts) + 1),
                           created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            self.crm.accounts.append(account)
            self.crm.by_key[key] = (body, 201, account)
            self.crm.stats["accounts_created"] += 1
            lose = self.crm.lose_responses > 0
            if lose:
                self.crm.lose_responses -= 1
                self.crm.stats["lost_responses"] += 1
        if lose:
            return self.reply(503, {"error": "temporarily unavailable"})
        return self.reply(201, account)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--client-id-env", default="CRM_CLIENT_ID")
    parser.add_argument("--client-secret-env", default="CRM_CLIENT_SECRET")
    parser.add_argument("--token-ttl", type=int, default=3600)
    parser.add_argument("--lose-responses", type=int, default=0)
    args = parser.parse_args()
    client_id = os.environ.get(args.client_id_env)
    client_secret = os.environ.get(args.client_secret_env)
    if not client_id or not client_secret:
        sys.exit("fake_crm: set %s and %s (the client credentials it accepts)"
                 % (args.client_id_env, args.client_secret_env))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.crm = Crm(client_id, client_secret, args.token_ttl, args.lose_responses)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("fake CRM on http://127.0.0.1:%d (token: /oauth/token, API: /api)" % port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
