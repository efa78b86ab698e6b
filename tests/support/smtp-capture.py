"""A real SMTP server for tests (Debian's python3-aiosmtpd) on 127.0.0.1, port chosen by the kernel.

Prints one JSON line {"port": N} once it listens, then one JSON line per received message:
envelope, headers, the MIME type and every text part decoded, and the raw message.
With SMTP_CAPTURE_USER and SMTP_CAPTURE_PASSWORD set, AUTH is required (over plain TCP: the
client is on 127.0.0.1) and a refused login prints {"auth_failed": login}.
Run with Debian's interpreter: /usr/bin/python3 tests/support/smtp-capture.py
"""
import asyncio
import email
import email.policy
import json
import sys

import os

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Capture:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                # SMTP lines end in CRLF; the parts are given with plain \n line ends.
                parts[part.get_content_type()] = part.get_content().replace("\r\n", "\n")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k: str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "parts": parts,
            "raw": raw.decode("utf-8", "replace"),
        }
        print(json.dumps(record), flush=True)
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        if not ok:
            login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else str(mechanism)
            print(json.dumps({"auth_failed": login}), flush=True)
        return AuthResult(success=ok)

    return check


async def main():
    user, password = os.environ.get("SMTP_CAPTURE_USER"), os.environ.get("SMTP_CAPTURE_PASSWORD")
    auth = {}
    if user and password:
        auth = {"authenticator": authenticator(user, password), "auth_required": True, "auth_require_tls": False,
                # aiosmtpd's LOGIN challenge ("User Name") is not the "Username:" that Alertmanager
                # (and Postfix) speak; PLAIN is what Alertmanager uses with most servers.
                "auth_exclude_mechanism": ["LOGIN"]}

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Capture(), hostname="smtp-capture.test", **auth), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    # Ends when the parent closes stdin or stops this process.
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
