#!/usr/bin/env python3
"""A steady stream of signatures beside wrk: RATE a second for SECONDS, each with a new
e-mail, as visitors send them: VISITORS kept-alive connections, each sending at its own
random (Poisson) moments, so that together they average RATE a second and one slow answer
does not hold back the others' arrivals (an open loop, as on a petition that went viral).
With VISITORS = 1 it is one connection that sends at fixed intervals and waits for each
answer (the closed loop earlier sessions measured).
Prints how many were sent and acknowledged (303). With CONTROL set to "control" it sends
GET /healthz instead, at the same pace: the same client load without a write, so a row
measured beside it shows what the writes themselves cost.
usage: paced-signer.py PORT SLUG CSRF_TOKEN [RATE=200] [SECONDS=10] [CONTROL] [VISITORS=16]"""
import http.client
import random
import sys
import threading
import time
import urllib.parse

port, slug, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 200.0
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
control = len(sys.argv) > 6 and sys.argv[6] == "control"
visitors = int(sys.argv[7]) if len(sys.argv) > 7 else 16
prefix = f"paced{random.randrange(10**9)}"
lock = threading.Lock()
counts = {"sent": 0, "acknowledged": 0}
start = time.monotonic()


def visitor(number):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    each = rate / visitors
    due = start + (random.expovariate(each) if visitors > 1 else 0.0)
    sent = 0
    while due - start < seconds:
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        body = urllib.parse.urlencode({"_csrf": token, "first_name": "Paced", "last_name": "Signer",
                                       "email": f"{prefix}-{number}-{sent}@example.org",
                                       "postal_code": "K1A 0B1", "comment": "", "website": ""})
        ok = False
        try:
            if control:
                connection.request("GET", "/healthz")
            else:
                connection.request("POST", f"/petitions/{slug}/sign", body=body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            response.read()
            ok = response.status == (200 if control else 303)
        except (OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        sent += 1
        with lock:
            counts["sent"] += 1
            counts["acknowledged"] += ok
        due += random.expovariate(each) if visitors > 1 else 1 / each


threads = [threading.Thread(target=visitor, args=(n,)) for n in range(visitors)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - start
print(f"paced {'reader (control)' if control else 'signer'}: {counts['sent']} sent, {counts['acknowledged']} acknowledged, "
      f"{counts['sent'] / elapsed:.0f}/s from {visitors} connection{'s' if visitors > 1 else ''}")
