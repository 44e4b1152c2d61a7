"""What the browser tests share: Debian's headless chromium through chromium-driver, a click
that waits for the next page, axe-core on a page, and screenshots."""
import base64
import importlib.util
import os
import tempfile
import unittest
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

SCREENSHOTS = os.environ["SCREENSHOTS"]
AXE = open(os.path.join(importlib.util.find_spec("axe_playwright_python").submodule_search_locations[0], "axe.min.js")).read()
DOWNLOADS = tempfile.mkdtemp()


def browser(width, language="nl"):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},900", f"--lang={language}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language, "download.default_directory": DOWNLOADS})
    if width < 500:
        # A phone: headless windows are at least 500 px wide, so the viewport is emulated.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": 844, "pixelRatio": 1.0}})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.custos_width = width
    driver.set_page_load_timeout(30)
    return driver


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def navigate(driver, element):
    """Clicks something that loads a new page and waits until the new page is there (a click
    on a form's button returns before the answer to the POST has replaced the page). The old
    page is marked; the new one is complete and unmarked."""
    driver.execute_script("window.custosOldPage = true;")
    try:
        element.click()
    except WebDriverException as error:
        # chromedriver sometimes reports on the clicked node after the page it was on is gone.
        if "does not belong to the document" not in str(error):
            raise

    def arrived(d):
        try:
            return d.execute_script("return window.custosOldPage === undefined && document.readyState === 'complete'")
        except WebDriverException:
            return False
    WebDriverWait(driver, 15).until(arrived)


class Page(unittest.TestCase):
    """Helpers shared by the scenarios: axe on the current page, and screenshots."""

    def axe(self, driver, what):
        driver.execute_script(AXE)
        violations = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            ".then(result => done(result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))));")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        self.assertEqual(serious, [], f"axe-core on {what}: {serious}")
        return violations

    def shoot(self, driver, name):
        """The whole page at the browser's width, from the top, without resizing anything (a
        resize re-lays the page out under the test's feet)."""
        width = driver.custos_width
        height = min(driver.execute_script("return document.documentElement.scrollHeight"), 6000)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                                 "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        with open(os.path.join(SCREENSHOTS, f"{name}.png"), "wb") as out:
            out.write(base64.b64decode(shot["data"]))

    def assertNoPersonalDataInURL(self, driver, *values):
        for value in values:
            self.assertNotIn(value.lower(), urllib.parse.unquote(driver.current_url).lower(), "no personal data in a URL")
