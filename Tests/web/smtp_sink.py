"""A tiny SMTP server for the browser tests: accepts every message and appends it to a file,
so a test can see that the relay path of `custos serve` delivers what the outbox holds.
Standard library only (socketserver): prints its port on the first line of standard output."""
import socketserver
import sys

OUT = sys.argv[1]


class Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
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
                    with open(OUT, "a") as out:
                        out.write("\n".join(data) + "\n---\n")
                    data = []
                    self.reply("250 queued")
                else:
                    data.append(line)
                continue
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink")
                self.reply("250 8BITMIME")
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
