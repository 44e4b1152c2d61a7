"""`custos serve` settings and its defences, each on a server of its own started here: the
settings file, environment and flags in order of precedence, TLS, the plain-HTTP rule, the
slow-client deadline, a client that disconnects mid-request, the failed-authentication
limit, and the number of deciding threads. Environment: CUSTOS, VAULT, COLLECTIONS_TOKEN (from Tests/server/run.sh)."""
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python"))
from custos_client import CustosClient, CustosError  # noqa: E402

CUSTOS, VAULT = os.environ["CUSTOS"], os.environ["VAULT"]


class Server:
    """A `custos serve` on a free loopback port, stopped on exit."""

    def __init__(self, *arguments, env=None):
        self.process = subprocess.Popen([CUSTOS, "serve", *arguments], cwd=VAULT, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, **(env or {})})
        self.url = self.centre = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            found = re.search(r"(listening|privacy centre) on (https?://\S+)", line)
            if found and found.group(1) == "listening":
                self.url = found.group(2)
            elif found:
                self.centre = found.group(2)
            if self.url and (self.centre or "--listen-public" not in arguments):
                break
        if not self.url:
            self.process.kill()
            raise AssertionError("the server did not start")
        # Keep reading its log, so that a full pipe never blocks the server.
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stderr.close()


def refused(*arguments, env=None):
    run = subprocess.run([CUSTOS, "serve", *arguments], cwd=VAULT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60)
    return run.returncode, run.stderr


def read_d1(url, token, headers=None):
    """A gated read of D-1's e-mail address: its status, headers and body (an HTTP error too)."""
    request = urllib.request.Request(url + "/v1/subjects/D-1/read", data=b'{"purpose":"P-DEBT-COLLECT","fields":["email"]}',
                                     method="POST", headers={"Authorization": "Bearer " + token, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Settings(unittest.TestCase):
    def test_flags_override_the_environment_which_overrides_the_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as file:
            file.write("listen: 127.0.0.1:1\npublic-url: https://from-file.example\nlimits: {batch: 5}\n")
        env = {"CUSTOS_PUBLIC_URL": "https://from-environment.example"}
        with Server("--config", file.name, "--listen", "127.0.0.1:0", env=env) as server:
            with urllib.request.urlopen(server.url + "/.well-known/authzen-configuration", timeout=10) as response:
                self.assertEqual(json.load(response)["policy_decision_point"], "https://from-environment.example")
            read = {"action": "read", "subject": "D-1", "purpose": "P-DEBT-COLLECT", "fields": ["email"]}
            request = urllib.request.Request(server.url + "/v1/decisions/batch", data=json.dumps({"requests": [read] * 6}).encode(), method="POST",
                                             headers={"Authorization": "Bearer " + os.environ["COLLECTIONS_TOKEN"]})
            with self.assertRaises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(request, timeout=10)
            self.assertEqual(raised.exception.code, 400, "the file's batch limit holds where nothing overrides it")

    def test_an_unknown_key_names_its_file_line_and_column(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as file:
            file.write("listen: 127.0.0.1:0\nlimits:\n  body-bytes: 4096\n  bach: 5\n")
        status, stderr = refused("--config", file.name)
        self.assertEqual(status, 64)
        self.assertIn(f"{file.name}:4:3: unknown key 'bach' in limits", stderr)

    def test_bad_environment_values_are_refused_by_name(self):
        status, stderr = refused(env={"CUSTOS_MAX_BATCH": "5000"})
        self.assertEqual(status, 64)
        self.assertIn("CUSTOS_MAX_BATCH", stderr)

    def test_plain_http_off_loopback_needs_tls_or_the_explicit_opt_out(self):
        status, stderr = refused("--listen", "0.0.0.0:0")
        self.assertEqual(status, 64)
        self.assertIn("--tls-cert", stderr)
        status, stderr = refused("--listen", "127.0.0.1:0", "--tls-cert", "missing.pem", "--tls-key", "missing.key")
        self.assertEqual(status, 64)
        self.assertIn("missing.pem cannot be read", stderr)

    def test_tls(self):
        folder = tempfile.mkdtemp()
        cert, key = os.path.join(folder, "tls.pem"), os.path.join(folder, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        with Server("--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key) as server:
            self.assertTrue(server.url.startswith("https://"))
            context = ssl.create_default_context(cafile=cert)
            with urllib.request.urlopen(server.url + "/healthz", timeout=10, context=context) as response:
                self.assertEqual(response.status, 200)
            with self.assertRaises(Exception):
                urllib.request.urlopen(server.url.replace("https", "http") + "/healthz", timeout=5)


    def test_sites_people_reach_over_https_carry_hsts_and_secure_cookies(self):
        def headers(url, context=None):
            with urllib.request.urlopen(url, timeout=10, context=context) as response:
                return response.headers
        # Behind a TLS-terminating proxy: the centre's public URL says https.
        with Server("--listen", "127.0.0.1:0", "--listen-public", "127.0.0.1:0", env={"CUSTOS_PUBLIC_SITE_URL": "https://privacy.example"}) as server:
            page = headers(server.centre + "/privacy")
            self.assertEqual(page["Strict-Transport-Security"], "max-age=31536000")
            self.assertIn("; Secure", page["Set-Cookie"])
            console = headers(server.url + "/console/login")
            self.assertIsNone(console["Strict-Transport-Security"], "the console's own URL is plain http")
            self.assertNotIn("; Secure", console["Set-Cookie"] or "")
        # Served over TLS itself: both faces.
        folder = tempfile.mkdtemp()
        cert, key = os.path.join(folder, "tls.pem"), os.path.join(folder, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        context = ssl.create_default_context(cafile=cert)
        with Server("--listen", "127.0.0.1:0", "--listen-public", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key) as server:
            for url in (server.centre + "/privacy", server.url + "/console/login"):
                answer = headers(url, context)
                self.assertEqual(answer["Strict-Transport-Security"], "max-age=31536000", url)
                self.assertIn("; Secure", answer["Set-Cookie"], url)
        # Plain HTTP on loopback: neither (a browser ignores HSTS over http, and a Secure cookie
        # would never come back).
        with Server("--listen", "127.0.0.1:0", "--listen-public", "127.0.0.1:0") as server:
            page = headers(server.centre + "/privacy")
            self.assertIsNone(page["Strict-Transport-Security"])
            self.assertNotIn("; Secure", page["Set-Cookie"])


class Defences(unittest.TestCase):
    def test_a_slow_client_is_cut_off_at_the_request_deadline(self):
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_REQUEST_SECONDS": "2"}) as server:
            host, port = server.url[len("http://"):].split(":")
            connection = socket.create_connection((host, int(port)))
            connection.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\n")
            started, closed = time.time(), False
            try:
                # One header byte every half second keeps an idle timer alive, not the deadline.
                for _ in range(20):
                    time.sleep(0.5)
                    connection.sendall(b"X")
            except OSError:
                closed = True
            if not closed:
                connection.settimeout(5)
                closed = connection.recv(1) == b""
            connection.close()
            self.assertTrue(closed)
            self.assertLess(time.time() - started, 8)
            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
                self.assertEqual(response.status, 200, "the server goes on serving")

    def test_a_client_that_disconnects_mid_request_does_no_harm(self):
        with Server("--listen", "127.0.0.1:0") as server:
            host, port = server.url[len("http://"):].split(":")
            for _ in range(20):
                connection = socket.create_connection((host, int(port)))
                connection.sendall(b"POST /v1/subjects/D-1/read HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                   + os.environ["COLLECTIONS_TOKEN"].encode() + b"\r\nContent-Length: 100\r\n\r\n{\"purpose\":")
                connection.close()
            with urllib.request.urlopen(server.url + "/readyz", timeout=10) as response:
                self.assertEqual(response.status, 200)
        self.assertEqual(subprocess.run([CUSTOS, "audit", "verify"], cwd=VAULT, capture_output=True).returncode, 0)

    def test_one_deciding_thread_answers_reads_while_shares_commit(self):
        # Reads and logged decisions are decided on their own threads (`threads.deciding`);
        # shares, which hold a thread until their transaction commits, on others. With one
        # deciding thread, reads and shares sent together are all answered, and logged.
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_DECIDING_THREADS": "1"}) as server:
            def post(path, body):
                request = urllib.request.Request(server.url + path, data=json.dumps(body).encode(), method="POST",
                                                 headers={"Authorization": "Bearer " + os.environ["COLLECTIONS_TOKEN"]})
                with urllib.request.urlopen(request, timeout=30) as response:
                    return json.load(response)
            read = ("/v1/subjects/D-1/read", {"purpose": "P-DEBT-COLLECT", "fields": ["email"]})
            share = ("/v1/subjects/D-1/share", {"purpose": "P-DEBT-COLLECT", "fields": ["email"], "recipient": "R-CRM"})
            answers, errors = [], []
            def call(path, body):
                try:
                    answers.append(post(path, body))
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    errors.append(repr(error))
            threads = [threading.Thread(target=call, args=work) for work in [read, share] * 8]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            self.assertEqual(errors, [])
            self.assertEqual(sorted(answer["decision"]["action"] for answer in answers), ["read"] * 8 + ["share"] * 8)
            self.assertTrue(all(answer["decision"]["outcome"] == "permit" and answer["seq"] > 0 for answer in answers))
        self.assertEqual(subprocess.run([CUSTOS, "audit", "verify"], cwd=VAULT, capture_output=True).returncode, 0)

    def test_the_deciding_thread_count_reaches_the_server(self):
        # NIO names a thread pool's threads "TP-#n": the server's two pools are the only ones,
        # so asking for three deciding threads instead of one adds two of them.
        def pool_threads(count):
            with Server("--listen", "127.0.0.1:0", env={"CUSTOS_DECIDING_THREADS": str(count)}) as server:
                tasks = f"/proc/{server.process.pid}/task"

                def named():
                    total = 0
                    for task in os.listdir(tasks):
                        with open(f"{tasks}/{task}/comm") as comm:
                            total += comm.read().startswith("TP-#")
                    return total
                # A thread takes its name once it runs: count until two looks agree.
                seen, deadline = named(), time.time() + 5
                while time.time() < deadline:
                    time.sleep(0.2)
                    again = named()
                    if again == seen:
                        break
                    seen = again
                return seen
        self.assertEqual(pool_threads(3) - pool_threads(1), 2)

    def test_bad_thread_counts_are_refused_by_name(self):
        status, stderr = refused(env={"CUSTOS_DECIDING_THREADS": "0"})
        self.assertEqual(status, 64)
        self.assertIn("CUSTOS_DECIDING_THREADS: '0' is not a whole number from 1 to 256", stderr)

    def test_requests_are_limited_per_token(self):
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND": "5"}) as server:
            read = lambda token: read_d1(server.url, token)
            logged = lambda: json.loads(subprocess.run([CUSTOS, "audit", "verify", "-o", "json"], cwd=VAULT, capture_output=True, text=True).stdout)["log"]["entries"]
            before = logged()
            # Reads until the first refusal; however slow the machine, at most the burst and what
            # the rate refilled while they ran are admitted.
            started, answers = time.monotonic(), []
            while len(answers) < 200 and (not answers or answers[-1][0] != 429):
                answers.append(read(os.environ["COLLECTIONS_TOKEN"]))
            elapsed = time.monotonic() - started
            statuses = [status for status, _, _ in answers]
            # The example client, right after: refused too (or, on a machine slow enough to refill
            # one, after a read or two), with the time to wait.
            client, admitted = CustosClient(server.url, os.environ["COLLECTIONS_TOKEN"]), 0
            with self.assertRaises(CustosError) as refusal:
                while admitted < 200:
                    client.read("D-1", "P-DEBT-COLLECT", ["email"])
                    admitted += 1
            self.assertEqual((refusal.exception.status, refusal.exception.retry_after), (429, 1), "the example client says how long to wait")
            self.assertEqual(statuses[:5], [200] * 5, "a burst of one second's worth")
            self.assertEqual(statuses[-1], 429)
            self.assertLessEqual(statuses.count(200), 5 + 5 * elapsed + 1, "at most the burst and what the rate refilled while they ran")
            refused = next(answer for answer in answers if answer[0] == 429)
            self.assertEqual(refused[1]["Retry-After"], "1")
            problem = json.loads(refused[2])
            self.assertEqual(problem["type"].rsplit("/", 1)[-1], "too-many-requests")
            self.assertNotIn(b"d1@example.nl", refused[2])
            self.assertEqual(logged() - before, statuses.count(200) + admitted, "a refused request decides nothing and logs nothing")
            self.assertEqual(read(os.environ["MARKETING_TOKEN"])[0], 200, "another account has its own limit")
            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
                self.assertEqual(response.status, 200, "the probes are not counted")
            time.sleep(1.1)
            self.assertEqual(read(os.environ["COLLECTIONS_TOKEN"])[0], 200, "after Retry-After the account goes on")

    def test_an_account_goes_at_its_own_limit_which_a_change_moves_at_once(self):
        custos = lambda *arguments: subprocess.run([CUSTOS, *arguments], cwd=VAULT, capture_output=True, text=True, check=True).stdout
        token = custos("service", "add", "--actor", "collections-service", "--name", "own-limit", "--requests-per-second", "3").splitlines()[0]
        self.assertIn("3 requests/s", custos("service", "list"))
        try:
            # The server sets no limit; the account's own holds it to a burst of 3, then 3 a second.
            with Server("--listen", "127.0.0.1:0") as server:
                started, statuses = time.monotonic(), []
                while len(statuses) < 200 and (not statuses or statuses[-1] != 429):
                    statuses.append(read_d1(server.url, token)[0])
                elapsed = time.monotonic() - started
                self.assertEqual(statuses[:3], [200] * 3)
                self.assertEqual(statuses[-1], 429)
                self.assertLessEqual(statuses.count(200), 3 + 3 * elapsed + 1)
                with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
                    metrics = response.read().decode()
                self.assertIn('custos_rate_limited_total{account="own-limit"} 1', metrics, "the operator sees which account met its limit")
                self.assertEqual(read_d1(server.url, os.environ["COLLECTIONS_TOKEN"])[0], 200, "an account without a limit of its own has none here")
                # Cleared in another process: the running server applies it from the next request.
                custos("service", "limit", "own-limit", "--none")
                self.assertEqual([read_d1(server.url, token)[0] for _ in range(20)], [200] * 20)
            # A server-wide limit of 2 a second; raised to 50 for this account, its own wins.
            custos("service", "limit", "own-limit", "--requests-per-second", "50")
            with Server("--listen", "127.0.0.1:0", env={"CUSTOS_REQUESTS_PER_TOKEN_PER_SECOND": "2"}) as server:
                self.assertEqual([read_d1(server.url, token)[0] for _ in range(10)], [200] * 10)
        finally:
            custos("service", "revoke", "own-limit")

    def test_behind_a_trusted_proxy_limits_count_each_forwarded_client(self):
        def read(server, token, forwarded):
            return read_d1(server.url, token, {"X-Forwarded-For": forwarded})[0]
        good = os.environ["COLLECTIONS_TOKEN"]
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_FAILED_AUTH_PER_MINUTE": "3", "CUSTOS_TRUSTED_PROXIES": "127.0.0.1"}) as server:
            self.assertEqual([read(server, "wrong", "203.0.113.1") for _ in range(4)], [401, 401, 401, 429])
            self.assertEqual(read(server, good, "203.0.113.1"), 429, "the guessing client is held back")
            self.assertEqual(read(server, good, "203.0.113.2"), 200, "another client behind the same proxy is not")
            self.assertEqual(read(server, good, "203.0.113.1, 203.0.113.2"), 200, "only the hop the proxy appended is believed")
            self.assertEqual(read(server, "wrong", "203.0.113.2"), 401)
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_FAILED_AUTH_PER_MINUTE": "3"}) as server:
            self.assertEqual([read(server, "wrong", f"203.0.113.{n}") for n in range(1, 5)], [401, 401, 401, 429],
                             "with no trusted proxy the header is not believed: a guesser cannot pose as many clients")
        # A proxy that writes RFC 7239's Forwarded: that header is read, and X-Forwarded-For,
        # which such a proxy passes through as the client wrote it, is not.
        standard = {"CUSTOS_FAILED_AUTH_PER_MINUTE": "3", "CUSTOS_TRUSTED_PROXIES": "127.0.0.1", "CUSTOS_FORWARDED_HEADER": "forwarded"}
        with Server("--listen", "127.0.0.1:0", env=standard) as server:
            statuses = [read_d1(server.url, "wrong", {"Forwarded": 'for="[2001:db8::1]:4711";proto=https', "X-Forwarded-For": f"203.0.113.{n}"})[0]
                        for n in range(1, 5)]
            self.assertEqual(statuses, [401, 401, 401, 429], "one client, whatever X-Forwarded-For says")
            self.assertEqual(read_d1(server.url, good, {"Forwarded": "for=198.51.100.9"})[0], 200, "another client behind the same proxy")
            self.assertEqual(read_d1(server.url, good, {"Forwarded": "for=198.51.100.9, for=\"[2001:db8::1]\""})[0], 429,
                             "only the element the proxy appended is believed")

    def test_failed_authentications_are_limited_per_address(self):
        with Server("--listen", "127.0.0.1:0", env={"CUSTOS_FAILED_AUTH_PER_MINUTE": "3"}) as server:
            read = lambda token: read_d1(server.url, token)
            self.assertEqual(read(os.environ["COLLECTIONS_TOKEN"])[0], 200)
            self.assertEqual([read("wrong")[0] for _ in range(3)], [401, 401, 401])
            status, headers, _ = read("wrong")
            self.assertEqual(status, 429)
            self.assertGreater(int(headers["Retry-After"]), 0)
            self.assertEqual(read(os.environ["COLLECTIONS_TOKEN"])[0], 429, "a guessing address is held back, whatever token it sends next")
            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
                self.assertEqual(response.status, 200, "the probes stay open")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"settings: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
