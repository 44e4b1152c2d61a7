"""The officer's console in a real browser (Selenium on Debian's headless chromium and
chromium-driver), against `custos serve` on the demo vault, started by Tests/web/run_console.sh
with its clock at the demo's next morning (2025-10-09 08:30).

The officer signs in with a TOTP code, sees the overdue request first, is refused an extension
that is too late (the reason in words), extends another request with reasons, verifies and
fulfils it, marks an Art. 19 task done, assesses an objection, opens a field value (a logged
read), reads the activity report with its time chart and every other report, compares the
log with the demo's checkpoint, sets and clears service accounts' rate limits and revokes one
(its token refused at once), reviews the sweep's dry run and runs it. The auditor sees the
same pages without a single change button, and a change posted by hand is refused. A second
server on the same vault knows the sessions and the spent form tokens of the first. axe-core
(WCAG 2.1 A and AA) runs on every page; screenshots of Today, a request, a subject and the
activity report are taken at 1280 px."""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtools import NoRedirect, Page, browser, navigate  # noqa: E402

CONSOLE, CENTRE, VAULT = os.environ["CONSOLE_URL"], os.environ["CENTRE_URL"], os.environ["VAULT"]
SECRET = urllib.parse.parse_qs(urllib.parse.urlparse(os.environ["TOTP_URI"]).query)["secret"][0]


def totp(step=None):
    """RFC 6238 with SHA-1, 30 s, 6 digits: what an authenticator app shows."""
    key = base64.b32decode(SECRET + "=" * (-len(SECRET) % 8))
    counter = int(time.time()) // 30 if step is None else step
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def custos(*arguments):
    run = subprocess.run([os.environ["CUSTOS"], *arguments], cwd=os.path.join(VAULT, "day"), capture_output=True, text=True)
    if run.returncode not in (0, 2, 3):
        raise AssertionError(f"custos {' '.join(arguments)}: {run.stderr}")
    return run.stdout


def fetch(method, url, data=None, cookies=None):
    """A request outside the browser, with the browser's cookies when given (a hand-made post)."""
    opener = urllib.request.build_opener(NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in cookies)} if cookies else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def api_read():
    """A read with the CRM service's token, as the CRM would make it: the status code."""
    status, _, _ = fetch_json("POST", CONSOLE + "/v1/subjects/D-100016/read", {"purpose": "P-DEBT-COLLECT", "fields": ["email"]},
                              os.environ["CRM_TOKEN"])
    return status


def fetch_json(method, url, body, token):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def open_tasks():
    return json.loads(custos("task", "list", "-o", "json"))


class Console(Page):
    def sign_in(self, driver, name, password, code=None):
        # A clean start: no session from an earlier sign-in.
        driver.get(CONSOLE + "/console/login")
        driver.delete_all_cookies()
        driver.get(CONSOLE + "/console")
        self.assertTrue(driver.current_url.endswith("/console/login"), "no page without a session")
        driver.find_element(By.ID, "name").send_keys(name)
        driver.find_element(By.ID, "password").send_keys(password)
        if code:
            driver.find_element(By.ID, "code").send_keys(code)
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))

    def visit(self, driver, path, what):
        driver.get(CONSOLE + path)
        self.axe(driver, what)
        return driver.page_source

    def press(self, driver, form_id):
        navigate(driver, driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]"))
        self.axe(driver, f"the answer to {form_id}")
        return driver.find_element(By.TAG_NAME, "main").text

    def test_1_officer_morning(self):
        driver = browser(1280)
        try:
            # A wrong password: one answer, no hint of which part was wrong.
            self.sign_in(driver, "anna", "not the password", totp())
            self.axe(driver, "the sign-in page")
            self.assertIn("Aanmelden is niet gelukt", driver.page_source)
            # The right password and a TOTP code from the authenticator.
            self.sign_in(driver, "anna", "anna's long passphrase", totp())
            self.assertTrue(driver.current_url.endswith("/console"), driver.current_url)
            self.axe(driver, "Today")
            cookie = next(c for c in driver.get_cookies() if c["name"] == "custos_console")
            self.assertTrue(cookie["httpOnly"])
            self.assertEqual(cookie["sameSite"], "Strict")
            self.assertEqual(cookie["path"], "/console")

            # Today: the overdue request first, marked; the deadline chart drawn on the server.
            rows = driver.find_elements(By.CSS_SELECTOR, "#open-requests tbody tr")
            self.assertGreaterEqual(len(rows), 3)
            self.assertIn("overdue", rows[0].get_attribute("class"))
            self.assertIn("RQ-2025-0020", rows[0].text)
            self.assertIn("te laat", rows[0].text)
            self.assertNotIn("overdue", rows[-1].get_attribute("class") or "")
            self.assertGreater(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg rect")), 0)
            self.assertIn("11", driver.find_element(By.ID, "next-sweep").text)
            self.shoot(driver, "console-today")

            # The overdue erasure can no longer be extended: the page says why, with no form.
            navigate(driver, driver.find_element(By.LINK_TEXT, "RQ-2025-0020"))
            self.axe(driver, "an overdue request")
            self.assertIn("Verlengen kan niet meer", driver.find_element(By.ID, "extension-rule").text)
            self.assertEqual(driver.find_elements(By.ID, "extend-form"), [])

            # Extend the access request with reasons, then verify the identity and fulfil it.
            self.visit(driver, "/console/requests/RQ-2025-0006", "an open access request")
            self.assertIn("Eenmaal te verlengen", driver.find_element(By.ID, "extension-rule").text)
            driver.find_element(By.ID, "reasons-extend").send_keys("Complex: the file spans three creditors.")
            answer = self.press(driver, "extend-form")
            self.assertIn("verlengd, termijn", answer, "the result line in Dutch")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "main [lang=en]"), [], "no English left in the answer")
            self.visit(driver, "/console/requests/RQ-2025-0006", "an extended request")
            self.assertIn("verlengd", driver.find_element(By.ID, "status").text)
            self.assertIn("Complex: the file spans three creditors.", driver.find_element(By.ID, "extension-rule").text)
            self.assertEqual(driver.find_elements(By.ID, "extend-form"), [], "an extension is given once")
            self.assertEqual(driver.find_elements(By.ID, "fulfil-form"), [], "nothing is fulfilled before the identity check")
            driver.find_element(By.ID, "method").send_keys("case number and postcode match our letter")
            self.assertIn("identiteit vastgelegd", self.press(driver, "verify-form"))
            self.visit(driver, "/console/requests/RQ-2025-0006", "a verified request")
            # A language the form does not offer is refused, not replaced by the default.
            token = driver.find_element(By.CSS_SELECTOR, "#fulfil-form input[name=csrf]").get_attribute("value")
            status, _, body = fetch("POST", CONSOLE + "/console/requests/RQ-2025-0006/fulfil", {"csrf": token, "language": "xx"}, cookies=driver.get_cookies())
            self.assertEqual(status, 409)
            self.assertIn("Nederlands of Engels", body.decode())
            self.visit(driver, "/console/requests/RQ-2025-0006", "a verified request")
            Select(driver.find_element(By.ID, "language")).select_by_value("en")
            answered = self.press(driver, "fulfil-form")
            self.assertIn("afgehandeld", answered)
            self.assertRegex(answered, r"RQ-2025-0006: \d+ gegevens, \d+ verstrekkingen", "what was answered, in Dutch")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "main [lang=en]"), [])
            self.visit(driver, "/console/requests/RQ-2025-0006", "a fulfilled request")
            self.assertIn("afgehandeld", driver.find_element(By.ID, "status").text)
            self.assertRegex(driver.find_element(By.TAG_NAME, "main").text, r"inzageoverzicht met \d+ gegevens en \d+ verstrekkingen",
                             "what fulfilling did, recorded as words and said in Dutch")
            history = driver.find_element(By.ID, "history-heading").find_element(By.XPATH, "..").text
            self.assertRegex(history, r"ontvangen: via telefoon, termijn \d{4}-\d\d-\d\d", "the history in Dutch too, the channel in words")
            self.assertRegex(history, r"verlengd: termijn \d{4}-\d\d-\d\d; betrokkene ingelicht op")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "main [lang=en]"), [], "nothing on the page left in English")
            self.assertIn("console:anna", history, "every action is recorded with the account")
            self.assertNotIn("call_notes", history, "a field to review by its title, as the outcome says it")
            facts = driver.find_element(By.TAG_NAME, "dl").text
            self.assertIn("telefoon", facts, "the channel in words")
            self.assertIn("de betrokkene zelf", facts, "who asked, in words")
            self.shoot(driver, "console-request")
            status, headers, body = fetch("GET", CONSOLE + "/console/requests/RQ-2025-0006/answer.html", cookies=driver.get_cookies())
            self.assertEqual(status, 200)
            self.assertIn("attachment", headers["Content-Disposition"])
            self.assertIn(b"Autoriteit Persoonsgegevens", body)
            shown = json.loads(custos("request", "show", "RQ-2025-0006", "-o", "json"))
            self.assertEqual(shown["status"], "completed")

            # An erasure fulfilled here: its signed certificate is a download on the request's
            # page, the same bytes as `custos request certificate` writes.
            custos("subject", "add", "--id", "PR-CERT-1", "--category", "prospect", "--set", "email=cert-2207@example.nl")
            erasure = custos("request", "open", "--subject", "PR-CERT-1", "--type", "erasure", "--channel", "e-mail",
                             "--received", "2025-10-08T10:00:00+02:00", "--identity-verified-by", "e-mail matches").split()[0]
            self.visit(driver, "/console/requests/" + erasure, "an erasure request")
            self.assertEqual(driver.find_elements(By.PARTIAL_LINK_TEXT, "JSON"), [], "no certificate before the erasure")
            self.assertIn("afgehandeld", self.press(driver, "fulfil-form"))
            self.visit(driver, "/console/requests/" + erasure, "a fulfilled erasure request")
            self.shoot(driver, "console-erasure")
            link = driver.find_element(By.PARTIAL_LINK_TEXT, "JSON")
            self.assertIn("verklaring van de wissing", link.find_element(By.XPATH, "..").text)
            status, headers, body = fetch("GET", link.get_attribute("href"), cookies=driver.get_cookies())
            self.assertEqual(status, 200)
            self.assertIn(f"{erasure}-erasure-certificate.json", headers["Content-Disposition"])
            certificate = json.loads(body)
            self.assertEqual((certificate["request"], certificate["outcome"], certificate["subjectKeyDestroyed"]), (erasure, "ERASURE_FULL", True))
            self.assertNotIn(b"cert-2207", body, "a certificate names fields, never their values")
            with tempfile.TemporaryDirectory() as folder:
                custos("request", "certificate", erasure, "--out", folder)
                with open(os.path.join(folder, f"{erasure}-erasure-certificate.json"), "rb") as written:
                    self.assertEqual(written.read(), body, "the console's download and the CLI's file are the same bytes")
            status, _, _ = fetch("GET", CONSOLE + "/console/requests/RQ-2025-0006/erasure-certificate.json", cookies=driver.get_cookies())
            self.assertEqual(status, 404, "an access request has no erasure certificate")
            status, _, _ = fetch("GET", CONSOLE + f"/console/requests/{erasure}/erasure-certificate.json")
            self.assertNotEqual(status, 200, "not without a session")

            # An Art. 19 task marked done.
            before = open_tasks()
            self.visit(driver, "/console", "Today again")
            tasks = driver.find_element(By.ID, "tasks").text
            self.assertRegex(tasks, r"beperken: claim_details", "the action in words, the fields as the recipient's systems name them")
            self.assertNotRegex(tasks, r"\b(restrict|rectify|erase):")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#tasks tbody tr button[type=submit]"))
            self.axe(driver, "a task done")
            self.assertEqual(len(open_tasks()), len(before) - 1)

            # The objection assessed: upheld.
            self.visit(driver, "/console", "Today with an objection")
            row = driver.find_element(By.CSS_SELECTOR, "#objections tbody tr")
            self.assertIn("D-100016", row.text)
            Select(row.find_element(By.TAG_NAME, "select")).select_by_value("upheld")
            navigate(driver, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            self.assertIn("beoordeeld", driver.find_element(By.TAG_NAME, "main").text)
            self.visit(driver, "/console", "Today without the objection")
            self.assertEqual(driver.find_elements(By.ID, "objections"), [])

            # A subject: no value until one is opened; opening is a logged read.
            page = self.visit(driver, "/console/subjects/D-100016", "a subject")
            self.assertEqual(driver.find_elements(By.ID, "opened-values"), [])
            self.assertIn("RQ-2025-0006", page)
            self.assertIn("algemeen bezwaar (art. 21 lid 1), P-SCORING", page, "the objection just assessed, in words")
            self.assertIn("gegrond: verwerking gestopt", page)
            self.assertIn("Bankrekening (IBAN)", driver.find_element(By.ID, "fields-heading").find_element(By.XPATH, "..").text,
                          "a field by its title in the page's language, beside its id")
            text = driver.find_element(By.TAG_NAME, "main").text
            self.assertIn("het openen van het incassodossier file-opened", text, "a lifecycle event as the policy describes it, beside its id")
            self.assertIn("Schuldenaar · natuurlijk persoon", text, "the category by its title in the page's language, the kind in words")
            self.shoot(driver, "console-subject")
            # A consent's history in words: the purpose's title, its state, how and where.
            self.visit(driver, "/console/subjects/PR-100038", "a subject's consents")
            consents = driver.find_element(By.ID, "consents-heading").find_element(By.XPATH, "..").text
            self.assertRegex(consents, r"Nieuwsbrief per e-mail P-NEWSLETTER-EMAIL gegeven \S+ v\d+ \((nl|en)\) dubbele opt-in webformulier")
            self.assertIn("ingetrokken", consents)
            self.assertNotRegex(consents, r"\b(given|withdrawn|double-opt-in|web-form)\b")
            self.visit(driver, "/console/subjects/D-100016", "the subject again")
            driver.find_element(By.ID, "field-email").click()
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#open-form button[type=submit]"))
            self.axe(driver, "opened values")
            opened = driver.find_element(By.ID, "opened-values").text
            value = re.search(r"email\s+(\S+@\S+)", opened)
            self.assertIsNotNone(value, opened)
            heading = driver.find_element(By.ID, "opened-heading").text
            seq = re.search(r"#(\d+)", heading).group(1)
            self.assertNotIn(value.group(1), driver.current_url)
            trail = driver.find_element(By.ID, "trail").text
            self.assertIn("P-RIGHTS-ADMIN", trail.split("\n")[1], "the read is the newest entry of the trail")
            self.assertIn(seq, trail.split("\n")[1])
            self.assertIn("toegestaan", heading, "the outcome in words")
            newest = driver.find_element(By.CSS_SELECTOR, "#trail tbody tr").text
            self.assertIn("inzage", newest, "the action in words")
            self.assertIn("toegestaan ALLOW_LEGAL_BASIS", newest, "the outcome in words, the reason codes as codes")
            self.assertNotIn("email=permit", newest)
            self.assertRegex(trail, r"\w+ \(geweigerd\)", "a field that was denied says so")
            with open(os.environ["SERVE_LOG"]) as log:
                self.assertNotIn(value.group(1), log.read(), "no personal data in the server log")

            # A request that came by letter yesterday, recorded from the subject's page.
            self.visit(driver, "/console/subjects/D-100044", "another subject")
            driver.find_element(By.CSS_SELECTOR, "#new-request summary").click()
            Select(driver.find_element(By.ID, "type")).select_by_value("restriction")
            Select(driver.find_element(By.ID, "channel")).select_by_value("letter")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#request-form button[type=submit]"))
            self.axe(driver, "a request recorded from the subject's page")
            number = re.search(r"RQ-\d{4}-\d{4}", driver.find_element(By.TAG_NAME, "h1").text).group(0)
            self.assertIn("/console/requests/" + number, driver.current_url)
            self.assertIn("2025-10-09", driver.find_element(By.ID, "history-heading").find_element(By.XPATH, "..").text)
            self.assertIn("console:anna", driver.find_element(By.ID, "history-heading").find_element(By.XPATH, "..").text)

            # A correction asked for by letter: the officer records the subject's own words, and
            # the request's page shows them (the form never echoes them back in its answer).
            self.visit(driver, "/console/subjects/D-100044", "the subject again")
            driver.find_element(By.CSS_SELECTOR, "#new-request summary").click()
            Select(driver.find_element(By.ID, "type")).select_by_value("rectification")
            Select(driver.find_element(By.ID, "channel")).select_by_value("letter")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#request-form button[type=submit]"))
            correction = re.search(r"RQ-\d{4}-\d{4}", driver.find_element(By.TAG_NAME, "h1").text).group(0)
            self.assertEqual(driver.find_elements(By.ID, "statement"), [], "no words yet")
            words = "Mijn huisnummer is 17a, niet 17.\nZie mijn brief van 8 oktober."
            driver.find_element(By.ID, "statement-words").send_keys(words)
            answer = self.press(driver, "statement-form")
            self.assertIn("woorden van de betrokkene zijn bij " + correction, answer)
            self.assertNotIn("17a", driver.page_source, "the answer does not repeat the words")
            self.visit(driver, "/console/requests/" + correction, "a correction with the subject's words")
            self.assertEqual(driver.find_element(By.ID, "statement").text, words)
            history = driver.find_element(By.ID, "history-heading").find_element(By.XPATH, "..").text
            self.assertIn("woorden betrokkene", history, "the history says who kept words")
            self.assertNotIn("17a", history, "never the words themselves")
            self.assertEqual(custos("request", "statement", correction).strip(), words, "the CLI reads the same words")
            self.shoot(driver, "console-correction")
            # Blank words are refused with what to write, and change nothing.
            form_element = driver.find_element(By.ID, "statement-form")
            token = form_element.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
            status, _, body = fetch("POST", form_element.get_attribute("action"), {"statement": " \n ", "csrf": token}, cookies=driver.get_cookies())
            self.assertIn("Schrijf 1 tot 2000 tekens", body.decode())
            self.assertEqual(custos("request", "statement", correction).strip(), words, "refused words change nothing")

            # Forged forms: a receipt in the future, an objection to an undeclared purpose, a
            # search kind and a notice channel the forms do not offer. Each is refused; nothing is recorded.
            # The library's refusals are in Dutch where its catalogue has their words (the receipt);
            # a message without them (an undeclared purpose) is English, marked as such.
            before = custos("request", "list", "-o", "json")
            for page, form, data, says in (
                    ("/console/subjects/D-100044", "#request-form", {"type": "access", "channel": "letter", "received": "2031-01-01", "purpose": ""},
                     "de ontvangst van een verzoek kan niet later dan nu"),
                    ("/console/subjects/D-100044", "#request-form", {"type": "objection", "channel": "letter", "received": "", "purpose": "P-SCORNIG"},
                     "P-SCORNIG"),
                    ("/console/subjects", "#find-form", {"kind": "shoe-size", "value": "44"}, "niet van de console"),
                    ("/console", "#information form", {"notice": "N-PRIVACY", "channel": "carrier-pigeon"}, "niet van de console")):
                self.visit(driver, page, "a form to forge")
                form_element = driver.find_element(By.CSS_SELECTOR, form)
                token = form_element.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
                status, _, body = fetch("POST", form_element.get_attribute("action"), dict(data, csrf=token), cookies=driver.get_cookies())
                self.assertEqual(status, 409, f"{page} {data}")
                self.assertIn(says, body.decode())
                if says == "P-SCORNIG":
                    self.assertRegex(body.decode(), r'<p lang="en">[^<]*' + re.escape(says), "the library's English marked as such on a Dutch page")
                else:
                    self.assertNotIn('lang="en"', body.decode().split("<main", 1)[1], "Dutch words are not marked as English")
            self.assertEqual(custos("request", "list", "-o", "json"), before)

            # The reports: the activity report with decisions per day, then every other one.
            self.visit(driver, "/console/reports/activity", "the activity report")
            bars = driver.find_elements(By.CSS_SELECTOR, "#time-chart svg rect")
            self.assertGreater(len(bars), 0)
            self.assertIn("geweigerd", driver.find_element(By.ID, "time-chart").text, "the outcomes in the page's words")
            self.shoot(driver, "console-activity")
            Select(driver.find_element(By.ID, "by")).select_by_value("week")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#period-form button[type=submit]"))
            self.assertIn("by=week", driver.current_url)
            self.assertIn("per week", driver.find_element(By.ID, "time-heading").text)
            # The report itself in the page's language, its codes as the log has them.
            self.assertIn("Samenvatting", driver.find_element(By.ID, "section-summary").text)
            self.assertIn("Beslissingen per doel", driver.find_element(By.ID, "section-purposes").text)
            self.assertIn("P-DEBT-COLLECT", driver.find_element(By.ID, "section-purposes").text)
            self.assertNotIn("Decisions by purpose", driver.page_source)
            for report in ("ropa", "transfers", "requests", "consent", "breaches"):
                self.visit(driver, f"/console/reports/{report}?from=2025-01-01&to=2025-12-31", f"the {report} report")
                self.assertNotIn("Summary", driver.find_element(By.TAG_NAME, "main").text, f"the {report} report in Dutch")
            self.assertIn("Register van verwerkingsactiviteiten", self.visit(driver, "/console/reports/ropa", "the record of processing"))
            status, headers, body = fetch("GET", CONSOLE + "/console/reports/requests/download?format=csv", cookies=driver.get_cookies())
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/csv"))
            self.assertIn(b"RQ-2025-0020", body)
            self.assertIn("Verzoek".encode(), body, "the download in the page's language")
            status, _, body = fetch("GET", CONSOLE + "/console/reports/ropa/download?format=html&lang=en", cookies=driver.get_cookies())
            self.assertIn(b'<html lang="en">', body)
            self.assertIn(b"Record of processing activities", body)

            # Art. 14: the people whose data came from the creditor and who were not told yet.
            self.visit(driver, "/console", "Today")
            rows = driver.find_elements(By.CSS_SELECTOR, "#information tbody tr")
            self.assertGreater(len(rows), 0, "the demo leaves the last three weeks' files uninformed")
            owed = rows[0].find_element(By.CSS_SELECTOR, "a").text
            navigate(driver, rows[0].find_element(By.CSS_SELECTOR, "button"))
            self.axe(driver, "the information recorded")
            self.assertIn(owed, driver.find_element(By.TAG_NAME, "h1").text)
            sent = json.loads(custos("notice", "list", "--sent", "-o", "json"))["information"]
            self.assertIn(("console:anna", "post"), [(i["record"]["recorded-by"], i["record"]["channel"]) for i in sent if i["subject"] == owed])

            # The breach register: the demo's breach, then the CRM vendor reports a stolen laptop.
            self.visit(driver, "/console/breaches", "the breach register")
            self.assertIn("BR-2025-0001", driver.find_element(By.ID, "breaches").text)
            driver.find_element(By.ID, "nature-confidentiality").click()
            Select(driver.find_element(By.ID, "scope")).select_by_value("recipient:R-CRM")
            for field, value in (("aware", "2025-10-09T08:00"), ("processor-notice", "2025-10-09T07:40"), ("from", "2025-10-02T00:00")):
                driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, field), value)
            driver.find_element(By.ID, "description").send_keys("a CRM support laptop with an export was stolen")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#record-form button[type=submit]"))
            self.assertRegex(driver.current_url, r"/console/breaches/BR-2025-\d{4}$")
            self.axe(driver, "a breach's page")
            affected = int(driver.find_element(By.CSS_SELECTOR, "#affected strong").text)
            self.assertGreater(affected, 0, "the week's CRM syncs reached people")
            self.assertIn("Schuldenaar", driver.find_element(By.ID, "by-category").text, "a category by its title in the page's language")
            self.assertIn("2025-10-12 08:00", driver.find_element(By.ID, "ap-due").text, "72 clock hours from awareness")
            notification = driver.find_element(By.ID, "notification").text
            self.assertIn(f"Betrokkenen, bij benadering: {affected}", notification, "the AP notification in the page's language")
            self.assertIn("Soort inbreuk: vertrouwelijkheid", notification)
            self.shoot(driver, "console-breach")
            self.assertIn("Oorzaak: nog niet beoordeeld", notification, "what the AP's form asks, not left out")
            # A member state that is not one is refused in Dutch, and nothing is recorded.
            Select(driver.find_element(By.ID, "risk-level")).select_by_value("high")
            driver.find_element(By.ID, "member-states-input").send_keys("US")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#assess-form button[type=submit]"))
            self.assertIn("'US' is geen lidstaat van de EER", driver.find_element(By.CSS_SELECTOR, "main .refusal").text)
            driver.back()
            driver.refresh()
            self.assertIn("niet beoordeeld", driver.find_element(By.ID, "risk").text, "the refused assessment recorded nothing")
            Select(driver.find_element(By.ID, "risk-level")).select_by_value("high")
            Select(driver.find_element(By.ID, "cause")).select_by_value("lost-or-stolen")
            member_states = driver.find_element(By.ID, "member-states-input")
            member_states.clear()
            member_states.send_keys("be")
            driver.find_element(By.ID, "consequences").send_keys("phishing in our name")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#assess-form button[type=submit]"))
            self.assertIn("hoog risico", driver.find_element(By.ID, "risk").text)
            self.assertIn("kwijt of gestolen", driver.find_element(By.ID, "cause").text)
            self.assertEqual("BE", driver.find_element(By.ID, "member-states").text)
            self.assertEqual("BE", driver.find_element(By.ID, "member-states-input").get_attribute("value"), "the form shows what was recorded")
            notification = driver.find_element(By.ID, "notification").text
            self.assertIn("Betrokkenen in andere lidstaten van de EER: BE", notification)
            self.assertIn("Oorzaak: apparaat, gegevensdrager of papier kwijt of gestolen", notification)
            # A form posted without the field keeps what was recorded; an empty field says none.
            form = driver.find_element(By.ID, "assess-form")
            token = form.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
            status, _, _ = fetch("POST", form.get_attribute("action"), {"csrf": token, "risk": "high"}, cookies=driver.get_cookies())
            self.assertIn(status, (200, 303), status)
            driver.refresh()
            self.assertEqual("BE", driver.find_element(By.ID, "member-states").text, "a form without the field keeps the states")
            self.assertIn("kwijt of gestolen", driver.find_element(By.ID, "cause").text)
            history = driver.find_element(By.CSS_SELECTOR, "ol.history").text
            self.assertIn("vastgelegd", history)
            self.assertIn("beoordeeld: risico: hoog", history, "the breach's history in Dutch")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "main [lang=en]"), [])
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#close-form button[type=submit]"))
            refusal = driver.find_element(By.CSS_SELECTOR, "main .refusal").text
            self.assertIn("eerst bij de AP gemeld (art. 33(1))", refusal, "not closed before the AP is notified: the reason in Dutch words")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "main .refusal [lang=en]"), [], "the library's refusal is in the page's language")
            driver.back()
            driver.refresh()
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#notify-form button[type=submit]"))
            self.assertIn("2025-10-09", driver.find_element(By.ID, "notified").text)
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#informed-form button[type=submit]"))
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#close-form button[type=submit]"))
            self.assertIn("2025-10-09", driver.find_element(By.ID, "closed").text)
            self.assertIn("console:anna", driver.find_element(By.CSS_SELECTOR, "ol.history").text)
            self.assertEqual(driver.find_elements(By.ID, "assess-form"), [], "a closed breach takes no more steps")

            # The log against the demo's signed checkpoint, one click.
            self.visit(driver, "/console/audit", "the audit page")
            self.assertIn("holds", self.press(driver, "compare-file"))

            # An account whose actor the policy lost: Today warns, the services page marks it.
            self.visit(driver, "/console", "Today with a stranded service account")
            stranded = driver.find_element(By.ID, "stranded-services").text
            self.assertIn("scoring-2019", stranded)
            self.assertNotIn("mailer", stranded, "only accounts the policy no longer knows")
            with open(os.environ["SERVE_LOG"]) as log:
                warnings = [line for line in log if "no longer declares" in line]
            self.assertEqual(len(warnings), 1, "custos serve warned at start of the one stranded account")
            self.assertIn("service account scoring-2019 acts as 'legacy-scoring'", warnings[0])

            # The service accounts: who can reach the data, as which actor, at what rate.
            self.visit(driver, "/console/services", "the service accounts")
            self.assertIn("niet (meer) in het beleid", driver.find_element(By.ID, "service-scoring-2019").text)
            self.assertIn("het oude token werkt tot", driver.find_element(By.ID, "service-mailer").text, "a rotation's old token and its end")
            self.assertNotIn("het oude token", driver.find_element(By.ID, "service-crm-prod").text)
            self.assertIn("P-DEBT-COLLECT", driver.find_element(By.ID, "service-crm-prod").text)
            self.assertIn("40", driver.find_element(By.ID, "service-mailer").text)
            self.assertIn("ingetrokken", driver.find_element(By.ID, "service-payout-old").text)
            self.assertEqual(driver.find_elements(By.ID, "revoke-payout-old"), [], "a revoked account takes no more changes")
            self.shoot(driver, "console-services")
            self.assertEqual(api_read(), 200, "the service's token works before it is revoked")
            driver.find_element(By.ID, "rate-crm-prod").send_keys("200")
            self.assertIn("hoogstens 200", self.press(driver, "limit-crm-prod"))
            self.visit(driver, "/console/services", "the service accounts after a limit")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "#limit-mailer button[name=clear]"))
            self.assertIn("de limiet van de server", driver.find_element(By.TAG_NAME, "main").text)
            limits = {a["name"]: a["requests-per-second"] for a in json.loads(custos("service", "list", "-o", "json"))["accounts"]}
            self.assertEqual((limits["crm-prod"], limits["mailer"]), (200, None))
            # Forms as the browser would not send them: refused, nothing changed.
            self.visit(driver, "/console/services", "the service accounts again")
            crm_revoke = driver.find_element(By.CSS_SELECTOR, "#revoke-crm-prod input[name=csrf]").get_attribute("value")
            status, _, body = fetch("POST", CONSOLE + "/console/services/mailer/revoke", {"csrf": crm_revoke, "confirm": "on"}, cookies=driver.get_cookies())
            self.assertEqual(status, 403, "a token for one account's form does not revoke another")
            for data in ({"requests-per-second": "0"}, {"requests-per-second": "12abc"}, {"clear": "yes"}):
                token = driver.find_element(By.CSS_SELECTOR, "#limit-crm-prod input[name=csrf]").get_attribute("value")
                status, _, body = fetch("POST", CONSOLE + "/console/services/crm-prod/limit", dict(data, csrf=token), cookies=driver.get_cookies())
                self.assertEqual(status, 409, data)
                self.visit(driver, "/console/services", "the service accounts after a refusal")
            status, _, body = fetch("POST", CONSOLE + "/console/services/crm-prod/revoke", {"csrf": crm_revoke}, cookies=driver.get_cookies())
            self.assertEqual(status, 409, "no revocation without the box ticked")
            self.assertIn("Vink aan", body.decode())
            accounts = {a["name"]: a for a in json.loads(custos("service", "list", "-o", "json"))["accounts"]}
            self.assertEqual((accounts["crm-prod"]["revoked-at"], accounts["mailer"]["revoked-at"], accounts["crm-prod"]["requests-per-second"]), (None, None, 200))
            # Revoked from the console: the token fails from the next request on.
            self.visit(driver, "/console/services", "the service accounts before revoking")
            driver.find_element(By.ID, "confirm-crm-prod").click()
            self.assertIn("ingetrokken", self.press(driver, "revoke-crm-prod"))
            self.assertEqual(api_read(), 401, "a revoked token is refused at once")
            accounts = {a["name"]: a for a in json.loads(custos("service", "list", "-o", "json"))["accounts"]}
            self.assertIsNotNone(accounts["crm-prod"]["revoked-at"])
            self.assertIsNone(accounts["mailer"]["revoked-at"])
            # The stranded account revoked: Today no longer warns.
            self.visit(driver, "/console/services", "the service accounts before revoking the stranded one")
            driver.find_element(By.ID, "confirm-scoring-2019").click()
            self.assertIn("ingetrokken", self.press(driver, "revoke-scoring-2019"))
            self.visit(driver, "/console", "Today without a stranded service account")
            self.assertEqual(driver.find_elements(By.ID, "stranded-services"), [])

            # The sweep: the dry run reviewed, a confirmation with stale numbers refused, then run.
            self.visit(driver, "/console/sweep", "the sweep's dry run")
            self.assertIn("11", driver.find_element(By.ID, "plan-summary").text)
            self.assertGreater(len(driver.find_elements(By.CSS_SELECTOR, "#per-rule tbody tr")), 0)
            rules = [row.find_element(By.CSS_SELECTOR, "td").text for row in driver.find_elements(By.CSS_SELECTOR, "#per-rule tbody tr")]
            self.assertIn("P-SCORING · RET-SCORE", rules, "a rule whose period ended, by its id")
            self.assertTrue(any(rule.endswith("· niet bewaard voor dit doel (niet begonnen, geen toestemming of voor een ander doel verzameld)") for rule in rules), rules)
            self.assertFalse(any(rule.endswith((" · not", " · no", " · the")) for rule in rules), f"a reason's first word is not a rule: {rules}")
            self.assertGreater(len(driver.find_elements(By.CSS_SELECTOR, "#sample tbody tr")), 0)
            self.assertIn("11", driver.find_element(By.CSS_SELECTOR, "label[for=confirm]").text)
            token = driver.find_element(By.CSS_SELECTOR, "#sweep-form input[name=csrf]").get_attribute("value")
            status, _, body = fetch("POST", CONSOLE + "/console/sweep", {"csrf": token, "fields": "3", "subjects": "1", "shredded": "0", "confirm": "on"},
                                    cookies=driver.get_cookies())
            self.assertEqual(status, 409)
            self.assertIn("niets vernietigd", body.decode())
            self.visit(driver, "/console/sweep", "the dry run again")
            driver.find_element(By.ID, "confirm").click()
            answer = self.press(driver, "sweep-form")
            self.assertIn("11 gegevens vernietigd", answer)
            self.visit(driver, "/console/sweep", "the sweep after running")
            self.assertIn("niets te vernietigen", driver.page_source)

            # English, and signing out ends the session.
            self.visit(driver, "/console?lang=en", "Today in English")
            self.assertIn("Open requests", driver.page_source)
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "header form button"))
            driver.get(CONSOLE + "/console")
            self.assertTrue(driver.current_url.endswith("/console/login"))
        finally:
            driver.quit()

    def test_2_auditor_reads_and_changes_nothing(self):
        driver = browser(1280)
        try:
            self.sign_in(driver, "ada", "ada's long passphrase!")
            self.assertTrue(driver.current_url.endswith("/console"), driver.current_url)
            self.axe(driver, "Today for the auditor")
            self.assertIn("auditor", driver.find_element(By.CSS_SELECTOR, ".readonly").text)
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "#tasks button"), [])
            for path, forms in (("/console/requests/RQ-2025-0020", ["verify-form", "extend-form", "fulfil-form", "reject-form"]),
                                ("/console/sweep", ["sweep-form"]), ("/console/breaches", ["record-form"]),
                                ("/console/breaches/BR-2025-0001", ["assess-form", "notify-form", "close-form"])):
                self.visit(driver, path, f"{path} for the auditor")
                for form in forms:
                    self.assertEqual(driver.find_elements(By.ID, form), [], f"{form} on {path}")
            # The correction test 1 recorded words for: the auditor learns only that they exist.
            correction = next(r["id"] for r in json.loads(custos("request", "list", "-o", "json"))
                              if r["type"] == "rectification" and r["subject"] == "D-100044")
            self.visit(driver, "/console/requests/" + correction, "a correction with words, for the auditor")
            self.assertIn("alleen een functionaris", driver.find_element(By.ID, "statement").text)
            self.assertNotIn("17a", driver.page_source, "never the words")
            self.assertEqual(driver.find_elements(By.ID, "statement-form"), [])
            self.visit(driver, "/console/subjects/D-100016", "a subject for the auditor")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "#open-form input[type=checkbox]"), [])
            self.assertEqual(driver.find_elements(By.ID, "request-form"), [])
            self.visit(driver, "/console/reports/activity", "the activity report for the auditor")
            self.visit(driver, "/console/services", "the service accounts for the auditor")
            self.assertIn("P-CLIENT-MKT", driver.find_element(By.ID, "service-mailer").text)
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "#services form"), [], "no change form for the auditor")
            self.visit(driver, "/console/audit", "the audit page for the auditor")
            self.assertIn("holds", self.press(driver, "compare-file"))
            # Changes posted by hand, with the auditor's session and a real token: refused.
            token = driver.find_element(By.CSS_SELECTOR, "#compare-paste input[name=csrf]").get_attribute("value")
            task = open_tasks()[0]["id"]
            for path, data in ((f"/console/tasks/{task}/done", {}), ("/console/requests/RQ-2025-0020/reject", {"reasons": "x"}),
                               ("/console/requests/RQ-2025-0020/statement", {"statement": "x"}),
                               ("/console/requests/RQ-2025-0020/extend", {"reasons": "x"}), ("/console/sweep", {"fields": "0", "subjects": "0", "shredded": "0", "confirm": "on"}),
                               ("/console/subjects/D-100016/open", {"field.email": "on"}),
                               ("/console/subjects/D-100016/requests", {"type": "access", "channel": "letter"}),
                               ("/console/breaches", {"scope": "vault", "nature-availability": "on", "aware": "2025-10-09T08:00", "from": "2025-10-09T07:00", "description": "x"}),
                               ("/console/breaches/BR-2025-0001/close", {}),
                               ("/console/subjects/D-100016/informed", {"notice": "N-PRIVACY", "channel": "post"}),
                               ("/console/services/mailer/revoke", {"confirm": "on"}), ("/console/services/mailer/limit", {"requests-per-second": "1"})):
                status, _, body = fetch("POST", CONSOLE + path, dict(data, csrf=token), cookies=driver.get_cookies())
                self.assertEqual(status, 403, path)
                self.assertIn("Alleen lezen", body.decode(), path)
            self.assertIn(task, [t["id"] for t in open_tasks()])
            mailer = next(a for a in json.loads(custos("service", "list", "-o", "json"))["accounts"] if a["name"] == "mailer")
            self.assertEqual((mailer["revoked-at"], mailer["requests-per-second"]), (None, None))
            self.assertIn(json.loads(custos("request", "show", "RQ-2025-0020", "-o", "json"))["status"], ("awaiting-identity", "in-progress"))
        finally:
            driver.quit()

    def test_3_sign_in_defences(self):
        # A code is taken once: the officer's code of this step was used by test 1 or is used now.
        code = totp()
        driver = browser(1280)
        try:
            self.sign_in(driver, "anna", "anna's long passphrase", code)
            self.sign_in(driver, "anna", "anna's long passphrase", code)
            self.assertIn("Aanmelden is niet gelukt", driver.page_source, "a TOTP code is never taken twice")
            # Five wrong passwords lock the account: then even the right one is refused.
            for _ in range(5):
                self.sign_in(driver, "lena", "wrong passphrase here")
            self.sign_in(driver, "lena", "a third long passphrase")
            self.assertIn("Aanmelden is niet gelukt", driver.page_source, "locked")
            self.assertIn("locked until", custos("officer", "list"))
        finally:
            driver.quit()
        # No console page without a session, no form without its token, nothing on the public listener.
        for path in ("/console", "/console/requests/RQ-2025-0006", "/console/reports/ropa", "/console/sweep"):
            status, headers, _ = fetch("GET", CONSOLE + path)
            self.assertEqual((status, headers["Location"]), (303, "/console/login"), path)
        status, _, _ = fetch("POST", CONSOLE + "/console/sweep", {"fields": "0"})
        self.assertEqual(status, 303)
        for path in ("/console", "/console/login"):
            status, _, _ = fetch("GET", CENTRE + path)
            self.assertEqual(status, 404, f"{path} on the public listener")
        status, headers, _ = fetch("GET", CONSOLE + "/console/login")
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        status, headers, body = fetch("GET", CONSOLE + "/console/no/such/page")
        self.assertEqual(status, 404)
        self.assertTrue(headers["Content-Type"].startswith("text/html"), "a console path answers with a page")

    def test_4_a_second_server_on_the_vault_shares_sessions_and_spent_tokens(self):
        # Another `custos serve` on the same vault, as behind a balancer (or after a restart).
        day = os.path.join(VAULT, "day")
        log = open(os.path.join(day, "serve-second.log"), "w")
        second = subprocess.Popen([os.environ["CUSTOS"], "serve", "--config", "serve.yaml", "--listen", "127.0.0.1:0",
                                   "--listen-public", "127.0.0.1:0", "--at", "2025-10-09T08:30:00+02:00"],
                                  cwd=day, stdout=subprocess.DEVNULL, stderr=log)
        driver = browser(1280)
        try:
            other = None
            for _ in range(100):
                with open(log.name) as started:
                    found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", started.read())
                if found:
                    other = found.group(1)
                    break
                time.sleep(0.1)
            self.assertIsNotNone(other, "the second server did not start")
            # Signed in at the first server, the browser's cookie (cookies ignore the port) opens the second.
            self.sign_in(driver, "ada", "ada's long passphrase!")
            self.assertTrue(driver.current_url.endswith("/console"), driver.current_url)
            driver.get(other + "/console/reports/ropa")
            self.assertTrue(driver.current_url.endswith("/console/reports/ropa"), "the second server knows the session")
            self.axe(driver, "a report from the second server")
            # Signed out at the second server with the first server's form token: out at both,
            # and the token, spent at the second, is refused at the first.
            driver.get(CONSOLE + "/console")
            token = driver.find_element(By.CSS_SELECTOR, "form[action='/console/logout'] input[name=csrf]").get_attribute("value")
            cookies = driver.get_cookies()
            status, headers, _ = fetch("POST", other + "/console/logout", {"csrf": token}, cookies=cookies)
            self.assertEqual((status, headers["Location"]), (303, "/console/login"))
            status, _, _ = fetch("POST", CONSOLE + "/console/logout", {"csrf": token}, cookies=cookies)
            self.assertEqual(status, 403, "a form token spent at one server is spent at every server")
            status, headers, _ = fetch("GET", CONSOLE + "/console", cookies=cookies)
            self.assertEqual((status, headers["Location"]), (303, "/console/login"), "signed out at one server, signed out at all")
            # An account removed and made again under its name is another account: the old
            # account's session ends, at every server.
            self.sign_in(driver, "ada", "ada's long passphrase!")
            cookies = driver.get_cookies()
            self.assertEqual(fetch("GET", other + "/console", cookies=cookies)[0], 200)
            custos("officer", "remove", "ada")
            made = subprocess.run([os.environ["CUSTOS"], "officer", "add", "ada", "--role", "auditor"], cwd=day, input="ada's long passphrase!\n",
                                  capture_output=True, text=True)
            self.assertEqual(made.returncode, 0, made.stderr)
            for server in (CONSOLE, other):
                status, headers, _ = fetch("GET", server + "/console", cookies=cookies)
                self.assertEqual((status, headers["Location"]), (303, "/console/login"), f"the old account's session at {server}")
            self.sign_in(driver, "ada", "ada's long passphrase!")
            self.assertTrue(driver.current_url.endswith("/console"), "the new account signs in")
        finally:
            driver.quit()
            second.terminate()
            self.assertEqual(second.wait(timeout=30), 0, "the second server drains and stops on SIGTERM")
            log.close()


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"console: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
