#!/usr/bin/env python3
"""A steady stream of signatures beside wrk: RATE a second for SECONDS, each with a new
e-mail, on one kept-alive connection, paced by the clock (not as fast as possible).
Prints how many were sent and acknowledged (303). With CONTROL set to "control" it sends
GET /healthz instead, at the same pace: the same client load without a write, so a row
measured beside it shows what the writes themselves cost.
usage: paced-signer.py PORT SLUG CSRF_TOKEN [RATE=200] [SECONDS=10] [CONTROL]"""
import http.client
import random
import sys
import time
import urllib.parse

port, slug, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 200.0
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
control = len(sys.argv) > 6 and sys.argv[6] == "control"
prefix = f"paced{random.randrange(10**9)}"
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
sent = acknowledged = 0
start = time.monotonic()
while True:
    due = start + sent / rate
    now = time.monotonic()
    if now - start >= seconds:
        break
    if due > now:
        time.sleep(due - now)
    body = urllib.parse.urlencode({"_csrf": token, "first_name": "Paced", "last_name": "Signer", "email": f"{prefix}-{sent}@example.org",
                                   "postal_code": "K1A 0B1", "comment": "", "website": ""})
    try:
        if control:
            connection.request("GET", "/healthz")
        else:
            connection.request("POST", f"/petitions/{slug}/sign", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        acknowledged += response.status == (200 if control else 303)
    except (OSError, http.client.HTTPException):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent += 1
elapsed = time.monotonic() - start
print(f"paced {'reader (control)' if control else 'signer'}: {sent} sent, {acknowledged} acknowledged, {sent / elapsed:.0f}/s")
