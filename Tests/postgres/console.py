"""The officer's console over a PostgreSQL vault (Tests/postgres/serve.sh): signs in through the
login form (CSRF token and cookies as a browser keeps them), opens every page of the console,
verifies a request's identity through its form, and checks that no page shows a field's value.
The same pages run in headless Chromium on a SQLite vault (Tests/web/test_console.py).
  python3 console.py API_URL ACCOUNT PASSWORD SUBJECT REQUEST BREACH VALUE"""
import html
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

api, account, password, subject, request, breach, value = sys.argv[1:8]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def fetch(path, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(urllib.request.Request(api + path, data=data), timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def csrf(page, action):
    form = re.search(r'<form[^>]*action="%s"[^>]*>(.*?)</form>' % re.escape(action), page, re.S)
    assert form, "no form for %s" % action
    return html.unescape(re.search(r'name="csrf" value="([^"]+)"', form.group(1)).group(1))


status, page = fetch("/console")
assert status in (200, 303) and "login" in page.lower(), "an unsigned visit is sent to the login page (%s)" % status
status, page = fetch("/console/login")
status, page = fetch("/console/login", {"csrf": csrf(page, "/console/login"), "name": account, "password": "wrong " + password})
assert status == 401, "a wrong password is refused (%s)" % status
status, page = fetch("/console/login", {"csrf": csrf(page, "/console/login"), "name": account, "password": password})
assert status == 200 and 'action="/console/logout"' in page, "signed in, Today shown (%s)" % status
pages = ["/console", "/console/subjects/" + subject, "/console/requests/" + request, "/console/audit", "/console/sweep",
         "/console/breaches", "/console/breaches/" + breach, "/console/reports/ropa", "/console/reports/requests"]
for path in pages:
    status, page = fetch(path)
    assert status == 200, "%s answered %s" % (path, status)
    assert value not in page, "%s shows a field's value" % path
status, page = fetch("/console/requests/" + request)
status, page = fetch("/console/requests/%s/verify" % request,
                     {"csrf": csrf(page, "/console/requests/%s/verify" % request), "method": "case number and postcode"})
assert status == 200 and "case number and postcode" in page, "the identity check is recorded (%s)" % status
status, page = fetch("/console/requests/" + request)
assert "case number and postcode" in page
status, _ = fetch("/console/subjects/NOBODY-AT-ALL")
assert status == 404, "an unknown subject is a 404 (%s)" % status
print("console: signed in on the PostgreSQL vault, %d pages answered without a value, a request verified through its form" % len(pages))
