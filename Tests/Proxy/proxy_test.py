#!/usr/bin/env python3
"""Sanctuary behind nginx (TLS on loopback); see Tests/Proxy/run, which starts both.
Usage: proxy_test.py TLS_PORT APP_PORT ACCESS_LOG"""
import http.client
import re
import ssl
import sys
import time
import urllib.parse

TLS_PORT, APP_PORT, ACCESS_LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
CONTEXT = ssl.create_default_context()
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE
SLUG = "waive-travel-loans"
passed = failed = 0


def check(condition, what):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAILED: {what}")


def request(method, path, source, body=None, headers=None, direct=False):
    """One request from `source` (a loopback address), through nginx over TLS or straight to Sanctuary."""
    if direct:
        connection = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=10, source_address=(source, 0))
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", TLS_PORT, timeout=10, context=CONTEXT, source_address=(source, 0))
    all_headers = {"Host": f"localhost:{TLS_PORT}"}
    all_headers.update(headers or {})
    if body is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    data = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.getheaders(), data


def sign(source, n, headers=None, direct=False):
    status, _, page = request("GET", f"/petitions/{SLUG}", source, direct=direct)
    token = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"_csrf": token, "first_name": "Amal", "last_name": "Haddad", "email": f"p{n}-{time.time()}@example.org",
                                   "postal_code": "K1A 0B1", "comment": "", "website": ""})
    status, _, _ = request("POST", f"/petitions/{SLUG}/sign", source, body=form, headers=headers, direct=direct)
    return status


# Two visitors behind one proxy each have their own limit (2 a minute here).
check(sign("127.0.0.2", 1) == 303, "the first visitor signs once")
check(sign("127.0.0.2", 2) == 303, "the first visitor signs twice")
check(sign("127.0.0.2", 3) == 429, "the first visitor's third signature in a minute is refused (429)")
check(sign("127.0.0.3", 4) == 303, "a second visitor behind the same nginx has a limit of their own")
# A visitor cannot become someone else by writing the header nginx appends to.
check(sign("127.0.0.2", 5, headers={"X-Forwarded-For": "198.51.100.7"}) == 429,
      "a visitor who writes X-Forwarded-For themselves is still themselves (nginx appends the real address)")
# …nor by talking to Sanctuary directly: 127.0.0.2 is not a trusted proxy.
check(sign("127.0.0.2", 6, headers={"X-Forwarded-For": "198.51.100.8"}, direct=True) == 429,
      "a client that is not a trusted proxy cannot name another address")

# HTTPS at nginx is known to Sanctuary: Secure cookies and https links.
status, headers, _ = request("GET", "/language/fr?next=/", "127.0.0.3")
cookie = dict((k.lower(), v) for k, v in headers).get("set-cookie", "")
check(status == 303 and "Secure" in cookie, f"cookies are Secure behind TLS ({cookie})")
status, _, page = request("GET", f"/petitions/{SLUG}", "127.0.0.3")
check(f"https://localhost:{TLS_PORT}/petitions/{SLUG}" in page, "share links are https behind TLS")
status, headers, _ = request("GET", "/language/fr?next=/", "127.0.0.3", direct=True)
cookie = dict((k.lower(), v) for k, v in headers).get("set-cookie", "")
check("Secure" not in cookie, "straight over http the cookie is not marked Secure")

# The access log holds the visitor's address, not the proxy's.
time.sleep(0.5)
log = open(ACCESS_LOG).read()
check(" 127.0.0.2 POST /petitions/" in log and " 127.0.0.3 POST /petitions/" in log, "the access log names each visitor")
check("198.51.100.7" not in log and "198.51.100.8" not in log, "the access log holds no spoofed address")

print(f"proxy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
