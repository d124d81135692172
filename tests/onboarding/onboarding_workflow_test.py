#!/usr/bin/env python3
"""The customer onboarding workflow (workflows/onboarding/) end to end, against real systems.

Real PostgreSQL (ctest's `pg` fixture) holds the sanctions list and the customers; real SMTP and
IMAP servers (the `mail` fixture: OpenSMTPD + Dovecot) carry the welcome email; the CRM is
tests/onboarding/fake_crm.py (OAuth2 client credentials, POST /accounts with Idempotency-Key),
started so that the response to its first account creation is lost. `flowline serve` receives
the sign-ups through the signed webhook, with the identity document as base64 (`files:`).

Checks:
  - a low-risk sign-up goes straight through: one CRM account (created once although the first
    response was lost and the http step retried), the welcome email delivered (read back over
    IMAP by its Message-ID), the customer active in PostgreSQL;
  - the same webhook again (same signup_id) is the same run; nothing is created twice;
  - a sanctioned, an expired-document and a high-risk sign-up each wait in `compliance` with the
    reason (check failed: not_sanctioned / document_valid, rule high_risk);
  - approving the expired-document one opens the account, sends the email and activates the
    customer; rejecting the sanctioned one does none of it;
  - the webhook secret, the CRM client secret and the SMTP password appear in no store file,
    run, task or log.
"""
import argparse
import base64
import hashlib
import hmac
import imaplib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scaleout"))
import pg  # noqa: E402  (tests/scaleout/pg.py: conninfo, databases, psql)

HOOK_SECRET = "hook-secret-onb-7f3a9c21"  # recognisable, grepped for at the end
CRM_CLIENT_ID = "onboarding-client"
CRM_SECRET = "crm-secret-onb-b81d44e0"
PROBLEMS = []


def expect(condition, what):
    if not condition:
        PROBLEMS.append(what)
        print("FAIL:", what, flush=True)
    return condition


def mail_env():
    path = os.environ.get("FLOWLINE_TEST_MAIL_ENV_FILE", "")
    if not path or not os.path.exists(path):
        sys.exit("FAILED: no test mail servers: run through ctest (the mail fixture), or "
                 "scripts/mail-test-servers.sh start DIR and export "
                 "FLOWLINE_TEST_MAIL_ENV_FILE=DIR/env")
    env = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*(?:export\s+)?(\w+)=(.*)$", line)
            if m:
                env[m.group(1)] = m.group(2).strip().strip("'\"")
    return env


class Flowline:
    def __init__(self, binary, work, env):
        self.binary, self.work, self.env = binary, work, env

    def __call__(self, *argv, check=True):
        result = subprocess.run([self.binary, *argv], cwd=self.work, env=self.env,
                                capture_output=True, text=True)
        if check and result.returncode != 0:
            sys.exit("FAILED: flowline %s\n%s\n%s" % (" ".join(argv), result.stdout,
                                                       result.stderr))
        return result


class Api:
    def __init__(self, base, tokens):
        self.base, self.tokens = base, tokens
        self.answers = []  # every response body, grepped for secrets at the end

    def call(self, method, path, body=None, role="viewer", headers=None):
        data = body if isinstance(body, bytes) else (
            json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"}
        if role:
            h["Authorization"] = "Bearer " + self.tokens[role]
        h.update(headers or {})
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        self.answers.append(text)
        return status, json.loads(text or b"null")


def post_signup(api, signup):
    body = json.dumps(signup).encode()
    signature = "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return api.call("POST", "/hooks/signups", body, role=None,
                    headers={"X-Flowline-Signature": signature})


def wait_run(api, run_id, want=("completed", "failed", "rejected", "cancelled"), task=False,
             timeout=120):
    """The run once it has one of the `want` statuses, or (task=True) once it waits for a
    person; exits the test when it does not get there in time."""
    deadline = time.time() + timeout
    run = None
    while time.time() < deadline:
        _, run = api.call("GET", "/api/v1/runs/" + run_id)
        if run["status"] in want:
            return run, None
        if task:
            _, tasks = api.call("GET", "/api/v1/tasks?run_id=" + run_id)
            if tasks["tasks"]:
                return run, tasks["tasks"][0]
        time.sleep(0.2)
    sys.exit("FAILED: run %s did not get to %s in %d s:\n%s" % (
        run_id, "a task" if task else want, timeout, json.dumps(run, indent=1)[:4000]))


def crm_get(crm, path, token=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    with urllib.request.urlopen(urllib.request.Request(crm + path, headers=headers),
                                timeout=10) as response:
        return json.loads(response.read())


def crm_token(crm):
    data = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
    auth = base64.b64encode(("%s:%s" % (CRM_CLIENT_ID, CRM_SECRET)).encode()).decode()
    request = urllib.request.Request(crm + "/oauth/token", data=data,
                                     headers={"Authorization": "Basic " + auth})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def find_mail(mail, user, message_id, timeout=60):
    """The raw message with this Message-ID in `user`'s INBOX, waiting for delivery."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        imap = imaplib.IMAP4("127.0.0.1", int(mail["FLOWLINE_TEST_IMAP_PORT"]))
        try:
            imap.login(user, mail["FLOWLINE_TEST_MAIL_PASSWORD"])
            imap.select("INBOX", readonly=True)
            _, found = imap.search(None, "HEADER", "Message-ID", message_id.strip("<>"))
            ids = found[0].split()
            if ids:
                _, parts = imap.fetch(ids[-1], "(RFC822)")
                return parts[0][1].decode("utf-8", "replace"), len(ids)
        finally:
            imap.logout()
        time.sleep(0.5)
    return None, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowline", required=True)
    parser.add_argument("--workflow", required=True, help="workflows/onboarding")
    parser.add_argument("--fake-crm", required=True, help="tests/onboarding/fake_crm.py")
    args = parser.parse_args()
    flowline_bin = os.path.abspath(args.flowline)
    workflow = os.path.abspath(args.workflow)
    mail = mail_env()
    domain = mail.get("FLOWLINE_TEST_MAIL_DOMAIN", "mail.test")
    conninfo = pg.test_conninfo()

    with tempfile.TemporaryDirectory(prefix="flowline-onboarding-") as work:
        db = pg.create_database(conninfo, "onboarding_e2e")
        env = dict(os.environ,
                   FLOWLINE_STORE=os.path.join(work, "flowline.db"),
                   FLOWLINE_CONNECTIONS=os.path.join(work, "connections.yaml"),
                   SIGNUP_HOOK_SECRET=HOOK_SECRET,
                   CRM_CLIENT_ID=CRM_CLIENT_ID, CRM_CLIENT_SECRET=CRM_SECRET,
                   ACCOUNTS_DB_URL=db,
                   SMTP_USER="alice",
                   SMTP_PASSWORD=mail["FLOWLINE_TEST_MAIL_PASSWORD"])
        flowline = Flowline(flowline_bin, work, env)

        # Data and models: PDFs (text layer), so the test needs no OCR and stays fast.
        flowline("samples", "onboarding", "--count", "40", "--out", "signups", "--seed", "3",
                 "--scanned-share", "0", "--sanctioned-share", "0.1", "--expired-share", "0.1",
                 "--risky-share", "0.2", "--mismatch-share", "0.05", "--existing-share", "0.05")
        flowline("samples", "onboarding", "--count", "120", "--out", "train", "--seed", "21",
                 "--scanned-share", "0", "--history", "10000")
        flowline("train", "extract", "--data", "train/documents", "--out",
                 "models/onboarding-id")
        flowline("train", "score", "--data", "train/history.csv", "--target", "outcome",
                 "--positive", "bad", "--features",
                 "age,country,document_type,document_days_to_expiry,email_domain,"
                 "sanctions_similarity,existing_customer,expected_monthly_volume,id_confidence",
                 "--categorical", "country,document_type,email_domain",
                 "--out", "models/onboarding-risk")
        subprocess.run(["psql", db, "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-f", os.path.join(workflow, "accounts.sql"),
                        "-f", os.path.join(work, "signups", "accounts-data.sql")],
                       check=True, capture_output=True)

        crm_port_file = os.path.join(work, "crm.port")
        crm_proc = subprocess.Popen([sys.executable, args.fake_crm, "--port-file", crm_port_file,
                                     "--lose-responses", "1"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = None
        log_path = os.path.join(work, "serve.log")
        try:
            deadline = time.time() + 20
            while not os.path.exists(crm_port_file) and time.time() < deadline:
                time.sleep(0.05)
            crm = "http://127.0.0.1:%s" % open(crm_port_file).read().strip()
            with open(os.path.join(workflow, "connections.yaml")) as f:
                connections = f.read()
            connections = connections.replace("http://127.0.0.1:8089", crm)
            connections = connections.replace(
                "smtp://127.0.0.1:587",
                "smtp://127.0.0.1:%s" % mail["FLOWLINE_TEST_SMTP_SUBMISSION_PORT"])
            connections = connections.replace(
                "    from: \"Acme <welcome@acme.example>\"",
                "    from: \"Acme <alice@%s>\"\n    ca_file: %s" % (
                    domain, mail["FLOWLINE_TEST_MAIL_CA_FILE"]))
            with open(env["FLOWLINE_CONNECTIONS"], "w") as f:
                f.write(connections)

            flowline("deploy", os.path.join(workflow, "onboarding.yaml"))
            tokens = {role: re.search(r"flt_[\w-]+", flowline(
                "token", "create", "--role", role, "--name", "onb-" + role).stdout).group(0)
                for role in ("viewer", "reviewer")}
            log = open(log_path, "w")
            server = subprocess.Popen([flowline_bin, "serve", "--listen", "127.0.0.1:0"],
                                      cwd=work, env=env, stdout=subprocess.PIPE, stderr=log,
                                      text=True)
            line = ""
            while "serving on" not in line:
                line = server.stdout.readline()
                if not line:
                    sys.exit("FAILED: flowline serve did not start:\n" + open(log_path).read())
            api = Api("http://127.0.0.1:%s" % re.search(r":(\d+) ", line).group(1), tokens)

            signups = {}
            with open(os.path.join(work, "signups", "signups.jsonl")) as f:
                for case in map(json.loads, f):
                    signups.setdefault(case["slices"]["kind"], []).append(case)

            def body(kind, mailbox, pick=None):
                case = (pick or (lambda cases: cases[0]))(signups[kind])
                with open(os.path.join(work, "signups", "signups", case["id"] + ".json")) as f:
                    signup = json.load(f)
                if mailbox:  # else the sign-up's own address (its domain is a risk feature)
                    signup["email"] = "%s@%s" % (mailbox, domain)
                return signup

            # 1. Low risk: straight through, exactly once.
            low = body("clean", "alice", lambda cases: next(
                c for c in cases if c["expected"]["route"] == "activate"))
            status, started = post_signup(api, low)
            expect(status == 201 and started["created"], "low-risk webhook: %s %s" % (
                status, started))
            run, task = wait_run(api, started["run_id"], task=True)
            expect(task is None and run["status"] == "completed",
                   "the low-risk sign-up went to a person or did not complete: %s %s" % (
                       run["status"], task and task["payload"].get("reasons")))
            output = run.get("output") or {}
            expect(output.get("straight_through") is True, "not straight through: %s" % output)
            status, again = post_signup(api, low)
            expect(status in (200, 201) and again["run_id"] == started["run_id"]
                   and not again["created"], "the retried webhook made another run: %s" % again)

            # 2. Sanctioned, expired and high-risk sign-ups wait in compliance, saying why.
            waiting = {}
            for kind, reason in (("sanctioned", "not_sanctioned"), ("expired", "document_valid"),
                                 ("risky", "high_risk")):
                mailbox = {"sanctioned": "dave", "expired": "bob", "risky": None}[kind]
                status, started_kind = post_signup(api, body(kind, mailbox))
                expect(status == 201, "%s webhook: %s %s" % (kind, status, started_kind))
                run_kind, task = wait_run(api, started_kind["run_id"], task=True)
                if not expect(task is not None, "%s sign-up did not wait for a person: %s %s" % (
                        kind, run_kind["status"], run_kind.get("output"))):
                    continue
                reasons = task["payload"].get("reasons") or []
                expect(task["queue"] == "compliance", "%s task queue %s" % (kind, task["queue"]))
                expect(any(reason in r for r in reasons),
                       "%s task's reasons lack %s: %s" % (kind, reason, reasons))
                waiting[kind] = (started_kind["run_id"], task)

            # 3. Approve the expired one (say, a renewed document was shown); reject the
            #    sanctioned one.
            if "expired" in waiting:
                run_id, task = waiting["expired"]
                status, _ = api.call("POST", "/api/v1/tasks/%s/resolve" % task["task_id"],
                                     {"decision": "approve", "comment": "renewed passport seen"},
                                     role="reviewer")
                expect(status == 200, "approve: %s" % status)
                approved, _ = wait_run(api, run_id)
                expect(approved["status"] == "completed", "approved run: %s" % approved["status"])
            if "sanctioned" in waiting:
                run_id, task = waiting["sanctioned"]
                status, _ = api.call("POST", "/api/v1/tasks/%s/resolve" % task["task_id"],
                                     {"decision": "reject", "comment": "sanctions list match"},
                                     role="reviewer")
                expect(status == 200, "reject: %s" % status)
                rejected, _ = wait_run(api, run_id)
                expect(rejected["status"] == "rejected", "rejected run: %s" % rejected["status"])

            # 4. What the business's systems hold.
            token = crm_token(crm)
            accounts = crm_get(crm, "/api/accounts", token)["accounts"]
            by_signup = {}
            for account in accounts:
                by_signup.setdefault(account.get("external_id"), []).append(account)
            stats = crm_get(crm, "/_stats")
            expect(len(by_signup.get(low["signup_id"], [])) == 1,
                   "CRM accounts for the low-risk sign-up: %s" % by_signup.get(low["signup_id"]))
            expect(stats["lost_responses"] == 1 and stats["replays"] >= 1,
                   "the lost CRM response was not retried with its idempotency key: %s" % stats)
            expect(stats["tokens_issued"] <= 2, "OAuth2 token not cached: %s" % stats)
            expected_accounts = 1 + (1 if "expired" in waiting else 0)
            expect(stats["accounts_created"] == expected_accounts,
                   "CRM created %d accounts, expected %d" % (stats["accounts_created"],
                                                              expected_accounts))
            psql = pg.Psql(db)
            rows = {r[0]: r[1:] for r in psql.query(
                "SELECT signup_id, status, crm_account_id FROM customers "
                "WHERE signup_id IS NOT NULL")}
            psql.close()
            low_account = by_signup.get(low["signup_id"], [{}])[0].get("id")
            expect(rows.get(low["signup_id"]) == ["active", low_account],
                   "customer row of the low-risk sign-up: %s" % rows.get(low["signup_id"]))
            message, copies = find_mail(mail, "alice@" + domain, output.get("welcome_message", ""))
            expect(message is not None and copies == 1,
                   "welcome email to alice: %d copies with Message-ID %s" % (
                       copies, output.get("welcome_message")))
            expect(message is None or low_account in message,
                   "the welcome email does not name the account %s" % low_account)
            if "expired" in waiting:
                run_id, _ = waiting["expired"]
                _, run = api.call("GET", "/api/v1/runs/" + run_id)
                signup_id = run["input"]["signup_id"]
                expect(len(by_signup.get(signup_id, [])) == 1,
                       "CRM account of the approved sign-up: %s" % by_signup.get(signup_id))
                expect((rows.get(signup_id) or [None])[0] == "active",
                       "customer row of the approved sign-up: %s" % rows.get(signup_id))
                msg, _ = find_mail(mail, "bob@" + domain,
                                   (run.get("output") or {}).get("welcome_message", ""))
                expect(msg is not None, "no welcome email for the approved sign-up")
            if "sanctioned" in waiting:
                run_id, _ = waiting["sanctioned"]
                _, run = api.call("GET", "/api/v1/runs/" + run_id)
                signup_id = run["input"]["signup_id"]
                expect(signup_id not in by_signup and signup_id not in rows,
                       "the rejected sign-up got an account or a customer row")
                expect(all(s["status"] not in ("completed", "running", "ready", "failed")
                           for s in run["steps"] if s["step_id"] in ("account", "welcome",
                                                                    "activate")),
                       "the rejected run ran account/welcome/activate: %s" % [
                           (s["step_id"], s["status"]) for s in run["steps"]])
            answers = b"\n".join(api.answers)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            crm_proc.terminate()
            crm_proc.wait(timeout=10)

        # 5. Secrets: in no store file, log or API answer.
        secrets = {"webhook secret": HOOK_SECRET, "CRM client secret": CRM_SECRET,
                   "SMTP password": mail["FLOWLINE_TEST_MAIL_PASSWORD"]}
        for what, secret in secrets.items():
            expect(secret.encode() not in answers, "the %s is in an API answer" % what)
        for name in os.listdir(work):
            path = os.path.join(work, name)
            if not os.path.isfile(path) or name == "connections.yaml":
                continue
            with open(path, "rb") as f:
                data = f.read()
            for what, secret in secrets.items():
                expect(secret.encode() not in data, "the %s is in %s" % (what, name))

    for problem in PROBLEMS:
        print("FAIL:", problem)
    print("onboarding workflow test: %d problem(s)" % len(PROBLEMS))
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
