"""The SMTP relay the outbox and the privacy centre send through, against the test sink
(Tests/web/smtp_sink.py) in each of its modes: plain, STARTTLS and implicit TLS, with and
without an account. `custos outbox send --test` sends one fixed message, so each path is
checked without personal data; the settings file and environment name the same options.
Environment: CUSTOS, VAULT (from Tests/server/run.sh)."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

CUSTOS, VAULT = os.environ["CUSTOS"], os.environ["VAULT"]
SINK = os.path.join(os.path.dirname(__file__), "..", "web", "smtp_sink.py")


def certificate(folder, name, subject_alt_names):
    """A self-signed certificate and its key, for the sink to present."""
    cert, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + name, "-addext", "subjectAltName=" + subject_alt_names], check=True, capture_output=True)
    return cert, key


class Sink:
    """The test SMTP server with the given options, on a free loopback port."""

    def __init__(self, folder, *options):
        self.mail = os.path.join(folder, f"mail-{time.monotonic_ns()}.txt")
        self.process = subprocess.Popen([sys.executable, SINK, self.mail, *options], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.process.stdout.readline())

    def received(self):
        if not os.path.exists(self.mail):
            return ""
        with open(self.mail) as mail:
            return mail.read()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


def send(port, *options, host="127.0.0.1"):
    """`custos outbox send --test` through the relay: exit status and standard error."""
    run = subprocess.run([CUSTOS, "outbox", "send", "--smtp-relay", f"{host}:{port}", "--mail-from", "privacy@example.nl",
                          "--test", "officer@example.nl", *options], cwd=VAULT, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr


class Relay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp()
        cls.cert, cls.key = certificate(cls.folder, "relay", "IP:127.0.0.1,DNS:localhost")
        cls.other, cls.other_key = certificate(cls.folder, "other", "DNS:other.example")
        cls.password = os.path.join(cls.folder, "password")
        with open(cls.password, "w") as file:
            file.write("s3cret\n")
        cls.wrong = os.path.join(cls.folder, "wrong")
        with open(cls.wrong, "w") as file:
            file.write("guess\n")

    def test_starttls_with_an_account_delivers_and_every_fault_is_named(self):
        account = ["--smtp-user", "custos", "--smtp-password-file", self.password]
        with Sink(self.folder, "--starttls", self.cert, self.key, "--user", "custos", "--password", "s3cret") as sink:
            trusted = ["--smtp-tls", "starttls", "--smtp-ca-file", self.cert]
            self.assertEqual(send(sink.port, *trusted, *account), (0, ""))
            self.assertIn("RCPT TO:<officer@example.nl>", sink.received())
            self.assertEqual(send(sink.port, *trusted, *account, host="localhost")[0], 0, "the certificate names localhost too")
            # A relay whose certificate is not trusted gets nothing, not even the login.
            status, error = send(sink.port, "--smtp-tls", "starttls", *account)
            self.assertEqual(status, 1)
            self.assertIn("certificate is not trusted", error)
            status, error = send(sink.port, *trusted, "--smtp-user", "custos", "--smtp-password-file", self.wrong)
            self.assertEqual((status, error.strip()), (1, "custos: error: the SMTP relay refused the login with code 535"))
            self.assertNotIn("guess", error)
            self.assertIn("code 530", send(sink.port, *trusted)[1], "no account where the relay asks for one")
            self.assertEqual(sink.received().count("RCPT TO"), 2, "only the two that passed every check were sent")

    def test_a_reply_slipped_in_before_tls_begins_ends_the_conversation(self):
        with Sink(self.folder, "--starttls", self.cert, self.key, "--inject") as sink:
            status, error = send(sink.port, "--smtp-tls", "starttls", "--smtp-ca-file", self.cert)
            self.assertEqual((status, error.strip()), (1, "custos: error: the SMTP relay sent more in the clear after agreeing to STARTTLS"))
            self.assertEqual(sink.received(), "")

    def test_tls_from_the_first_byte_checks_the_certificates_name(self):
        with Sink(self.folder, "--tls", self.cert, self.key) as sink:
            self.assertEqual(send(sink.port, "--smtp-tls", "tls", "--smtp-ca-file", self.cert), (0, ""))
            self.assertIn("RCPT TO", sink.received())
        with Sink(self.folder, "--tls", self.other, self.other_key) as sink:
            status, error = send(sink.port, "--smtp-tls", "tls", "--smtp-ca-file", self.other)
            self.assertEqual(status, 1)
            self.assertIn("does not name the relay's host", error, "trusted, but issued to other.example")
            self.assertEqual(sink.received(), "")

    def test_a_relay_that_does_not_offer_starttls_is_never_used_in_the_clear(self):
        with Sink(self.folder) as sink:
            status, error = send(sink.port, "--smtp-tls", "starttls", "--smtp-ca-file", self.cert)
            self.assertEqual((status, error.strip()), (1, "custos: error: the SMTP relay does not offer STARTTLS"))
            self.assertEqual(sink.received(), "")
            self.assertEqual(send(sink.port), (0, ""), "plain SMTP when that is what was asked for")
            status, error = send(sink.port, "--smtp-user", "custos", "--smtp-password-file", self.password)
            self.assertEqual(status, 64, "a password is never sent without TLS")
            self.assertIn("sent only over TLS", error)
            status, error = send(sink.port, "--smtp-tls", "ssl")
            self.assertEqual(status, 64)
            self.assertIn("--smtp-tls is one of none, starttls, tls", error)

    def test_the_settings_file_and_environment_name_the_same_options(self):
        settings = os.path.join(self.folder, "serve.yaml")
        with open(settings, "w") as file:
            file.write("mail: {relay: 127.0.0.1:25, from: privacy@example.nl, tls: startls}\n")
        run = subprocess.run([CUSTOS, "serve", "--config", settings, "--listen", "127.0.0.1:0"], cwd=VAULT, capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 64)
        self.assertIn(f"{settings}:1:60: mail.tls must be one of none, starttls, tls", run.stderr)
        environment = dict(os.environ, CUSTOS_SMTP_RELAY="127.0.0.1:25", CUSTOS_MAIL_FROM="privacy@example.nl", CUSTOS_SMTP_USER="custos",
                           CUSTOS_SMTP_PASSWORD_FILE=self.password)
        run = subprocess.run([CUSTOS, "serve", "--listen", "127.0.0.1:0"], cwd=VAULT, capture_output=True, text=True, env=environment, timeout=30)
        self.assertEqual(run.returncode, 64)
        self.assertIn("password is sent only over TLS", run.stderr)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"mail: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
