"""A small client for `custos serve`, standard library only.

    client = CustosClient("http://127.0.0.1:8700", token)
    answer = client.read("D-1001", "P-DEBT-COLLECT", ["email"])
    if answer.permitted:
        send(answer.values["email"])
    else:
        print("denied:", answer.codes)

A deny is an answer, not an exception: `Answer.permitted` is False and `Answer.codes` says
why. Errors of the call itself (a bad token, a malformed body) raise `CustosError` with the
RFC 9457 problem the server sent; a 429 (over the service account's requests a second) or a
503 (the vault cannot be reached) did nothing, and `CustosError.retry_after` says how many
seconds to wait before the same call again.
"""
import json
import urllib.error
import urllib.request


class CustosError(Exception):
    """The server refused the call: `status`, the problem's `type`, `title` and `detail`, and
    `retry_after` (seconds, from the Retry-After header of a 429 or 503; else None)."""

    def __init__(self, status, problem, retry_after=None):
        self.status = status
        self.problem = problem
        self.retry_after = retry_after
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


class Answer:
    """A decision with its log sequence number and, for reads and shares, the released values."""

    def __init__(self, body):
        self.decision = body["decision"]
        self.seq = body.get("seq")
        self.values = body.get("values", {})

    @property
    def outcome(self):
        return self.decision["outcome"]

    @property
    def permitted(self):
        return self.outcome != "deny"

    @property
    def codes(self):
        return [reason["code"] for reason in self.decision["reasons"]]


def _error(error):
    retry_after = error.headers.get("Retry-After")
    return CustosError(error.code, json.load(error), int(retry_after) if retry_after and retry_after.isdigit() else None)


class CustosClient:
    def __init__(self, base_url, token, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _post(self, path, body):
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise _error(error) from None

    def _get(self, path):
        request = urllib.request.Request(self.base_url + path, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise _error(error) from None

    def read(self, subject, purpose, fields):
        return Answer(self._post(f"/v1/subjects/{subject}/read", {"purpose": purpose, "fields": fields}))

    def share(self, subject, purpose, fields, recipient, destination=None, procedure=None):
        body = {"purpose": purpose, "fields": fields, "recipient": recipient}
        if destination:
            body["destination"] = destination
        if procedure:
            body["procedure"] = procedure
        return Answer(self._post(f"/v1/subjects/{subject}/share", body))

    def store(self, subject, purpose, values, source=None, collected_at=None):
        """Stores or updates fields; returns (answer, stored fields). Values are never echoed."""
        body = {"purpose": purpose, "values": values}
        if source:
            body["source"] = source
        if collected_at:
            body["collected-at"] = collected_at
        answer = self._post(f"/v1/subjects/{subject}/fields", body)
        return Answer(answer), answer["stored"]

    def lookup(self, kind, value, purpose):
        """Subject ids whose e-mail, phone or IBAN matches and that the caller may read."""
        return [match["subject"] for match in self._post("/v1/subjects/lookup", {"kind": kind, "value": value, "purpose": purpose})["matches"]]

    def open_request(self, subject, type, channel, received_at=None):
        """A rights request; returns its status (id, deadline `due-on`, stage)."""
        body = {"subject": subject, "type": type, "channel": channel}
        if received_at:
            body["received-at"] = received_at
        return self._post("/v1/requests", body)

    def request_status(self, request_id):
        return self._get(f"/v1/requests/{request_id}")

    def consents(self, subject):
        return self._get(f"/v1/subjects/{subject}/consents")

    def decide(self, request):
        return Answer(self._post("/v1/decisions", request))

    def give_consent(self, subject, purposes, method, channel, **extra):
        return self._post(f"/v1/subjects/{subject}/consents", {"purposes": purposes, "method": method, "channel": channel, **extra})

    def withdraw_consent(self, subject, purposes, channel):
        return self._post(f"/v1/subjects/{subject}/consents/withdrawal", {"purposes": purposes, "channel": channel})

    def evaluation(self, subject_id, resource_id, fields, action, purpose, **context):
        """AuthZEN: one evaluation; returns (decision, context)."""
        body = {"subject": {"type": "service", "id": subject_id},
                "resource": {"type": "data-subject", "id": resource_id, "properties": {"fields": fields}},
                "action": {"name": action}, "context": {"purpose": purpose, **context}}
        answer = self._post("/access/v1/evaluation", body)
        return answer["decision"], answer.get("context", {})
