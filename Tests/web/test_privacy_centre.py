"""The privacy centre in a real browser (Selenium on Debian's headless chromium and
chromium-driver), against `custos serve --listen-public` started by Tests/web/run.sh.

Every page a test visits is checked with axe-core (WCAG 2.1 A and AA rules): no serious or
critical violation. Screenshots of the pages a data subject sees go to SCREENSHOTS, at 390 px
(a phone) and 1280 px (a desktop). Codes are read from the outbox with `custos outbox`, as an
officer would; the SMTP sink shows the relay delivered them."""
import base64
import http.client
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

from jwcrypto import jwk, jws
from selenium.webdriver.common.by import By

CENTRE, API, VAULT = os.environ["CENTRE_URL"], os.environ["API_URL"], os.environ["VAULT"]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtools import DOWNLOADS, NoRedirect, Page, browser, navigate  # noqa: E402


def custos(*arguments):
    run = subprocess.run([os.environ["CUSTOS"], *arguments], cwd=VAULT, capture_output=True, text=True)
    if run.returncode not in (0, 2, 3):
        raise AssertionError(f"custos {' '.join(arguments)}: {run.stderr}")
    return run.stdout


def latest_code(address):
    """The six digits of the newest code mailed to `address`, read from the outbox."""
    for message in json.loads(custos("outbox", "list", "-o", "json"))["messages"]:
        if message["kind"] != "email-code":
            continue
        shown = json.loads(custos("outbox", "show", str(message["id"]), "-o", "json"))
        if shown["to"] == address:
            return re.search(r"\b(\d{6})\b", shown["body"]).group(1)
    raise AssertionError(f"no code in the outbox for {address}")


def fetch(method, path, data=None, jar=None, headers=None):
    """A request outside the browser (for forged and replayed forms), with an optional cookie jar."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar if jar is not None else http.cookiejar.CookieJar()), NoRedirect)
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(CENTRE + path, data=body, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def submit(driver):
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def ask_for(driver, address, right="access"):
    """Asks for `right` as the holder of `address`, code and all; the request's number and status link."""
    driver.get(CENTRE + "/privacy/request")
    driver.find_element(By.ID, "type-" + right).click()
    driver.find_element(By.ID, "email").send_keys(address)
    submit(driver)
    driver.find_element(By.ID, "code").send_keys(latest_code(address))
    submit(driver)
    number = re.search(r"RQ-\d{4}-\d{4}", driver.find_element(By.TAG_NAME, "h2").text).group(0)
    return number, driver.find_element(By.LINK_TEXT, "Volg uw verzoek").get_attribute("href")


def csrf(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class DebtorAsksForAccess(Page):
    def test_a_debtor_asks_confirms_the_code_and_downloads_the_package_the_officer_released(self):
        for width, suffix in ((390, "mobile"), (1280, "desktop")):
            with self.subTest(width=width):
                self.ask_and_download(width, suffix)

    def ask_and_download(self, width, suffix):
        driver = browser(width)
        try:
            driver.get(CENTRE + "/privacy")
            self.assertEqual(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "nl", "Dutch by default")
            self.axe(driver, "the home page")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "a.button[href='/privacy/request']"))
            self.axe(driver, "the request form")
            driver.find_element(By.ID, "type-access").click()
            driver.find_element(By.ID, "email").send_keys("debtor@example.nl")
            driver.find_element(By.ID, "id-case_number").send_keys("INV-2025-0042")
            driver.find_element(By.ID, "id-postal_address-postcode").send_keys("1234 ab")
            self.shoot(driver, f"request-form-{suffix}")
            submit(driver)
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "Vul de code in")
            self.axe(driver, "the code page")
            self.assertNoPersonalDataInURL(driver, "debtor@example.nl", "INV-2025-0042", "1234")
            driver.find_element(By.ID, "code").send_keys(latest_code("debtor@example.nl"))
            submit(driver)
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "Wij hebben uw verzoek ontvangen")
            self.axe(driver, "the request-received page")
            number = re.search(r"RQ-\d{4}-\d{4}", driver.find_element(By.TAG_NAME, "h2").text).group(0)
            self.assertIn("december", driver.page_source.lower() + "januari", "the deadline in words")
            status_link = driver.find_element(By.LINK_TEXT, "Volg uw verzoek").get_attribute("href")
            self.assertNotIn("example.nl", status_link)
            self.shoot(driver, f"request-received-{suffix}")

            # The officer verifies and fulfils with the CLI, the same calls as the console.
            shown = custos("request", "show", number)
            self.assertIn("web-form", shown)
            self.assertIn("case_number, postcode of postal_address match what is held", shown)
            custos("request", "verify", number, "--method", "e-mail code, case number and postcode")
            custos("request", "fulfil", number, "--out", tempfile.mkdtemp())

            driver.get(status_link)
            facts = driver.find_element(By.CSS_SELECTOR, "dl.facts").text
            self.assertIn("Afgerond", facts)
            self.assertRegex(facts, r"Een overzicht van uw \d+ gegevens en van \d+ verstrekkingen aan anderen", "what fulfilling did, in Dutch")
            self.axe(driver, "the status page")
            self.shoot(driver, f"status-{suffix}")
            answer = driver.find_element(By.PARTIAL_LINK_TEXT, "leesbare pagina").get_attribute("href")
            with urllib.request.urlopen(answer, timeout=30) as response:
                self.assertIn("attachment", response.headers["Content-Disposition"])
                package = response.read().decode()
            self.assertIn("Uw gegevens bij ons", package)
            self.assertIn("INV-2025-0042", package)
            self.assertIn("Vorderingen innen die opdrachtgevers ons overdragen", package, "purpose titles in Dutch")
            self.assertIn("Autoriteit Persoonsgegevens", package)
            self.assertNotIn("[proposed]", package)
            path = os.path.join(DOWNLOADS, f"{number}-access.html")
            with open(path, "w") as saved:
                saved.write(package)
            driver.get("file://" + path)
            self.axe(driver, "the access package")
            self.shoot(driver, f"access-package-{suffix}")
        finally:
            driver.quit()
        sent = ""
        if os.path.exists(os.environ["MAIL_SINK"]):
            with open(os.environ["MAIL_SINK"]) as sink:
                sent = sink.read()
        self.assertIn("RCPT TO:<debtor@example.nl>", sent, "the relay delivered the outbox's mail")

    def test_b_a_rejection_reads_in_dutch_with_the_officers_reasons_as_written(self):
        driver = browser(1280)
        try:
            number, link = ask_for(driver, "subscriber@example.nl")
            custos("request", "reject", number, "--reasons", "het vierde gelijke verzoek {deze} maand (art. 12 lid 5 AVG)")
            driver.get(link)
            facts = driver.find_element(By.CSS_SELECTOR, "dl.facts")
            self.assertIn("Afgewezen: het vierde gelijke verzoek {deze} maand (art. 12 lid 5 AVG).", facts.text, "the reasons as written")
            self.assertEqual(facts.find_elements(By.CSS_SELECTOR, "dd[lang=en]"), [], "nothing left in English")
            main = driver.find_element(By.TAG_NAME, "main").text
            self.assertNotIn("You may complain", main)
            self.assertEqual(main.count("Autoriteit Persoonsgegevens"), 1, "the complaint route, said once")
            self.axe(driver, "the status page of a rejected request")
            self.shoot(driver, "status-rejected")
        finally:
            driver.quit()


class SubscriberWithdraws(Page):
    def test_a_withdrawal_in_the_preference_centre_denies_the_next_service_read(self):
        def read():
            request = urllib.request.Request(API + "/v1/subjects/PR-1/read", method="POST",
                                             data=json.dumps({"purpose": "P-NEWSLETTER-EMAIL", "fields": ["email"]}).encode(),
                                             headers={"Authorization": "Bearer " + os.environ["NEWSLETTER_TOKEN"]})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        self.assertEqual(read()["decision"]["outcome"], "permit")
        driver = browser(1280)
        try:
            driver.get(CENTRE + "/privacy/preferences")
            self.axe(driver, "the preference centre's start")
            driver.find_element(By.ID, "email").send_keys("subscriber@example.nl")
            submit(driver)
            driver.find_element(By.ID, "code").send_keys(latest_code("subscriber@example.nl"))
            submit(driver)
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "Uw privacyvoorkeuren")
            self.assertIn("Nieuwsbrief per e-mail", driver.page_source)
            self.assertIn("U heeft toestemming gegeven.", driver.page_source)
            # The notice in the page's language, and the form says which text was shown.
            def shown_language():
                return driver.find_element(By.CSS_SELECTOR, "input[name=notice-language]").get_attribute("value")
            self.assertIn("Ja, stuur mij de nieuwsbrief", driver.page_source)
            self.assertEqual(shown_language(), "nl")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.lang a[lang=en]"))
            self.assertIn("Yes, send me the newsletter", driver.page_source, "the policy's English text of the same version")
            self.assertNotIn("Ja, stuur mij de nieuwsbrief", driver.page_source)
            self.assertEqual(shown_language(), "en")
            driver.find_element(By.CSS_SELECTOR, "details summary").click()
            self.assertTrue(driver.find_element(By.CSS_SELECTOR, ".notice-text").is_displayed())
            self.axe(driver, "the preference centre in English, its notice open")
            self.shoot(driver, "preferences-notice-english")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.lang a[lang=nl]"))
            self.axe(driver, "the preference centre")
            self.shoot(driver, "preferences-desktop")
            phone = browser(390)
            try:
                phone.get(CENTRE + "/privacy")
                for cookie in driver.get_cookies():
                    phone.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
                phone.get(CENTRE + "/privacy/preferences")
                self.assertIn("Nieuwsbrief per e-mail", phone.page_source)
                self.axe(phone, "the preference centre on a phone")
                self.shoot(phone, "preferences-mobile")
            finally:
                phone.quit()

            # The signed receipt, verified with a JOSE library and the published keys.
            receipt_url = driver.find_element(By.PARTIAL_LINK_TEXT, "JWS").get_attribute("href")
            session = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
            with urllib.request.urlopen(urllib.request.Request(receipt_url, headers={"Cookie": session}), timeout=30) as response:
                token = response.read().decode()
            with urllib.request.urlopen(CENTRE + "/.well-known/jwks.json", timeout=30) as response:
                keys = jwk.JWKSet.from_json(response.read().decode())
            signed = jws.JWS()
            signed.deserialize(token)
            signed.verify(keys.get_key(signed.jose_header["kid"]), alg="EdDSA")
            receipt = json.loads(signed.payload)
            self.assertEqual((receipt["pii_principal_id"], receipt["purposes"][0]["id"], receipt["consent_status"]), ("PR-1", "P-NEWSLETTER-EMAIL", "given"))
            tampered = token.split(".")
            tampered[1] = base64.urlsafe_b64encode(signed.payload.replace(b'"given"', b'"withdrawn"')).decode().rstrip("=")
            forged = jws.JWS()
            forged.deserialize(".".join(tampered))
            with self.assertRaises(Exception):
                forged.verify(keys.get_key(signed.jose_header["kid"]), alg="EdDSA")
            receipt_file = os.path.join(DOWNLOADS, "receipt.jws")
            with open(receipt_file, "w") as saved:
                saved.write(token)
            self.assertIn("is valid", custos("consent", "verify-receipt", receipt_file))

            navigate(driver, driver.find_element(By.XPATH, "//button[@value='withdraw']"))
            self.assertIn("Uw toestemming is ingetrokken", driver.find_element(By.CSS_SELECTOR, "[role=status]").text)
            self.axe(driver, "the preference centre after a withdrawal")
            self.assertNoPersonalDataInURL(driver, "subscriber@example.nl")
        finally:
            driver.quit()
        answer = read()
        self.assertEqual(answer["decision"]["outcome"], "deny")
        self.assertIn("CONSENT_WITHDRAWN", [reason["code"] for reason in answer["decision"]["reasons"]])


class WrongCodes(Page):
    def test_five_wrong_codes_lock_the_attempt_and_the_right_one_no_longer_works(self):
        driver = browser(1280, "en")
        try:
            driver.get(CENTRE + "/privacy/request")
            self.assertEqual(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en", "chosen by Accept-Language")
            driver.find_element(By.ID, "type-erasure").click()
            driver.find_element(By.ID, "email").send_keys("someone@example.nl")
            submit(driver)
            right = latest_code("someone@example.nl")
            wrong = "000000" if right != "000000" else "111111"
            for remaining in (4, 3, 2, 1):
                driver.find_element(By.ID, "code").send_keys(wrong)
                submit(driver)
                alerts = driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
                self.assertTrue(alerts, driver.find_element(By.TAG_NAME, "main").text)
                self.assertIn(f"You have {remaining} more tries", alerts[0].text)
                self.axe(driver, "the code page with an error")
            challenge = driver.find_element(By.NAME, "challenge").get_attribute("value")
            driver.find_element(By.ID, "code").send_keys(wrong)
            submit(driver)
            self.assertEqual(driver.find_element(By.TAG_NAME, "h1").text, "Too many wrong codes", "the fifth wrong try locks")
            self.axe(driver, "the locked page")
            # The right code, sent with a fresh form token for the same challenge, is refused.
            jar = http.cookiejar.CookieJar()
            page = fetch("GET", "/privacy/request", jar=jar)[2]
            token = csrf(fetch("POST", "/privacy/request", {"csrf": csrf(page), "type": "access", "email": "other@example.nl"}, jar=jar)[2])
            late = fetch("POST", "/privacy/code", {"csrf": token, "challenge": challenge, "code": right}, jar=jar)
            self.assertEqual(late[0], 403)
            self.assertIn("Te vaak een verkeerde code", late[2])
        finally:
            driver.quit()


class Languages(Page):
    def test_the_dutch_and_english_pages_both_render(self):
        driver = browser(390)
        try:
            for path in ("/privacy", "/privacy/request", "/privacy/preferences"):
                driver.get(CENTRE + path)
                self.assertEqual(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "nl")
                dutch = driver.find_element(By.TAG_NAME, "h1").text
                self.axe(driver, f"{path} in Dutch")
                navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.lang a[lang=en]"))
                self.assertEqual(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en", "the visible switch")
                self.assertNotEqual(driver.find_element(By.TAG_NAME, "h1").text, dutch)
                self.axe(driver, f"{path} in English")
                if path == "/privacy":
                    self.shoot(driver, "home-english-mobile")
                navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.lang a[lang=nl]"))
        finally:
            driver.quit()


class BadInput(Page):
    def fresh_form(self, jar, path="/privacy/request"):
        status, headers, html = fetch("GET", path, jar=jar)
        self.assertEqual(status, 200)
        return html

    def test_form_posts_are_limited_per_client_address(self):
        # From an address of its own (127.0.0.2: the loopback network is all local), so that
        # spending its allowance leaves the other tests theirs: form posts with fresh tokens
        # (each spent token is a commit to the vault) until the 429.
        host, port = urllib.parse.urlparse(CENTRE).hostname, urllib.parse.urlparse(CENTRE).port

        def request(method, path, body=None, cookie=""):
            connection = http.client.HTTPConnection(host, port, timeout=30, source_address=("127.0.0.2", 0))
            headers = {"Cookie": cookie} if cookie else {}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, urllib.parse.urlencode(body) if body is not None else None, headers)
            response = connection.getresponse()
            answer = (response.status, response.getheader("Set-Cookie") or "", response.read().decode())
            connection.close()
            return answer

        status, set_cookie, _ = request("GET", "/privacy/request")
        cookie = set_cookie.split(";", 1)[0]
        answers = []
        for _ in range(121):
            html = request("GET", "/privacy/request", cookie=cookie)[2]
            answers.append(request("POST", "/privacy/request", {"csrf": csrf(html), "type": "access", "email": ""}, cookie=cookie)[0])
            if answers[-1] == 429:
                break
        self.assertEqual(len(answers), 121, answers[-3:])
        self.assertEqual(set(answers[:-1]), {422}, "each of the 120 was read, and refused for its empty address")
        self.assertEqual(answers[-1], 429, "the 121st in fifteen minutes is refused before its token is spent")
        self.assertEqual(request("GET", "/privacy/request", cookie=cookie)[0], 200, "reading pages is not posting forms")
        jar = http.cookiejar.CookieJar()
        status = fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": ""}, jar=jar)[0]
        self.assertEqual(status, 422, "another address keeps its own allowance")

    def test_every_page_carries_the_strict_headers_and_cookies(self):
        jar = http.cookiejar.CookieJar()
        status, headers, _ = fetch("GET", "/privacy/request", jar=jar)
        self.assertEqual(headers["Content-Security-Policy"].split(";")[0], "default-src 'self'")
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(headers["Cache-Control"], "no-store")
        cookie = headers["Set-Cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)

    def test_scripts_and_oversized_input_are_refused_next_to_the_field_and_never_echoed_raw(self):
        jar = http.cookiejar.CookieJar()
        html = self.fresh_form(jar)
        status, _, page = fetch("POST", "/privacy/request", {"csrf": csrf(html), "type": "access", "email": "<script>alert(1)</script>",
                                                           "id.case_number": "x" * 80}, jar=jar)
        self.assertEqual(status, 422)
        self.assertNotIn("<script>alert(1)</script>", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertIn('id="email-error"', page)
        self.assertIn('id="id-case_number-error"', page)
        html = self.fresh_form(jar)
        status, _, page = fetch("POST", "/privacy/request", ("csrf=" + csrf(html) + "&email=" + "a" * 20000).encode(), jar=jar)
        self.assertEqual(status, 413)
        self.assertIn("Te veel tekst", page)

    def test_forged_replayed_and_foreign_forms_are_refused(self):
        jar = http.cookiejar.CookieJar()
        html = self.fresh_form(jar)
        forged = csrf(html)[:-4] + "AAAA"
        self.assertEqual(fetch("POST", "/privacy/request", {"csrf": forged, "type": "access", "email": "x@example.nl"}, jar=jar)[0], 403)
        token = csrf(self.fresh_form(jar))
        first = fetch("POST", "/privacy/request", {"csrf": token, "type": "access", "email": "replay@example.nl"}, jar=jar)
        self.assertEqual(first[0], 200)
        replayed = fetch("POST", "/privacy/request", {"csrf": token, "type": "access", "email": "replay@example.nl"}, jar=jar)
        self.assertEqual(replayed[0], 403, "a form token works once")
        self.assertIn("Dit formulier is verlopen", replayed[2])
        other = http.cookiejar.CookieJar()
        self.fresh_form(other)
        self.assertEqual(fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": "x@example.nl"}, jar=other)[0], 403,
                         "a token belongs to the visitor it was made for")
        self.assertEqual(fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": "x@example.nl", "admin": "1"}, jar=jar)[0], 400,
                         "a key the form does not have is refused")

    def test_the_same_answer_for_known_and_unknown_addresses_and_codes_are_rate_limited(self):
        jar = http.cookiejar.CookieJar()
        known = fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": "subscriber@example.nl"}, jar=jar)
        unknown = fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": "stranger@example.nl"}, jar=jar)
        strip = lambda page: re.sub(r'value="[^"]*"', "", page)
        self.assertEqual((known[0], strip(known[2])), (unknown[0], strip(unknown[2])), "nobody learns who is a debtor")
        answers = [fetch("POST", "/privacy/request", {"csrf": csrf(self.fresh_form(jar)), "type": "access", "email": "flood@example.nl"}, jar=jar)[0] for _ in range(4)]
        self.assertEqual(answers, [200, 200, 200, 429], "three codes per address in fifteen minutes")

    def test_a_status_link_after_erasure_leads_to_a_clear_page(self):
        driver = browser(1280)
        try:
            number, link = ask_for(driver, "erased@example.nl")
            custos("request", "verify", number, "--method", "e-mail code")
            custos("request", "fulfil", number, "--out", tempfile.mkdtemp())
            driver.get(link)
            answer = driver.find_element(By.PARTIAL_LINK_TEXT, "leesbare pagina").get_attribute("href")
            erasure = custos("request", "open", "--subject", "D-2", "--type", "erasure", "--channel", "letter", "--identity-verified-by", "letter")
            custos("request", "fulfil", re.search(r"RQ-\d{4}-\d{4}", erasure).group(0), "--out", tempfile.mkdtemp())
            driver.get(link)
            self.assertIn("niet meer te downloaden", driver.page_source)
            self.axe(driver, "the status page after an erasure")
            status, _, page = fetch("GET", urllib.parse.urlparse(answer).path)
            self.assertEqual(status, 404)
            self.assertIn("Deze link werkt niet", page)
        finally:
            driver.quit()

    def test_an_erasure_asked_for_here_gives_its_signed_certificate_on_the_status_link(self):
        driver = browser(1280)
        try:
            custos("subject", "add", "--id", "PR-77", "--category", "prospect", "--set", "email=certificate@example.nl")
            number, link = ask_for(driver, "certificate@example.nl", right="erasure")
            driver.get(link)
            self.assertNotIn("Verklaring van de wissing", driver.page_source, "no certificate before the erasure")
            status, _, _ = fetch("GET", urllib.parse.urlparse(link).path + "/erasure-certificate.json")
            self.assertEqual(status, 404)
            custos("request", "verify", number, "--method", "e-mail code")
            custos("request", "fulfil", number, "--out", tempfile.mkdtemp())
            driver.get(link)
            self.assertIn("Verklaring van de wissing", driver.page_source)
            self.axe(driver, "the status page of a fulfilled erasure")
            self.shoot(driver, "privacy-centre-erasure")
            download = driver.find_element(By.XPATH, "//section[h2='Verklaring van de wissing']//a").get_attribute("href")
            status, headers, body = fetch("GET", urllib.parse.urlparse(download).path)
            self.assertEqual(status, 200)
            self.assertIn(f"{number}-erasure-certificate.json", headers["Content-Disposition"])
            certificate = json.loads(body)
            self.assertEqual((certificate["request"], certificate["outcome"], certificate["subjectKeyDestroyed"]), (number, "ERASURE_FULL", True))
            self.assertNotIn("certificate@example.nl", body, "field names and purposes, never a value")
            self.assertEqual(len(certificate["signature"]), 128, "an Ed25519 signature")
        finally:
            driver.quit()

    def test_a_correction_says_what_is_wrong_and_the_officer_reads_it_in_the_console(self):
        words = "Mijn achternaam is Vries-Ooms, niet Vries.\nGraag ook in uw brieven aanpassen."
        driver = browser(1280)
        try:
            custos("subject", "add", "--id", "PR-78", "--category", "prospect", "--set", "email=correction@example.nl")
            # Words with another right, and a correction without words, are refused next to the field.
            driver.get(CENTRE + "/privacy/request")
            driver.find_element(By.ID, "type-access").click()
            driver.find_element(By.ID, "statement").send_keys("only for a correction")
            driver.find_element(By.ID, "email").send_keys("correction@example.nl")
            submit(driver)
            self.assertIn("alleen voor een correctie", driver.find_element(By.ID, "statement-error").text)
            self.assertEqual(driver.find_element(By.ID, "statement").get_attribute("aria-invalid"), "true")
            driver.find_element(By.ID, "type-rectification").click()
            driver.find_element(By.ID, "statement").clear()
            submit(driver)
            self.assertIn("Schrijf wat er niet klopt", driver.find_element(By.ID, "statement-error").text)
            self.axe(driver, "the request form with an error at the statement")
            self.shoot(driver, "privacy-centre-correction-error")
            driver.find_element(By.ID, "statement").send_keys(words)
            submit(driver)
            driver.find_element(By.ID, "code").send_keys(latest_code("correction@example.nl"))
            submit(driver)
            number = re.search(r"RQ-\d{4}-\d{4}", driver.find_element(By.TAG_NAME, "h2").text).group(0)
            self.assertEqual(json.loads(custos("request", "show", number, "-o", "json"))["type"], "rectification")
            # The officer reads the words on the request's page in the console, line breaks and all.
            made = subprocess.run([os.environ["CUSTOS"], "officer", "add", "mira", "--role", "officer"], cwd=VAULT,
                                  input="mira's long passphrase\n", capture_output=True, text=True)
            self.assertEqual(made.returncode, 0, made.stderr)
            driver.get(API + "/console/login")
            driver.find_element(By.ID, "name").send_keys("mira")
            driver.find_element(By.ID, "password").send_keys("mira's long passphrase")
            navigate(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
            driver.get(API + f"/console/requests/{number}?lang=nl")
            self.assertEqual(driver.find_element(By.ID, "statement").text, words)
            self.axe(driver, "the console's page of a correction with the subject's words")
            self.shoot(driver, "console-correction-statement")
            with open(os.environ["SERVE_LOG"]) as log:
                self.assertNotIn("Vries-Ooms", log.read(), "the words are never logged")
        finally:
            driver.quit()


class Logs(unittest.TestCase):
    def test_zz_the_server_log_holds_no_address_code_or_status_token(self):
        with open(os.environ["SERVE_LOG"]) as file:
            log = file.read()
        self.assertGreater(log.count('"route":"/privacy'), 10, "the pages were logged, by route template")
        for value in ("example.nl", "INV-2025", "1234 AB", "Vries-Ooms"):
            self.assertNotIn(value, log)
        self.assertIsNone(re.search(r"/privacy/status/(?!:token)", log), "a status link's token is never logged")
        self.assertIsNone(re.search(r'"message":"[^"]*\b\d{6}\b', log), "no code in a log message")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"web: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
