#!/usr/bin/env python3
"""Email trigger kill test (docs/triggers.md): a writer appends 40 messages (some with a PDF
attachment) to a folder of the test Dovecot (ctest fixture `mail`) while `flowline serve` is
SIGKILLed every 0.2-1.5 s and restarted. Each run sends a confirmation through the email step
(SMTP with STARTTLS and AUTH).

Checks: every message made exactly one run (business key = its Message-ID); a run's input holds
the subject and, with an attachment, the artifact of the same bytes; every message ends in the
`after: move:` folder; the same message appended again makes no new run; the mail password (the
connections' secret) appears in no log, no stored record and no run output.
"""
import email.message
import hashlib
import imaplib
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MESSAGES = 40

SPEC = """
workflow: mail-intake
triggers:
  - email: { connection: mailbox, folder: %(folder)s, interval: 100ms, after: "move:%(done)s" }
steps:
  - id: note
    uses: script
    with: { code: "return { subject = input.subject, files = #input.attachments }" }
  - id: confirm
    uses: email
    with:
      connection: mail_out
      to: bob@%(domain)s
      subject: "Received: {{input.subject}}"
      body: "We received {{input.subject}} from {{input.from}}."
    retry: { attempts: 10, backoff: { initial: 100ms, max: 1s } }
"""

CONNECTIONS = """
connections:
  mailbox:
    type: imap
    url: imap://127.0.0.1:%(imap_port)s
    tls: none
    username: dave
    password_env: FLOWLINE_EMAIL_KILL_PASSWORD
  mail_out:
    type: smtp
    url: smtp://127.0.0.1:%(submission_port)s
    username: alice
    password_env: FLOWLINE_EMAIL_KILL_PASSWORD
    ca_file: %(ca_file)s
    from: "Intake <alice@%(domain)s>"
"""


def mail_env():
    path = os.environ.get("FLOWLINE_TEST_MAIL_ENV_FILE")
    if not path or not os.path.exists(path):
        raise harness.Failure("no test mail servers: run through ctest (fixture `mail`) or set "
                              "FLOWLINE_TEST_MAIL_ENV_FILE=DIR/env after "
                              "scripts/mail-test-servers.sh start DIR")
    values = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                key, value = line.strip().split("=", 1)
                values[key] = value.strip('"')
    return values


def imap(env):
    box = imaplib.IMAP4("127.0.0.1", int(env["FLOWLINE_TEST_IMAP_PORT"]))
    box.login("dave", env["FLOWLINE_TEST_MAIL_PASSWORD"])
    return box


def count(box, folder):
    status, data = box.select('"%s"' % folder, readonly=True)
    if status != "OK":
        raise harness.Failure("cannot select %s: %s" % (folder, data))
    return int(data[0])


def make_message(i, domain, rng):
    message = email.message.EmailMessage()
    message["From"] = "Customer %d <customer%d@shop.example>" % (i, i)
    message["To"] = "dave@%s" % domain
    message["Subject"] = "order %04d" % i
    message["Message-ID"] = "<order-%04d-%d@shop.example>" % (i, rng.randrange(1 << 30))
    message.set_content("Please ship order %d.\n" % i)
    attachment = None
    if i % 3 == 0:
        attachment = ("%%PDF-1.4 order %d %s" % (i, "x" * rng.randrange(0, 3000))).encode()
        message.add_attachment(attachment, maintype="application", subtype="pdf",
                               filename="order-%04d.pdf" % i)
    return message, attachment


def writer(env, folder, rng, written):
    box = imap(env)
    for i in range(MESSAGES):
        message, attachment = make_message(i, env["FLOWLINE_TEST_MAIL_DOMAIN"], rng)
        box.append('"%s"' % folder, None, None, message.as_bytes())
        written[message["Message-ID"].strip("<>")] = (message["Subject"], attachment,
                                                      message.as_bytes())
        time.sleep(rng.uniform(0, 0.3))
    box.logout()


def main():
    args = harness.main_args(__doc__)
    rng = random.Random(args.seed)
    env = mail_env()
    password = env["FLOWLINE_TEST_MAIL_PASSWORD"]
    tag = "%08x" % rng.randrange(1 << 32)
    folder, done = "kill-%s" % tag, "kill-%s-done" % tag
    box = imap(env)
    for name in (folder, done):
        box.create('"%s"' % name)
    box.logout()
    with harness.temp_workdir("flowline-email-kill-", args.keep) as work:
        with open(os.path.join(work, "connections.yaml"), "w") as f:
            f.write(CONNECTIONS % {"imap_port": env["FLOWLINE_TEST_IMAP_PORT"],
                                   "submission_port": env["FLOWLINE_TEST_SMTP_SUBMISSION_PORT"],
                                   "ca_file": env["FLOWLINE_TEST_MAIL_CA_FILE"],
                                   "domain": env["FLOWLINE_TEST_MAIL_DOMAIN"]})
        server = harness.Flowline(args.flowline, work,
                                  env={"FLOWLINE_EMAIL_KILL_PASSWORD": password})
        server.deploy(SPEC % {"folder": folder, "done": done,
                              "domain": env["FLOWLINE_TEST_MAIL_DOMAIN"]})
        server.start()
        written = {}
        thread = threading.Thread(target=writer, args=(env, folder, rng, written))
        thread.start()
        while thread.is_alive():
            harness.kill_randomly(server, 1.0, rng)
        thread.join()
        harness.kill_randomly(server, 3.0, rng)

        box = imap(env)

        def settled():
            return (count(box, folder) == 0 and count(box, done) >= MESSAGES and
                    len(server.runs("mail-intake")) >= MESSAGES)
        harness.wait_for(settled, 120, "every message to be taken and moved")

        # The same message again: no new run.
        first = sorted(written)[0]
        box.append('"%s"' % folder, None, None, written[first][2])
        harness.wait_for(lambda: count(box, folder) == 0, 60, "the repeated message to be taken")

        def completed():
            runs = server.runs("mail-intake")
            return all(run.get("status") == "completed" for run in runs) and runs
        harness.wait_for(completed, 120, "every run to complete")
        server.stop()

        runs = server.runs("mail-intake")
        problems = harness.exactly_one_run_per_key(runs, set(written))
        if count(box, done) != MESSAGES + 1:
            problems.append("%d messages in %s, expected %d" % (count(box, done), done,
                                                               MESSAGES + 1))
        box.logout()
        by_key = {run["business_key"]: run for run in runs}
        outputs = []
        for message_id in rng.sample(sorted(written), 8) + [first]:
            subject, attachment, _ = written[message_id]
            detail = server.run_detail(by_key[message_id]["run_id"])
            outputs.append(str(detail))
            if detail["input"]["subject"] != subject:
                problems.append("run for %s has subject %r" % (message_id,
                                                               detail["input"]["subject"]))
            if attachment is not None:
                files = detail["input"]["attachments"]
                digest = hashlib.sha256(attachment).hexdigest()
                if len(files) != 1 or files[0]["sha256"] != digest:
                    problems.append("run for %s lacks its attachment: %s" % (message_id, files))

        # The secret: nowhere in what flowline wrote.
        for name in os.listdir(work):
            path = os.path.join(work, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    if password.encode() in f.read():
                        problems.append("the mail password is in %s" % name)
        if any(password in text for text in outputs):
            problems.append("the mail password is in a run's detail")
        harness.report(problems, "%d messages, %d runs, %d starts, %d kills" %
                       (len(written), len(runs), server.starts, server.kills))


if __name__ == "__main__":
    main()
