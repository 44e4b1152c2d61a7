"""A tiny SMTP server for the tests: accepts every message and appends it to a file, so a test
can see that the relay path of `custos serve` delivers what the outbox holds. Standard library
only (socketserver, ssl): prints its port on the first line of standard output.

    smtp_sink.py OUT                                   plain SMTP
    smtp_sink.py OUT --starttls CERT KEY               STARTTLS offered (RFC 3207)
    smtp_sink.py OUT --tls CERT KEY                    TLS from the first byte (RFC 8314)
    ... --user NAME --password SECRET                  AUTH PLAIN required, and offered only over TLS
    ... --inject                                       a reply in the clear right after STARTTLS's 220,
                                                       as a man in the middle would (CVE-2011-0411)
"""
import argparse
import base64
import socketserver
import ssl

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--inject", action="store_true")
ARGS = parser.parse_args()


def context(pair):
    made = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    made.load_cert_chain(*pair)
    return made


class Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def secure(self, pair):
        self.connection = context(pair).wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")

    def handle(self):
        encrypted, logged_in = False, ARGS.user is None
        if ARGS.tls:
            try:
                self.secure(ARGS.tls)
            except (ssl.SSLError, OSError):
                return
            encrypted = True
        self.reply("220 sink ESMTP")
        data, in_data = [], False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    with open(ARGS.out, "a") as out:
                        out.write("\n".join(data) + "\n---\n")
                    data = []
                    self.reply("250 queued")
                else:
                    data.append(line)
                continue
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink")
                if ARGS.starttls and not encrypted:
                    self.reply("250-STARTTLS")
                if ARGS.user and encrypted:
                    self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "STARTTLS" and ARGS.starttls and not encrypted:
                self.reply("220 go ahead\r\n250 injected" if ARGS.inject else "220 go ahead")
                try:
                    self.secure(ARGS.starttls)
                except (ssl.SSLError, OSError):
                    return
                encrypted = True
            elif verb == "AUTH" and ARGS.user and encrypted:
                parts = line.split(" ")
                given = base64.b64decode(parts[2]) if len(parts) == 3 and parts[1].upper() == "PLAIN" else b""
                if given == b"\0" + ARGS.user.encode() + b"\0" + ARGS.password.encode():
                    logged_in = True
                    self.reply("235 accepted")
                else:
                    self.reply("535 authentication failed")
            elif verb in ("MAIL", "RCPT") and not logged_in:
                self.reply("530 authentication required")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                data.append(line) if verb == "RCPT" else None
                self.reply("250 ok")
            elif verb == "DATA":
                in_data = True
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(("127.0.0.1", 0), Session) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
