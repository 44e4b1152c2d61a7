#!/usr/bin/env python3
"""Load on several `custos serve` processes over one PostgreSQL vault (Tests/postgres/serve.sh).

Each server gets THREADS threads for SECONDS; each thread reads two fields of a random subject
and, every fourth call, shares a name with the foreign lawyer (an Art. 49(1)(e) transfer: the
policy allows three procedures a year) for a procedure of its own. Every answered decision is
written the moment it arrives to OUT/serve.N as `ACK seq outcome action procedure`, so a server
killed mid-run leaves the list of what it answered. A request that gets no answer (the server
is gone) is not an answer and is not written. Standard library only."""
import http.client, json, os, random, sys, threading, time

ports, token, seconds, subjects, threads, out = sys.argv[1].split(","), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
deadline = time.monotonic() + seconds
errors = {"status": 0, "connection": 0}
lock = threading.Lock()


def worker(index, port, handle, thread):
    n = 0
    connection = None
    while time.monotonic() < deadline:
        n += 1
        subject = f"D-{random.randrange(subjects)}"
        share = n % 4 == 0
        procedure = f"S{index}-{thread}-{n}" if share else "-"
        if share:
            path, body = f"/v1/subjects/{subject}/share", {"purpose": "P-DEBT-COLLECT", "fields": ["person_name"], "recipient": "R-FOREIGN-LAWYER",
                                                          "recipient-name": "Avukatlık Bürosu Demir", "destination": "TR", "procedure": procedure}
        else:
            path, body = f"/v1/subjects/{subject}/read", {"purpose": "P-DEBT-COLLECT", "fields": ["email", "person_name"]}
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
            connection.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            with lock:
                errors["connection"] += 1
            connection = None
            time.sleep(0.05)
            continue
        if response.status != 200:
            with lock:
                errors["status"] += 1
            continue
        answer = json.loads(data)
        if answer.get("seq") is None:
            continue
        # One write(2) per line, unbuffered: the file holds every answer received.
        os.write(handle, f"ACK {answer['seq']} {answer['decision']['outcome']} {'share' if share else 'read'} {procedure}\n".encode())


pool = []
for index, port in enumerate(ports, start=1):
    handle = os.open(f"{out}/serve.{index}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for thread in range(threads):
        pool.append(threading.Thread(target=worker, args=(index, port, handle, thread)))
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
print(f"serve load: {errors['connection']} requests without an answer (a server gone), {errors['status']} answered with an error status")
