#!/usr/bin/env python3
"""A real SMTP server for Sanctuary's tests: aiosmtpd when installed (STARTTLS, AUTH),
else the standard library's smtpd (Python 3.11 and older).

Every message received is written to --dir as N.eml (as received) and N.json (envelope,
and the subject, text and headers as Python's email package decodes them: an independent
check of our MIME and RFC 2047 encoding). Recipients whose local part starts with
"reject" get a 550 5.1.1, "tempfail" a 451, "full" a 552 5.2.2, "policy" a 554 5.7.1.

A relay's faults, for tests: while --dir holds a file named "fault" whose text is
"mail REPLY" or "data REPLY", every MAIL FROM (or every message, at its end) is answered
with REPLY, e.g. "mail 530 5.7.0 Authentication required". Deleting the file mends it.
Prints "PORT n" once listening.
"""
import argparse, email, email.policy, json, os, socket, sys, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--dir", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--auth", help="user:password; with --cert, AUTH is required after STARTTLS")
parser.add_argument("--stdlib", action="store_true", help="use smtpd even when aiosmtpd is installed")
parser.add_argument("--implicit-tls", action="store_true", help="with --cert: TLS from the first byte (smtps://)")
parser.add_argument("--count-only", action="store_true", help="benchmarks: keep a count, not the messages")
args = parser.parse_args()
os.makedirs(args.dir, exist_ok=True)
lock = threading.Lock()
count = [len([n for n in os.listdir(args.dir) if n.endswith(".eml")])]


def verdict(address):
    local = address.split("@")[0].lower()
    if local.startswith("reject"):
        return "550 5.1.1 No such mailbox"
    if local.startswith("tempfail"):
        return "451 4.3.0 Try again later"
    if local.startswith("full"):
        return "552 5.2.2 Mailbox full"
    if local.startswith("policy"):
        return "554 5.7.1 Message refused by local policy"
    return None


def fault(stage):
    """The reply the relay's current fault gives at `stage` ("mail" or "data"), if any."""
    try:
        with open(os.path.join(args.dir, "fault")) as f:
            words = f.read().strip().split(" ", 1)
    except OSError:
        return None
    return words[1] if len(words) == 2 and words[0] == stage else None


def save(mail_from, rcpt_tos, data, session=None):
    if args.count_only:
        with lock:
            count[0] += 1
            if count[0] % 100 == 0:
                with open(os.path.join(args.dir, "count"), "w") as f:
                    f.write(str(count[0]))
        return
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    record = {
        "mail_from": mail_from,
        "rcpt_tos": rcpt_tos,
        "subject": str(message["subject"] or ""),
        # The text as a reader reads it: lines end in "\n" whichever server received it (the
        # message's own CRLF stays in the .eml).
        "text": body.get_content().replace("\r\n", "\n") if body is not None else "",
        "headers": {k: str(v) for k, v in message.items()},
        "attachments": [
            {"filename": part.get_filename(), "content_type": part.get_content_type(), "content": part.get_content() if part.get_content_maintype() == "text" else ""}
            for part in message.iter_attachments()
        ],
        "tls": bool(session and getattr(session, "ssl", None)),
        "authenticated": bool(session and getattr(session, "authenticated", False)),
    }
    with lock:
        count[0] += 1
        n = count[0]
        for suffix, content in ((".eml", data), (".json", json.dumps(record).encode())):
            temporary = os.path.join(args.dir, f".{n}{suffix}")
            with open(temporary, "wb") as f:
                f.write(content)
            os.rename(temporary, os.path.join(args.dir, f"{n}{suffix}"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


use_aiosmtpd = not args.stdlib
if use_aiosmtpd:
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        use_aiosmtpd = False

if use_aiosmtpd:
    import ssl

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            refusal = fault("mail")
            if refusal:
                return refusal
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            refusal = verdict(address)
            if refusal:
                return refusal
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            refusal = fault("data")
            if refusal:
                return refusal
            save(envelope.mail_from, envelope.rcpt_tos, envelope.original_content or envelope.content, session)
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = (args.auth or ":").split(":", 1)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok)

    options = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.implicit_tls:
            options.update(ssl_context=context)
        else:
            options.update(tls_context=context, require_starttls=True)
    if args.auth:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; smtps is TLS from the first byte.
        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.cert) and not args.implicit_tls)
    port = args.port or free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"PORT {port} aiosmtpd", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
else:
    import warnings

    warnings.simplefilter("ignore")
    import asyncore, smtpd

    class Channel(smtpd.SMTPChannel):
        def smtp_MAIL(self, arg):
            refusal = fault("mail")
            if refusal:
                self.push(refusal)
                return
            super().smtp_MAIL(arg)

        def smtp_RCPT(self, arg):
            # Refused at RCPT, as a real server does (the stdlib would only refuse the whole message).
            address = (arg or "").split(":", 1)[-1].strip().strip("<>")
            refusal = verdict(address) if self.mailfrom is not None else None
            if refusal:
                self.push(refusal)
                return
            super().smtp_RCPT(arg)

    class Server(smtpd.SMTPServer):
        channel_class = Channel

        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            refusal = fault("data")
            if refusal:
                return refusal
            for address in rcpttos:
                refusal = verdict(address)
                if refusal:
                    return refusal
            # smtpd joins the lines it received with a bare "\n"; the message as it arrived had
            # "\r\n" (aiosmtpd keeps it), which quoted-printable's soft breaks ("=\r\n") rely on.
            save(mailfrom, rcpttos, data.replace(b"\n", b"\r\n"))
            return None

    server = Server(("127.0.0.1", args.port), None, decode_data=False)
    print(f"PORT {server.socket.getsockname()[1]} smtpd", flush=True)
    asyncore.loop(timeout=0.5)
