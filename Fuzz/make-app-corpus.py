#!/usr/bin/env python3
"""Writes Fuzz/app-corpus: one seed per route of the application (and the edge cases the
hardening issue found), real requests as a browser or a stranger would send them.
@SESSION@@…, @CSRF@@… and @FORM@@… are filled in by the harness (Fuzz/App/main.swift)."""
import os, urllib.parse

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "app-corpus")
os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    os.unlink(os.path.join(out, name))

# Placeholders as long as the tokens the harness puts in their place (see Fuzz/App/main.swift).
def placeholder(name, length):
    return "@" + name + "@" * (length - len(name) - 1)
SESSION, CSRF, FORM = placeholder("SESSION", 43), placeholder("CSRF", 43), placeholder("FORM", 47)
STAFF = f"Cookie: sanctuary_session={SESSION}\r\n"

def req(method, target, headers="", body=None, staff=False, ctype="application/x-www-form-urlencoded"):
    text = f"{method} {target} HTTP/1.1\r\nHost: localhost:8080\r\n" + (STAFF if staff else "") + headers
    if body is not None:
        if isinstance(body, str):
            body = body.encode()
        text += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        return text.encode() + b"\r\n" + body
    return (text + "\r\n").encode()

def form(fields):
    return urllib.parse.urlencode(fields, safe="@")

seeds = {}
def add(name, *requests):
    seeds[name] = b"".join(requests)

# Public pages, both languages.
for path in ["/", "/petitions", "/petitions/waive-travel-loans", "/petitions/waive-travel-loans.json", "/petitions/waive-travel-loans/thanks",
             "/letters", "/letters/waive-travel-loans-mp", "/letters/stca-minister", "/events", "/events?past=1",
             "/events/stca-public-meeting", "/events/stca-public-meeting.ics", "/events.ics", "/events/stca-public-meeting/registered",
             "/news", "/news?page=2", "/news/welcome-here-toolkit", "/news.atom", "/campaigns", "/campaigns/safe-third-country",
             "/sitemap.xml", "/healthz", "/representatives?postal_code=K1A0A6", "/language/fr?next=/petitions", "/css/site.css",
             "/resources/1/kit.pdf", "/updates/unsubscribe/1/abc", "/admin/setup/abc", "/letters/waive-travel-loans-mp/letter/abc",
             "/letters/waive-travel-loans-mp/letter/abc.txt", "/letters/waive-travel-loans-mp/letter/abc.docx", "/nothing-here",
             "/petitions/waive-travel-loans/confirmed", "/petitions/waive-travel-loans/confirm/abc", "/events/stca-public-meeting/rsvp/abc",
             "/events/stca-public-meeting/unregistered", "/events/stca-public-meeting/check-email",
             "/events/stca-public-meeting/confirm/abc", "/updates/sent", "/updates/confirmed", "/updates/confirm/abc",
             "/admin/invite/abc", "/admin/password-reset", "/admin/password-reset/sent", "/admin/password-reset/abc"]:
    slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "_") or "home"
    add("get_" + slug, req("GET", path))
    add("get_fr_" + slug, req("GET", "/fr" + path, "Accept-Language: fr-CA,fr;q=0.9\r\n"))
add("head_home", req("HEAD", "/"))
add("reps_json", req("GET", "/representatives?postal_code=K1P%201A1", "Accept: application/json\r\n"))
add("options", req("OPTIONS", "/petitions/waive-travel-loans/sign"))
# The three one-request crashes of the hardening issue, and their neighbours.
add("news_huge_page", req("GET", "/news?page=9223372036854775807"))
add("news_negative_page", req("GET", "/news?page=-9223372036854775808"))
add("range_negative_suffix", req("GET", "/css/site.css", "Range: bytes=--5\r\n"))
add("range_min", req("GET", "/css/site.css", "Range: bytes=-9223372036854775808\r\n"))
add("range_plain", req("GET", "/css/site.css", "Range: bytes=0-99\r\n"))
add("chunk_overflow", b"POST /updates HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\nabc\r\n0\r\n\r\n")
add("chunked_form", b"POST /updates HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nname=\r\n0\r\n\r\n")
add("forwarded", req("GET", "/", "X-Forwarded-For: 203.0.113.9, 10.0.0.1\r\nX-Forwarded-Proto: https\r\n"),
    req("GET", "/petitions/waive-travel-loans", 'Forwarded: for="[2001:db8::1]:4711";proto=https\r\n'))
# /metrics (#20): loopback, through a proxy, with a token right and wrong.
add("metrics", req("GET", "/metrics"), req("GET", "/metrics", "X-Forwarded-For: 203.0.113.9\r\n"),
    req("GET", "/metrics", "Authorization: Bearer \r\n"), req("GET", "/metrics", "Authorization: Basic YTpi\r\n"),
    req("HEAD", "/metrics"), req("POST", "/metrics", body=form({"_csrf": FORM})))
add("language_tab", req("GET", "/language/en?next=/%09/evil.example"))
add("origin_ipv6", b"POST /petitions/waive-travel-loans/sign HTTP/1.1\r\nHost: [::1]:8080\r\nOrigin: https://evil.example\r\n" +
    f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 53\r\n\r\n_csrf={FORM}".encode())

# Public forms: valid, invalid, and the honeypot.
sign = {"first_name": "Amal", "last_name": "Haddad", "email": "amal@example.org", "postal_code": "K1A 0A6",
        "comment": "Yes.", "consent_updates": "yes", "_csrf": FORM, "website": ""}
add("sign", req("POST", "/petitions/waive-travel-loans/sign", body=form(sign)))
add("sign_fr", req("POST", "/fr/petitions/waive-travel-loans/sign", body=form(sign)))
add("sign_invalid", req("POST", "/petitions/waive-travel-loans/sign", body=form({**sign, "email": "nope", "postal_code": "D0D 0D0"})))
add("sign_honeypot", req("POST", "/petitions/rescind-safe-third-country/sign", body=form({**sign, "website": "http://spam"})))
add("sign_twice", req("POST", "/petitions/waive-travel-loans/sign", body=form(sign)), req("POST", "/petitions/waive-travel-loans/sign", body=form(sign)))
add("rsvp", req("POST", "/events/stca-public-meeting/rsvp", body=form({"name": "Amal", "email": "a@example.org", "note": "two words", "_csrf": FORM, "website": ""})))
add("letter", req("POST", "/letters/waive-travel-loans-mp", body=form({"name": "Amal Haddad", "email": "a@example.org", "street_address": "1 Main St",
                                                                          "city": "Ottawa", "postal_code": "K1A 0A6", "riding": "", "_csrf": FORM, "website": ""})))
add("letter_named", req("POST", "/letters/stca-minister", body=form({"name": "Amal Haddad", "email": "a@example.org", "street_address": "1 Main St",
                                                                   "city": "Ottawa", "postal_code": "K1P 1A1", "_csrf": FORM, "website": ""})))
add("updates", req("POST", "/updates", body=form({"name": "Amal", "email": "a@example.org", "postal_code": "K1A 0A6", "campaign": "safe-third-country",
                                                  "consent_updates": "yes", "_csrf": FORM, "website": ""})))
add("unsubscribe", req("POST", "/updates/unsubscribe/1/abc", body=form({"_csrf": FORM})))
# Links from mail: confirm, cancel, join, reset (tokens unknown here; the button's form token is real).
add("confirm_signature", req("POST", "/petitions/waive-travel-loans/confirm/abc", body=form({"_csrf": FORM})))
add("cancel_rsvp", req("POST", "/events/stca-public-meeting/rsvp/abc", body=form({"_csrf": FORM})))
add("confirm_rsvp", req("POST", "/events/stca-public-meeting/confirm/abc", body=form({"_csrf": FORM})))
add("confirm_updates", req("POST", "/fr/updates/confirm/abc", body=form({"_csrf": FORM})))
add("accept_invite", req("POST", "/admin/invite/abc", body=form({"_csrf": FORM, "name": "N", "password": "a long enough passphrase",
                                                                 "password_confirm": "a long enough passphrase"})))
add("reset_request", req("POST", "/admin/password-reset", body=form({"_csrf": FORM, "email": "admin@example.org"})))
add("reset_password", req("POST", "/admin/password-reset/abc", body=form({"_csrf": FORM, "password": "a long enough passphrase",
                                                                          "password_confirm": "a long enough passphrase"})))
add("login", req("POST", "/admin/login", body=form({"email": "admin@example.org", "password": "wrong password here", "_csrf": FORM})))
add("setup", req("POST", "/admin/setup/abc", body=form({"email": "x@example.org", "name": "X", "password": "a long enough passphrase",
                                                        "password_confirm": "a long enough passphrase", "_csrf": FORM})))

# The admin area, signed in as an admin.
for path in ["/admin", "/admin/accounts", "/admin/audit", "/admin/resources", "/admin/subscribers.csv", "/admin/outbox",
             "/admin/outbox?state=failed", "/admin/outbox/1", "/admin/suppressions", "/admin/suppressions?kind=soft&q=example",
             "/admin/subscribers/import", "/admin/sessions", "/admin/account/security", "/admin/account/security?required=1&off=1",
             "/admin/petitions/1/signatures.csv", "/admin/events/1/rsvps.csv", "/admin/login"]:
    add("admin_get" + path.replace("/", "_").replace(".", "_"), req("GET", path, staff=True))
for key in ["petitions", "news", "events", "letters", "campaigns", "pages"]:
    add(f"admin_{key}_list", req("GET", f"/admin/{key}", staff=True))
    add(f"admin_{key}_new", req("GET", f"/admin/{key}/new", staff=True))
    add(f"admin_{key}_edit", req("GET", f"/fr/admin/{key}/1/edit", staff=True))
    add(f"admin_{key}_delete", req("POST", f"/admin/{key}/999/delete", body=form({"_csrf": CSRF}), staff=True))
    # (The replay keeps its database from one seed to the next: asking deletes nothing, and
    # only an item with people's actions is posted to, which refuses.)
    add(f"admin_{key}_ask_delete", req("GET", f"/admin/{key}/1/delete", staff=True))
    add(f"admin_{key}_archive", req("POST", f"/admin/{key}/2/archive", body=form({"_csrf": CSRF}), staff=True))
add("admin_delete_with_signatures", req("POST", "/petitions/waive-travel-loans/sign", body=form(sign)),
    req("POST", "/admin/petitions/1/delete", body=form({"_csrf": CSRF}), staff=True))
common = {"_csrf": CSRF, "title": "Title", "title_fr": "Titre", "slug": "a-slug", "summary": "Summary", "state": "draft", "campaign_id": "1"}
add("admin_petition_save", req("POST", "/admin/petitions", body=form({**common, "body": "Body", "goal": "1000", "closes_at": "2027-01-01T12:00", "target": "PM"}), staff=True))
add("admin_petition_update", req("POST", "/admin/petitions/1", body=form({**common, "slug": "waive-travel-loans", "state": "open", "goal": "99999999999999999999"}), staff=True))
add("admin_news_save", req("POST", "/admin/news", body=form({**common, "state": "published", "body": "# Head\n\n**strong** *em* [link](https://example.org) `code`\n- a\n- b\n1. c\n> quote"}), staff=True))
add("admin_news_preview", req("POST", "/admin/news", body=form({**common, "action": "preview", "body": "[" * 200 + "*" * 200 + "`" * 50}), staff=True))
add("admin_event_save", req("POST", "/admin/events", body=form({**common, "time_zone": "America/Toronto", "starts_at": "2027-01-01T19:00", "ends_at": "2027-01-01T21:00",
                                                               "rsvp_enabled": "yes", "capacity": "10", "rsvp_deadline": "2026-12-31T12:00"}), staff=True))
add("admin_letter_save", req("POST", "/admin/letters", body=form({**common, "recipient_kind": "mp", "subject": "S", "body_template": "Dear {{mp_name}}, {{sender_name}}"}), staff=True))
add("admin_campaign_save", req("POST", "/admin/campaigns", body=form({**common, "campaign_id": "", "asks": "One\nTwo", "key_dates": "Soon"}), staff=True))
add("admin_campaign_missing", req("POST", "/admin/news", body=form({**common, "campaign_id": "424242"}), staff=True))
add("admin_account", req("POST", "/admin/accounts", body=form({"_csrf": CSRF, "email": "ed@example.org", "name": "Ed", "role": "editor",
                                                               "password": "a long enough passphrase"}), staff=True))
add("admin_invite", req("POST", "/admin/accounts/invite", body=form({"_csrf": CSRF, "email": "new@example.org", "name": "New", "role": "organizer"}),
                        staff=True))
add("admin_outbox_retry", req("POST", "/admin/outbox/1/retry", body=form({"_csrf": CSRF}), staff=True))
add("admin_import_confirm", req("POST", "/admin/subscribers/import/confirm", body=form({"_csrf": CSRF, "import": "a" * 43, "campaign_id": "",
                                                                                 "consent_note": "At our stall, in person", "consented_on": "2026-01-01"}),
                                  staff=True))
add("admin_sessions_end", req("POST", "/admin/sessions/others/end", body=form({"_csrf": CSRF}), staff=True))
add("second_factor_start", req("POST", "/admin/account/security/start", body=form({"_csrf": CSRF}), staff=True),
    req("GET", "/admin/account/security", staff=True))
for name, code in [("digits", "123456"), ("recovery", "abcd-efgh-2345"), ("junk", "\u0661" * 6), ("long", "9" * 5000)]:
    add(f"second_factor_confirm_{name}", req("POST", "/admin/account/security/confirm", body=form({"_csrf": CSRF, "code": code}), staff=True))
    add(f"second_factor_off_{name}", req("POST", "/admin/account/security/off", body=form({"_csrf": CSRF, "code": code}), staff=True))
    add(f"second_factor_codes_{name}", req("POST", "/admin/account/security/codes", body=form({"_csrf": CSRF, "code": code}), staff=True))
    add(f"sign_in_code_{name}", req("POST", "/admin/login/code", body=form({"_csrf": FORM, "code": code}),
                                    headers="Cookie: sanctuary_sign_in=" + "A" * 43 + "\r\n"))
add("second_factor_remove", req("POST", "/admin/accounts/99999999999999999999/second-factor/remove", body=form({"_csrf": CSRF}), staff=True))
add("sign_in_code_page", req("GET", "/admin/login/code", headers="Cookie: sanctuary_sign_in=" + "x" * 300 + "\r\n"))
add("admin_relay_retry", req("POST", "/admin/outbox/relay/retry", body=form({"_csrf": CSRF}), staff=True))
add("admin_suppression_lift", req("POST", "/admin/suppressions/1/lift", body=form({"_csrf": CSRF}), staff=True))
add("admin_suppressions_range", req("POST", "/admin/suppressions/lift", body=form({"_csrf": CSRF, "kind": "hard", "from": "2026-01-01",
                                                                                   "to": "2026-12-31"}), staff=True))
add("admin_suppressions_range_confirm", req("POST", "/admin/suppressions/lift", body=form({"_csrf": CSRF, "kind": "", "from": "2026-13-01",
                                                                                           "to": "2026-12-31", "confirm": "yes"}), staff=True))
add("admin_account_disable", req("POST", "/admin/accounts/2/disable", body=form({"_csrf": CSRF}), staff=True))
add("admin_resource_delete", req("POST", "/admin/resources/1/delete", body=form({"_csrf": CSRF}), staff=True))
add("admin_logout", req("POST", "/admin/logout", body=form({"_csrf": CSRF}), staff=True))
# Mailings (#18): compose, preview, test, send, schedule, pause/resume/cancel; outcomes;
# one-click unsubscribe (RFC 8058: no session, no form token); letters the site sends.
mailing = {"_csrf": CSRF, "audience": "subscribers", "subject_en": "News", "body_en": "**Hello** [site](/news)", "subject_fr": "", "body_fr": ""}
add("admin_mailings", req("GET", "/admin/mailings", staff=True), req("GET", "/admin/mailings/new", staff=True),
    req("GET", "/fr/admin/mailings/1", staff=True), req("GET", "/admin/mailings/1/preview/en", staff=True),
    req("GET", "/admin/mailings/1/preview/fr", staff=True), req("GET", "/admin/mailings/1/preview/xx", staff=True),
    req("GET", "/admin/mailings/99999999999999999999/preview/en", staff=True))
add("admin_mailing_create", req("POST", "/admin/mailings", body=form(mailing), staff=True), req("GET", "/admin/mailings/1", staff=True))
add("admin_mailing_bad", req("POST", "/admin/mailings", body=form({**mailing, "audience": "signers:99999999999999999999", "subject_fr": "Seulement"}),
                                   staff=True))
add("admin_mailing_audiences", *[req("POST", "/admin/mailings", body=form({**mailing, "audience": a}), staff=True)
                                 for a in ["campaign:1", "signers:1", "outcome:1", "attendees:1", "attendees:-1", "nope:1", "signers:"]])
add("admin_mailing_send", req("POST", "/admin/mailings", body=form(mailing), staff=True),
    req("POST", "/admin/mailings/1/test", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/mailings/1/send", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/mailings/1/pause", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/mailings/1/resume", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/mailings/1/cancel", body=form({"_csrf": CSRF}), staff=True))
add("admin_mailing_schedule", req("POST", "/admin/mailings", body=form(mailing), staff=True),
    req("POST", "/admin/mailings/1/schedule", body=form({"_csrf": CSRF, "send_at": "2027-01-01T09:00", "time_zone": "America/Vancouver"}), staff=True),
    req("POST", "/admin/mailings/1/schedule", body=form({"_csrf": CSRF, "send_at": "99999-99-99T99:99", "time_zone": "Mars/Olympus"}), staff=True))
add("admin_mailing_missing", req("POST", "/admin/mailings/9223372036854775807/send", body=form({"_csrf": CSRF}), staff=True),
    req("GET", "/admin/mailings/-1", staff=True))
add("admin_outcome", req("GET", "/admin/petitions/1/outcome", staff=True),
    req("POST", "/admin/petitions/1/outcome", body=form({"_csrf": CSRF, "kind": "response", "happened_on": "2026-11-30",
                                                         "body_en": "The government *replied*.", "body_fr": ""}), staff=True),
    req("GET", "/petitions/waive-travel-loans.json"))
add("admin_outcome_bad", req("POST", "/admin/petitions/1/outcome", body=form({"_csrf": CSRF, "kind": "x", "happened_on": "2026-02-31", "body_en": ""}),
                                   staff=True))
add("unsubscribe_one_click", req("POST", "/unsubscribe/1/1/abc", body="List-Unsubscribe=One-Click"),
    req("GET", "/unsubscribe/1/1/abc"), req("POST", "/unsubscribe/99999999999999999999/-1/abc", body="List-Unsubscribe=One-Click"))
add("letter_site", req("POST", "/letters/waive-travel-loans-mp", body=form({"name": "Amal Haddad", "email": "a@example.org", "street_address": "1 Main St",
    "city": "Ottawa", "postal_code": "K1A 0A6", "personal": "My own words." * 10, "_csrf": FORM, "website": ""})),
    req("GET", "/letters/waive-travel-loans-mp/check-email"), req("GET", "/letters/waive-travel-loans-mp/send/abc"),
    req("POST", "/letters/waive-travel-loans-mp/send/abc", body=form({"_csrf": FORM})), req("GET", "/letters/waive-travel-loans-mp/sent"))
add("letter_site_campaign", req("POST", "/admin/letters", body=form({**common, "slug": "by-the-site", "state": "open", "recipient_kind": "mp",
    "delivery": "site", "subject": "S", "body_template": "Dear {{mp_name}}, {{sender_name}}"}), staff=True),
    req("POST", "/letters/by-the-site", body=form({"name": "Amal Haddad", "email": "a@example.org", "street_address": "1 Main St",
    "city": "Ottawa", "postal_code": "K1A 0A6", "personal": "Mine.", "_csrf": FORM, "website": ""})))

add("pages", req("GET", "/pages/about"), req("GET", "/fr/pages/privacy"), req("GET", "/pages/%2e%2e"))
# Found by the fuzzer: a page posted without `position` (a NOT NULL column) was a 500.
add("admin_page_without_position", req("POST", "/admin/pages", body=form({**common, "slug": "no-position", "state": "published", "body": "B"}), staff=True))
add("admin_page_save", req("POST", "/admin/pages", body=form({**common, "body": "# About\n\nUs.", "position": "99999999999999999999", "state": "published"}), staff=True))
add("media_files", req("GET", "/media/1/x-480.jpg"), req("GET", "/media/../Config/sanctuary.json"), req("GET", "/media/.new-x/y.jpg"),
    req("GET", "/media/1/x-480.jpg", "Range: bytes=-9223372036854775808\r\n"))
for key in ["petitions", "news", "events", "campaigns"]:
    add(f"admin_{key}_image", req("GET", f"/admin/{key}/1/image", staff=True),
        req("POST", f"/admin/{key}/1/image/remove", body=form({"_csrf": CSRF}), staff=True))

add("admin_settings", req("GET", "/admin/settings", staff=True),
    req("POST", "/admin/settings", body=form({"_csrf": CSRF, "title": "A site", "tagline": "T", "tagline_fr": "T", "accent": "#7a1f5c"}), staff=True),
    req("GET", "/theme/7a1f5c.css"), req("GET", "/"))
add("admin_settings_bad", req("POST", "/admin/settings", body=form({"_csrf": CSRF, "accent": "#fff"}), staff=True),
    req("POST", "/admin/settings", body=form({"_csrf": CSRF, "accent": "#ffff00", "title": "x" * 500}), staff=True),
    req("GET", "/theme/%2e%2e.css"), req("GET", "/theme/ffffffffffffffffffff.css"))
add("admin_logo", req("GET", "/admin/logo/1/image", staff=True), req("POST", "/admin/logo/1/image/remove", body=form({"_csrf": CSRF}), staff=True))

def multipart(fields, file=None, boundary="----fuzzBoundary"):
    body = b""
    for name, value in fields:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
    if file:
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file[0]}\"\r\nContent-Type: application/pdf\r\n\r\n".encode()
        body += file[1] + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()

pdf = b"%PDF-1.4\n" + bytes(range(200))
upload = multipart([("_csrf", CSRF), ("title", "Kit"), ("language", "en"), ("campaign_id", "1")], ("kit.pdf", pdf))
add("upload", req("POST", f"/admin/resources?_csrf={CSRF}", body=upload, staff=True, ctype="multipart/form-data; boundary=----fuzzBoundary"))
add("upload_link", req("POST", f"/admin/resources?_csrf={CSRF}", body=multipart([("title", "Video"), ("url", "https://example.org/v")]),
                       staff=True, ctype="multipart/form-data; boundary=----fuzzBoundary"))
add("upload_bad_part", req("POST", f"/admin/resources?_csrf={CSRF}", body=multipart([("a", "b")] * 5, ("x.pdf", pdf))[:-40] + b"--x\r\nbroken",
                           staff=True, ctype="multipart/form-data; boundary=----fuzzBoundary"))
add("upload_anonymous", req("POST", "/admin/resources", body=upload, ctype="multipart/form-data; boundary=----fuzzBoundary"))
add("upload_then_download", req("POST", f"/admin/resources?_csrf={CSRF}", body=upload, staff=True, ctype="multipart/form-data; boundary=----fuzzBoundary"),
    req("GET", "/resources/1/kit.pdf", "Range: bytes=10-\r\n"), req("GET", "/resources/2/kit.pdf", "Range: bytes=-20\r\n"))

# A picture upload: a tiny real JPEG (made by Python's standard library? none: a
# hand-made 1×1 baseline JPEG), then a PNG header claiming a huge picture, then no picture.
jpeg = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720"
    "222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405"
    "060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282"
    "090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495"
    "969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008"
    "010100003f00fbd3ffd9")
image_fields = [("_csrf", CSRF), ("alt", "A picture"), ("caption", "Caption"), ("credit", "Us")]
for key, data, name in [("news", jpeg, "a.jpg"), ("petitions", b"\x89PNG\r\n\x1a\n" + bytes(40), "b.png"), ("events", b"RIFF\0\0\0\0WEBPVP8 ", "c.webp")]:
    add(f"admin_{key}_image_upload", req("POST", f"/admin/{key}/1/image?_csrf={CSRF}", body=multipart(image_fields, (name, data)),
                                         staff=True, ctype="multipart/form-data; boundary=----fuzzBoundary"))

# Insight and triage (#38): counters read by staff, junk windows and selections, blocks,
# setting aside and its undo, the pause; the framed embed and the places' open data.
add("insight", req("GET", "/admin/insight/petition/1?days=30", staff=True), req("GET", "/admin/insight/event/1?days=-9223372036854775808", staff=True),
    req("GET", "/admin/insight/letter/99999999999999999999", staff=True), req("GET", "/admin/insight/x/1", staff=True),
    req("GET", "/petitions/waive-travel-loans?source=%E2%80%AE%00x&utm_source=a", "Referer: https://www.partner.example/a?b=c\r\n"),
    req("GET", "/petitions/waive-travel-loans", "Referer: http://[::1/\r\n"))
add("triage", req("GET", "/admin/petitions/1/triage?hours=9223372036854775807", staff=True),
    req("GET", "/admin/petitions/1/triage/invalidate?dimension=domain&value=gmail.com&since=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z", staff=True),
    req("GET", "/admin/petitions/1/triage/invalidate?dimension=domain&value=x&since=9999-99-99&until=0", staff=True),
    req("POST", "/admin/petitions/1/triage/invalidate", body=form({"_csrf": CSRF, "dimension": "postal", "value": "K1A 0B1", "since": "2000-01-01T00:00:00Z",
        "until": "2100-01-01T00:00:00Z", "up_to": "-1", "confirm": "yes", "reason": "fuzz"}), staff=True),
    req("POST", "/admin/petitions/1/triage/invalidate", body=form({"_csrf": CSRF, "dimension": "source", "value": "", "since": "2000-01-01T00:00:00Z",
        "until": "2100-01-01T00:00:00Z", "up_to": "99999999999999999999", "confirm": "yes"}), staff=True),
    req("POST", "/admin/petitions/1/triage/invalidations/1/undo", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/petitions/1/triage/invalidations/-1/undo", body=form({"_csrf": CSRF}), staff=True))
add("triage_blocks", req("POST", "/admin/petitions/1/triage/blocks", body=form({"_csrf": CSRF, "kind": "domain", "value": "@Spam.Example", "note": "n"}), staff=True),
    req("POST", "/admin/petitions/1/triage/blocks", body=form({"_csrf": CSRF, "kind": "email", "value": "a.b+c@gmail.com"}), staff=True),
    req("POST", "/admin/petitions/1/triage/blocks", body=form({"_csrf": CSRF, "kind": "client", "value": "zz"}), staff=True),
    req("POST", "/admin/petitions/1/triage/blocks/1/delete", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/petitions/waive-travel-loans/sign", body=form({"first_name": "A", "last_name": "B", "email": "x@spam.example",
        "postal_code": "K1A 0B1", "_csrf": FORM, "website": ""})))
add("triage_pause", req("POST", "/admin/petitions/1/triage/settings", body=form({"_csrf": CSRF, "paused": "yes", "message": "Back soon" * 100,
    "canonical_emails": "yes"}), staff=True), req("GET", "/petitions/waive-travel-loans"), req("GET", "/embed/petitions/waive-travel-loans"),
    req("POST", "/petitions/waive-travel-loans/sign", body=form({"first_name": "A", "last_name": "B", "email": "a@example.org",
        "postal_code": "K1A 0B1", "_csrf": FORM, "website": ""})),
    req("POST", "/pledges/refugees-welcome-here-pledge", body=form({"_csrf": FORM, "kind": "person", "name": "Ann", "show": "full",
        "email": "a@example.org", "postal_code": "R3C 4T3", "place": "W", "agree": "yes", "website": ""})))
add("embed", req("GET", "/embed/petitions/waive-travel-loans?partner=%00ccr"), req("GET", "/embed/petitions/waive-travel-loans/thanks"),
    req("POST", "/embed/petitions/waive-travel-loans/sign", body=form({"first_name": "A", "last_name": "B", "email": "a@example.org",
        "postal_code": "K1A 0B1", "_csrf": FORM, "website": "", "partner": "ccr", "partner_consent": "yes"})),
    req("GET", "/admin/petitions/1/embed", staff=True),
    req("POST", "/admin/petitions/1/partners", body=form({"_csrf": CSRF, "name": "Partner", "key": "p" * 100, "website": "javascript:x"}), staff=True),
    req("POST", "/admin/petitions/1/partners/99999999999999999999/delete", body=form({"_csrf": CSRF}), staff=True),
    req("GET", "/admin/partners/1/opt-ins.csv", staff=True))
add("places", req("GET", "/petitions/waive-travel-loans/ridings"), req("GET", "/fr/petitions/waive-travel-loans/ridings.csv"),
    req("GET", "/petitions/waive-travel-loans/provinces.csv"), req("GET", "/petitions/%00/ridings"),
    req("GET", "/letters/waive-travel-loans-mp/ridings.csv"), req("GET", "/fr/letters/%ff%00/ridings.csv"),
    req("GET", "/admin/insight/letter/1", staff=True), req("GET", "/admin/insight/letter/99999999999999999999", staff=True))

# Health (#40): the detail for monitoring, and what others get.
add("health_detail", req("GET", "/healthz?detail"), req("GET", "/healthz?detail=1", "X-Forwarded-For: 203.0.113.9\r\n"),
    req("GET", "/healthz?detail", "Authorization: Bearer wrong\r\n"))

# Search, videos, pledges, representatives' responses (#41).
add("search", req("GET", "/search?q=r%C3%A9fugi%C3%A9s&kind=news&campaign=1&page=2"), req("GET", "/fr/search?q=%22%2A%28NEAR"),
    req("GET", "/search?q=" + "a%20" * 300 + "&page=99999999999999999999999"), req("GET", "/search?q=x&campaign=-9223372036854775808&page=-1"),
    req("GET", "/search?q=%00%FF%FE&kind=%00"))
add("videos", req("GET", "/videos"), req("GET", "/videos/1?play=1"), req("GET", "/fr/videos/1"), req("GET", "/videos.atom"),
    req("GET", "/videos/99999999999999999999"), req("GET", "/videos/-1?play=%00"), req("GET", "/videos/travel-loans-webinar-recording"),
    req("POST", "/admin/videos", body=form({"_csrf": CSRF, "title": "T", "slug": "", "url": "https://youtu.be/" + "x" * 600,
        "duration_seconds": "99999999999999999999", "transcript": "words", "state": "published", "published_at": ""}), staff=True))
add("pledges", req("GET", "/pledges"), req("GET", "/pledges/refugees-welcome-here-pledge"), req("GET", "/pledges/refugees-welcome-here-pledge.json"),
    req("POST", "/pledges/refugees-welcome-here-pledge", body=form({"_csrf": FORM, "kind": "organisation", "name": "N" * 300,
        "contact_name": "A", "show": "full", "email": "a@example.org", "postal_code": "R3C 4T3", "place": "W", "agree": "yes", "website": ""})),
    req("POST", "/pledges/refugees-welcome-here-pledge", body=form({"_csrf": FORM, "kind": "%00", "show": "x", "email": "@", "agree": ""})),
    req("GET", "/pledges/confirm/" + "A" * 54), req("POST", "/pledges/confirm/" + "A" * 200, body=form({"_csrf": FORM})),
    req("GET", "/admin/pledges/1/pledgers", staff=True),
    req("POST", "/admin/pledges/1/pledgers/99999999999999999999/approve", body=form({"_csrf": CSRF}), staff=True),
    req("POST", "/admin/pledges/-1/pledgers/1/explode", body=form({"_csrf": CSRF}), staff=True),
    req("GET", "/admin/pledges/1/pledgers.csv", staff=True))
add("responses", req("GET", "/letters/waive-travel-loans-mp/responses"), req("GET", "/fr/letters/stca-minister/responses"),
    req("GET", "/letters/waive-travel-loans-mp/response/" + "A" * 54),
    req("POST", "/letters/waive-travel-loans-mp/response/" + "A" * 54, body=form({"_csrf": FORM, "reply": "yes", "said": "x" * 6000, "consent": "yes"})),
    req("GET", "/admin/letters/1/responses", staff=True),
    req("POST", "/admin/letters/1/responses", body=form({"_csrf": CSRF, "riding": "35075", "reply": "yes", "said": "Thanks", "quotable": "yes"}), staff=True),
    req("POST", "/admin/letters/1/responses/99999999999999999999/delete", body=form({"_csrf": CSRF}), staff=True),
    req("GET", "/representatives?postal_code=K1A0B1"))

for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out}")
