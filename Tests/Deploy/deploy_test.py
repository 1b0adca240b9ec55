#!/usr/bin/env python3
"""Sanctuary installed from deploy/, behind nginx (TLS on loopback); see Tests/Deploy/run,
which starts both. Usage: deploy_test.py TLS_PORT APP_PORT HTTP_PORT ACCESS_LOG DATA_FOLDER"""
import http.client
import re
import ssl
import sys
import time
import urllib.parse

TLS_PORT, APP_PORT, HTTP_PORT = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ACCESS_LOG, DATA = sys.argv[4], sys.argv[5]
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


def request(method, path, source, body=None, headers=None, direct=False, plain=False):
    """One request from `source` (a loopback address), through nginx over TLS (or plain HTTP) or straight to Sanctuary."""
    if plain:
        connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=10, source_address=(source, 0))
    elif direct:
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
check("Secure" in cookie, "with deploy/'s secure_cookies, a cookie is Secure even on a request that skipped nginx")


def header(headers, name):
    return dict((k.lower(), v) for k, v in headers).get(name.lower(), "")


# A visitor signs over HTTPS; the signature waits for its e-mail link (pending, as
# /metrics shows from this machine).
def pending():
    text = request("GET", "/metrics", "127.0.0.1", direct=True)[2]
    return float(re.search(r'^sanctuary_signatures\{state="pending"\} (\S+)$', text, re.M).group(1))


before = pending()
check(sign("127.0.0.4", 7) == 303, "a visitor signs over HTTPS through nginx")
after = pending()
check(after == before + 1, f"the signature waits for its confirmation ({before:.0f} → {after:.0f} pending)")

# HTTPS only: HTTP redirects, and browsers are told to remember (HSTS).
status, headers, _ = request("GET", f"/petitions/{SLUG}?ref=poster", "127.0.0.3", plain=True)
check(status == 301 and header(headers, "Location") == f"https://localhost/petitions/{SLUG}?ref=poster",
      f"plain HTTP redirects to the same address over HTTPS ({status} {header(headers, 'Location')})")
status, headers, page = request("GET", f"/petitions/{SLUG}", "127.0.0.3")
check(header(headers, "Strict-Transport-Security").startswith("max-age="), "HTTPS answers carry Strict-Transport-Security")
og = re.search(r'<meta property="og:url" content="([^"]+)"', page)
check(og is not None and og.group(1).startswith(f"https://localhost:{TLS_PORT}/"), f"Open Graph URLs are https ({og and og.group(1)})")
image = re.search(r'<meta property="og:image" content="([^"]+)"', page)
check(image is not None and image.group(1).startswith("https://"), f"the share image's address is https ({image and image.group(1)})")
status, _, _ = request("GET", "/css/site.css", "127.0.0.3")
check(status == 200, "static files come from Sanctuary through nginx")

# /metrics: not for visitors through nginx (even though nginx reaches Sanctuary from
# loopback), only for the token; straight from this machine it answers.
status, _, _ = request("GET", "/metrics", "127.0.0.3")
check(status == 404, f"/metrics through nginx without the token is refused ({status})")
status, _, text = request("GET", "/metrics", "127.0.0.3", headers={"Authorization": "Bearer a-token-only-the-scraper-knows"})
check(status == 200 and "http_requests_total" in text, "/metrics answers the token through nginx")
status, _, text = request("GET", "/metrics", "127.0.0.1", direct=True)
check(status == 200 and 'route="/petitions/{slug}/sign",status="303"' in text, "/metrics answers loopback and counts the signatures by route")

# The access log holds the visitor's address, not the proxy's.
time.sleep(0.5)
log = open(ACCESS_LOG).read()
check(" 127.0.0.2 POST /petitions/" in log and " 127.0.0.3 POST /petitions/" in log, "the access log names each visitor")
check("198.51.100.7" not in log and "198.51.100.8" not in log, "the access log holds no spoofed address")

print(f"deploy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
