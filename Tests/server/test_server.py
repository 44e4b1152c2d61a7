"""`custos serve` against a live server on a loopback port (Tests/server/run.sh starts it).

Environment: CUSTOS_URL, the tokens COLLECTIONS_TOKEN, MARKETING_TOKEN, NEWSLETTER_TOKEN,
REVOKED_TOKEN, the vault's folder VAULT and the binary CUSTOS."""
import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python"))
from custos_client import CustosClient, CustosError  # noqa: E402

URL = os.environ["CUSTOS_URL"]


def call(method, path, body=None, token=None, raw=None, headers=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(URL + path, data=data, method=method, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def logged():
    """How many decisions the vault's log holds, on either backend (the chain verified first)."""
    verified = custos("audit", "verify", "-o", "json")
    assert verified.returncode == 0, verified.stderr
    return json.loads(verified.stdout)["log"]["entries"]


def custos(*arguments):
    return subprocess.run([os.environ["CUSTOS"], *arguments], cwd=os.environ["VAULT"], capture_output=True, text=True)


class Operations(unittest.TestCase):
    def test_health_readiness_and_the_contract_are_public(self):
        self.assertEqual(call("GET", "/healthz")[0], 200)
        status, _, body = call("GET", "/readyz")
        self.assertEqual((status, json.loads(body)["status"]), (200, "ready"))
        status, headers, body = call("GET", "/openapi.yaml")
        self.assertEqual(status, 200)
        self.assertIn(b"openapi: 3.1.0", body)
        status, _, body = call("GET", "/.well-known/authzen-configuration")
        metadata = json.loads(body)
        self.assertEqual(metadata["access_evaluation_endpoint"], metadata["policy_decision_point"] + "/access/v1/evaluation")

    def test_metrics_count_decisions_and_requests_in_prometheus_text(self):
        CustosClient(URL, os.environ["COLLECTIONS_TOKEN"]).read("D-1", "P-DEBT-COLLECT", ["email"])
        CustosClient(URL, os.environ["COLLECTIONS_TOKEN"]).read("D-1", "P-NO-SUCH-PURPOSE", ["email"])
        status, headers, body = call("GET", "/metrics")
        text = body.decode()
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertRegex(text, r'custos_decisions_total\{[^}]*outcome="permit"[^}]*purpose="P-DEBT-COLLECT"[^}]*\} [1-9]')
        self.assertIn('purpose="undeclared"', text, "an undeclared purpose is not a label value of its own")
        self.assertNotIn("P-NO-SUCH-PURPOSE", text)
        self.assertRegex(text, r'custos_decision_reasons_total\{code="UNKNOWN_ID"\} [1-9]')
        self.assertRegex(text, r'custos_http_request_duration_seconds_bucket\{route="/v1/subjects/:subject/read"')
        # The log's own latency and group commits, on either backend.
        self.assertRegex(text, r'custos_log_append_duration_seconds_count [1-9]')
        self.assertRegex(text, r'custos_log_group_size_count [1-9]')
        self.assertNotIn("D-1", text)

    def test_an_unknown_route_is_a_problem(self):
        status, headers, body = call("GET", "/v1/nothing")
        self.assertEqual(status, 404)
        self.assertEqual(headers["Content-Type"], "application/problem+json")
        self.assertEqual(json.loads(body)["type"].rsplit("/", 1)[-1], "not-found")


class Logs(unittest.TestCase):
    def test_request_ids_and_traceparent_are_echoed_and_logs_hold_no_personal_value(self):
        trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        status, headers, body = call("POST", "/v1/subjects/D-1/read", {"purpose": "P-DEBT-COLLECT", "fields": ["email"]},
                                     token=os.environ["COLLECTIONS_TOKEN"], headers={"traceparent": trace, "X-Request-ID": "req-42"})
        self.assertEqual((status, headers["X-Request-ID"], headers["traceparent"]), (200, "req-42", trace))
        self.assertIn(b"d1@example.nl", body)
        self.assertIsNone(call("GET", "/healthz", headers={"traceparent": "not-a-trace"})[1]["traceparent"], "an invalid traceparent is not echoed")
        with open(os.path.join(os.environ["VAULT"], "serve.log")) as log:
            text = log.read()
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        mine = [line for line in lines if line.get("request-id") == "req-42"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["route"], mine[0]["status"], mine[0]["trace-id"]), ("/v1/subjects/:subject/read", "200", trace.split("-")[1]))
        for secret in ("d1@example.nl", "PR-1@example.nl", os.environ["COLLECTIONS_TOKEN"], "/v1/subjects/D-1/"):
            self.assertNotIn(secret, text)


class Authentication(unittest.TestCase):
    def test_missing_malformed_unknown_and_revoked_tokens_are_the_same_401(self):
        read = {"purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        answers = [call("POST", "/v1/subjects/D-1/read", read, token=token) for token in
                   (None, "not a token", "cst_" + "A" * 43, os.environ["REVOKED_TOKEN"])]
        bodies = {body for _, _, body in answers}
        self.assertEqual({status for status, _, _ in answers}, {401})
        self.assertEqual(len(bodies), 1, "no hint of which part was wrong")
        self.assertEqual(answers[0][1]["WWW-Authenticate"], 'Bearer realm="custos"')

    def test_the_schemes_name_is_case_insensitive(self):
        read = {"purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        token = os.environ["COLLECTIONS_TOKEN"]
        for header in (f"bearer {token}", f"BEARER  {token}"):
            self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, headers={"Authorization": header})[0], 200, header)
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, headers={"Authorization": f"Basic {token}"})[0], 401)

    def test_revocation_takes_effect_on_the_next_request(self):
        added = custos("service", "add", "--actor", "collections-service", "--name", "short-lived", "-o", "json")
        token = json.loads(added.stdout)["token"]
        read = {"purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        # Twice: the second answer comes from the server's token cache, which the revocation,
        # committed by another process, must empty before the next request.
        for _ in range(2):
            self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=token)[0], 200)
        self.assertEqual(custos("service", "revoke", "short-lived").returncode, 0)
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=token)[0], 401)

    def test_a_rotated_token_works_through_its_overlap_and_a_second_rotation_ends_it(self):
        added = custos("service", "add", "--actor", "collections-service", "--name", "rotating", "-o", "json")
        first = json.loads(added.stdout)["token"]
        read = {"purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=first)[0], 200)  # now kept by the server
        rotated = custos("service", "rotate", "rotating", "--keep-old-for", "1h", "-o", "json")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        second = json.loads(rotated.stdout)["token"]
        self.assertIsNotNone(json.loads(rotated.stdout)["old-token-until"])
        for token in (first, second, first):
            self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=token)[0], 200, "both work in the overlap")
        listed = json.loads(custos("service", "list", "-o", "json").stdout)["accounts"]
        self.assertIsNotNone(next(a for a in listed if a["name"] == "rotating")["old-token-until"])
        # The operator sees the old token still in use, by account, then ends it early.
        metrics = call("GET", "/metrics")[2].decode()
        self.assertIn('custos_replaced_token_requests_total{account="rotating"} 2', metrics)
        self.assertEqual(custos("service", "end-old-token", "rotating").returncode, 0)
        self.assertEqual([call("POST", "/v1/subjects/D-1/read", read, token=token)[0] for token in (first, second)], [401, 200])
        self.assertNotEqual(custos("service", "end-old-token", "rotating").returncode, 0, "no old token left to end")
        rotated = custos("service", "rotate", "rotating", "--keep-old-for", "1h", "-o", "json")
        first, second = second, json.loads(rotated.stdout)["token"]
        rotated = custos("service", "rotate", "rotating", "--keep-old-for", "0h", "-o", "json")
        third = json.loads(rotated.stdout)["token"]
        self.assertIsNone(json.loads(rotated.stdout)["old-token-until"])
        self.assertEqual([call("POST", "/v1/subjects/D-1/read", read, token=token)[0] for token in (first, second, third)], [401, 401, 200])
        self.assertEqual(custos("service", "revoke", "rotating").returncode, 0)
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=third)[0], 401)

    def test_the_token_decides_the_actor(self):
        marketing = CustosClient(URL, os.environ["MARKETING_TOKEN"])
        answer = marketing.read("D-1", "P-DEBT-COLLECT", ["email", "bank_account"])
        self.assertEqual(answer.outcome, "deny")
        self.assertIn("ACTOR_NOT_AUTHORISED", answer.codes)
        self.assertEqual(answer.values, {})
        self.assertIsNotNone(answer.seq, "the refusal is logged like every decision")
        status, _, body = call("POST", "/v1/decisions", {"actor": "collections-service", "action": "read", "subject": "D-1",
                                                          "purpose": "P-DEBT-COLLECT", "fields": ["email"]},
                               token=os.environ["MARKETING_TOKEN"])
        self.assertEqual(status, 403, "a body cannot name another actor")
        self.assertNotIn(b"d1@example.nl", body)


class BadInput(unittest.TestCase):
    token = os.environ.get("COLLECTIONS_TOKEN")

    def problem(self, path, raw, status):
        code, headers, body = call("POST", path, raw=raw, token=self.token, headers={"Content-Type": "application/json"})
        self.assertEqual(code, status, body)
        self.assertEqual(headers["Content-Type"], "application/problem+json")
        problem = json.loads(body)
        self.assertNotIn("d1@example.nl", problem["detail"])
        return problem

    def test_malformed_unknown_repeated_deep_oversized_and_non_utf8_bodies(self):
        self.problem("/v1/subjects/D-1/read", b"{not json", 400)
        unknown = self.problem("/v1/subjects/D-1/read", b'{"purpose": "P-DEBT-COLLECT", "feilds": ["email"]}', 400)
        self.assertIn("did you mean 'fields'", unknown["detail"])
        self.assertIn("appears twice", self.problem("/v1/decisions", b'{"action": "read", "action": "share", "purpose": "P"}', 400)["detail"])
        self.assertIn("deeper than 32", self.problem("/v1/decisions/hypothetical", b'{"request": ' + b"[" * 40 + b"]" * 40 + b"}", 400)["detail"])
        self.problem("/v1/subjects/D-1/read", b'{"purpose": "\xff\xfe", "fields": ["email"]}', 400)
        self.problem("/v1/subjects/D-1/read", b'{"purpose": "' + b"x" * (1 << 20) + b'"}', 413)

    def test_members_of_the_wrong_type_are_400_never_a_crash(self):
        self.problem("/v1/decisions/hypothetical", b'{"request": "x", "facts": {}}', 400)
        self.problem("/v1/decisions/hypothetical", b'{"request": {"action": "read", "purpose": "P"}, "facts": 7}', 400)
        self.problem("/v1/subjects/D-1/share", b'{"purpose": "P-DEBT-COLLECT", "fields": ["email"], "recipient": "R-CRM", "procedure": 5}', 400)
        self.problem("/v1/subjects/PR-1/consents", b'{"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "x", "age-at-consent": true}', 400)
        self.assertEqual(call("GET", "/healthz")[0], 200, "the server is still there")

    def test_a_known_path_with_another_method_is_405(self):
        status, headers, _ = call("TRACE", "/v1/decisions")
        self.assertEqual((status, headers["Allow"]), (405, "POST"))

    def test_an_unknown_field_is_a_deny_with_a_did_you_mean(self):
        answer = CustosClient(URL, self.token).read("D-1", "P-DEBT-COLLECT", ["emial"])
        self.assertEqual(answer.outcome, "deny")
        unknown = [reason for reason in answer.decision["reasons"] if reason["code"] == "UNKNOWN_ID"]
        self.assertIn("did you mean 'email'", unknown[0]["explanation"])

    def test_an_id_named_twice_in_a_list_is_refused_at_its_path(self):
        before = logged()
        for path, body, where in (("/v1/subjects/D-1/read", {"purpose": "P-DEBT-COLLECT", "fields": ["email", "email"]}, "$.fields[1]"),
                                  ("/v1/subjects/D-1/consents", {"purposes": ["P-NEWSLETTER-EMAIL", "P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked",
                                                                 "channel": "web-form"}, "$.purposes[1]")):
            status, _, answer = call("POST", path, body, token=self.token)
            self.assertEqual(status, 400, path)
            self.assertIn(where, json.loads(answer)["detail"])
        self.assertEqual(logged(), before, "nothing was decided or logged")


class Batches(unittest.TestCase):
    def test_a_batch_answers_each_item_in_order_and_an_unreadable_item_fails_the_whole_call(self):
        token = os.environ["COLLECTIONS_TOKEN"]
        read = {"action": "read", "subject": "D-1", "purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        status, _, body = call("POST", "/v1/decisions/batch", {"requests": [read, dict(read, purpose="P-CLIENT-MKT")]}, token=token)
        results = json.loads(body)["results"]
        self.assertEqual(status, 200)
        self.assertEqual([result["decision"]["outcome"] for result in results], ["permit", "deny"])
        self.assertTrue(all(isinstance(result["seq"], int) for result in results), "each decision is logged")
        self.assertEqual(len({result["seq"] for result in results}), 2)
        before = logged()
        status, _, body = call("POST", "/v1/decisions/batch", {"requests": [read, dict(read, feilds=["x"])]}, token=token)
        problem = json.loads(body)
        self.assertEqual(status, 400)
        self.assertIn("$.requests[1]", problem["detail"])
        self.assertIn("did you mean 'fields'", problem["detail"])
        self.assertEqual(logged(), before, "nothing of a refused batch is decided")
        facts = {"subject": {"id": "D-9", "category": "debtor"}, "events": [{"event": "file-opened", "date": "2025-01-10"}]}
        status, _, body = call("POST", "/v1/decisions/hypothetical/batch", {"items": [{"request": dict(read, subject="D-9"), "facts": facts, "at": "2025-06-02T09:00:00+02:00"}]}, token=token)
        hypothetical = json.loads(body)["results"][0]
        self.assertEqual((hypothetical["decision"]["outcome"], hypothetical["seq"]), ("permit", None))
        too_many = call("POST", "/v1/decisions/batch", {"requests": [read] * 1001}, token=token)
        self.assertEqual(too_many[0], 400)

    def test_many_logged_decisions_in_one_batch_each_get_their_own_sequence_number(self):
        read = {"action": "read", "subject": "D-1", "purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        status, _, body = call("POST", "/v1/decisions/batch", {"requests": [read] * 200}, token=os.environ["COLLECTIONS_TOKEN"])
        seqs = [result["seq"] for result in json.loads(body)["results"]]
        self.assertEqual((status, len(seqs), len(set(seqs))), (200, 200, 200))
        self.assertEqual(custos("audit", "verify").returncode, 0)


class Consent(unittest.TestCase):
    def test_a_withdrawal_through_the_api_denies_the_next_read_through_the_api_and_the_library(self):
        client = CustosClient(URL, os.environ["NEWSLETTER_TOKEN"])
        self.assertTrue(client.read("PR-1", "P-NEWSLETTER-EMAIL", ["email"]).permitted)
        client.withdraw_consent("PR-1", ["P-NEWSLETTER-EMAIL"], channel="web-form")
        answer = client.read("PR-1", "P-NEWSLETTER-EMAIL", ["email"])
        self.assertIn("CONSENT_WITHDRAWN", answer.codes)
        cli = custos("read", "--subject", "PR-1", "--purpose", "P-NEWSLETTER-EMAIL", "--fields", "email", "--actor", "newsletter")
        self.assertEqual(cli.returncode, 2)
        self.assertIn("CONSENT_WITHDRAWN", cli.stdout)
        with self.assertRaises(CustosError) as raised:
            client.withdraw_consent("PR-1", ["P-NEWSLETER-EMAIL"], channel="web-form")
        self.assertEqual(raised.exception.status, 404)
        self.assertIn("did you mean 'P-NEWSLETTER-EMAIL'", raised.exception.problem["detail"])


class AuthZEN(unittest.TestCase):
    token = os.environ.get("COLLECTIONS_TOKEN")

    def evaluation(self, fields, purpose, action="read", **context):
        return {"subject": {"type": "service", "id": "collections-service"},
                "resource": {"type": "data-subject", "id": "D-1", "properties": {"fields": fields}},
                "action": {"name": action}, "context": {"purpose": purpose, **context}}

    def test_permit_deny_and_partial(self):
        status, _, body = call("POST", "/access/v1/evaluation", self.evaluation(["email"], "P-DEBT-COLLECT"), token=self.token)
        answer = json.loads(body)
        self.assertEqual((status, answer["decision"], answer["context"]["outcome"]), (200, True, "permit"))
        denied = json.loads(call("POST", "/access/v1/evaluation", self.evaluation(["email"], "P-CLIENT-MKT"), token=self.token)[2])
        self.assertFalse(denied["decision"])
        self.assertIn("PURPOSE_NOT_DECLARED", [reason["code"] for reason in denied["context"]["reasons"]])
        partial = json.loads(call("POST", "/access/v1/evaluation", self.evaluation(["email", "health_note"], "P-DEBT-COLLECT"), token=self.token)[2])
        self.assertEqual((partial["decision"], partial["context"]["outcome"]), (False, "partial"), "a gateway reading the boolean releases nothing withheld")
        self.assertEqual(partial["context"]["permitted_fields"], ["email"])
        accepted = json.loads(call("POST", "/access/v1/evaluation", self.evaluation(["email", "health_note"], "P-DEBT-COLLECT", accept_partial=True), token=self.token)[2])
        self.assertTrue(accepted["decision"])

    def test_another_subject_than_the_token_is_refused(self):
        body = self.evaluation(["email"], "P-DEBT-COLLECT")
        body["subject"]["id"] = "marketing-service"
        self.assertEqual(call("POST", "/access/v1/evaluation", body, token=self.token)[0], 403)

    def test_evaluations_and_their_semantics(self):
        permit, deny = {"context": {"purpose": "P-DEBT-COLLECT"}}, {"context": {"purpose": "P-CLIENT-MKT"}}
        base = self.evaluation(["email"], "P-DEBT-COLLECT")
        def run(items, semantic=None):
            body = dict(base, evaluations=items)
            if semantic:
                body["options"] = {"evaluations_semantic": semantic}
            return [item["decision"] for item in json.loads(call("POST", "/access/v1/evaluations", body, token=self.token)[2])["evaluations"]]
        self.assertEqual(run([permit, deny, permit]), [True, False, True])
        self.assertEqual(run([permit, deny, permit], "deny_on_first_deny"), [True, False])
        self.assertEqual(run([deny, permit, deny], "permit_on_first_permit"), [False, True])
        malformed = call("POST", "/access/v1/evaluations", dict(base, evaluations=[{"action": {"name": "peek"}}]), token=self.token)
        self.assertEqual(malformed[0], 400, "a malformed item fails the call")
        self.assertIn("$.evaluations[0].action.name", json.loads(malformed[2])["detail"])
        without_resource = {key: value for key, value in base.items() if key != "resource"}
        body = dict(without_resource, evaluations=[{"resource": base["resource"]}, {}])
        answers = json.loads(call("POST", "/access/v1/evaluations", body, token=self.token)[2])["evaluations"]
        self.assertEqual([answer["decision"] for answer in answers], [True, False])
        self.assertEqual(answers[1]["context"]["error"]["status"], 400, "an item that cannot be evaluated is a deny with its error")

    def test_execute_all_decides_every_item_in_order_and_a_short_circuit_logs_nothing_after_it(self):
        permit, deny = {"context": {"purpose": "P-DEBT-COLLECT"}}, {"context": {"purpose": "P-CLIENT-MKT"}}
        base = self.evaluation(["email"], "P-DEBT-COLLECT")
        items = [permit, deny] * 100
        answers = json.loads(call("POST", "/access/v1/evaluations", dict(base, evaluations=items), token=self.token)[2])["evaluations"]
        self.assertEqual([answer["decision"] for answer in answers], [True, False] * 100)
        self.assertEqual(len({answer["context"]["seq"] for answer in answers}), 200, "each item is its own logged decision")
        before = logged()
        body = dict(base, evaluations=[permit, deny, permit, permit], options={"evaluations_semantic": "deny_on_first_deny"})
        answers = json.loads(call("POST", "/access/v1/evaluations", body, token=self.token)[2])["evaluations"]
        self.assertEqual(len(answers), 2)
        self.assertEqual(logged(), before + 2, "nothing past the deciding item is decided")

    def test_members_of_the_wrong_type_are_400_not_defaults(self):
        for context in ({"purpose": "P-DEBT-COLLECT", "accept_partial": "yes"}, {"purpose": "P-DEBT-COLLECT", "recipient": 7}, {"purpose": 1}):
            body = dict(self.evaluation(["email"], "P-DEBT-COLLECT"), context=context)
            self.assertEqual(call("POST", "/access/v1/evaluation", body, token=self.token)[0], 400, context)
        body = dict(self.evaluation(["email"], "P-DEBT-COLLECT"), options={"evaluations_semantic": 3})
        self.assertEqual(call("POST", "/access/v1/evaluations", body, token=self.token)[0], 400)


class Vault(unittest.TestCase):
    token = os.environ.get("COLLECTIONS_TOKEN")

    def test_store_writes_only_permitted_fields_with_their_logged_decision(self):
        status, _, body = call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": "d1-new@example.nl", "health_note": "flu"},
                                                                     "source": "creditor:ACME", "collected-at": "2026-01-05T10:00:00+01:00"}, token=self.token)
        answer = json.loads(body)
        self.assertEqual((status, answer["decision"]["outcome"], answer["stored"], answer["replaced"]), (200, "partial", ["email"], ["email"]))
        self.assertIsInstance(answer["seq"], int)
        self.assertNotIn("d1-new", body.decode(), "a stored value is never echoed")
        values = CustosClient(URL, self.token).read("D-1", "P-DEBT-COLLECT", ["email", "health_note"]).values
        self.assertEqual(values, {"email": "d1-new@example.nl"})
        denied = json.loads(call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": "x@example.nl"}},
                                 token=os.environ["MARKETING_TOKEN"])[2])
        self.assertEqual((denied["decision"]["outcome"], denied["stored"]), ("deny", []))
        self.assertEqual(CustosClient(URL, self.token).read("D-1", "P-DEBT-COLLECT", ["email"]).values, {"email": "d1-new@example.nl"})
        future = call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": "y@example.nl"}, "collected-at": "2999-01-01T00:00:00Z"}, token=self.token)
        self.assertEqual(future[0], 409)
        self.assertEqual(call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": 7}}, token=self.token)[0], 400)
        # An empty value is no value (400 at its JSON path); a blank one is refused by the vault (409).
        status, _, body = call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": ""}}, token=self.token)
        self.assertEqual(status, 400)
        self.assertIn("$.values.email", json.loads(body)["detail"])
        self.assertEqual(call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": "   "}}, token=self.token)[0], 409)
        # A control character other than a tab or a line end is no person's data: an escape would
        # be obeyed by the terminal that prints it. Refused without echoing the value.
        status, _, body = call("POST", "/v1/subjects/D-1/fields", {"purpose": "P-DEBT-COLLECT", "values": {"email": "x\u001b[2J@example.nl"}}, token=self.token)
        self.assertEqual(status, 409, body)
        self.assertIn("control characters", json.loads(body)["detail"])
        self.assertNotIn("example.nl", body.decode())
        self.assertEqual(CustosClient(URL, self.token).read("D-1", "P-DEBT-COLLECT", ["email"]).values, {"email": "d1-new@example.nl"})

    def test_a_new_subject_its_events_and_a_lookup_by_blind_index(self):
        status, _, body = call("POST", "/v1/subjects", {"id": "D-NEW", "category": "debtor", "purpose": "P-DEBT-COLLECT",
                                                        "values": {"email": "Nieuw@Example.nl"}, "source": "creditor:ACME"}, token=self.token)
        self.assertEqual((status, json.loads(body)["stored"]), (201, ["email"]))
        self.assertEqual(call("POST", "/v1/subjects", {"id": "D-NEW", "category": "debtor", "purpose": "P-DEBT-COLLECT", "values": {"email": "a@b.nl"}}, token=self.token)[0], 409)
        # A person who is more than one kind of subject; an undeclared kind stores nothing.
        status, _, body = call("POST", "/v1/subjects", {"id": "D-WEB", "category": "debtor", "other-categories": ["website_user"], "purpose": "P-DEBT-COLLECT",
                                                        "values": {"email": "web@example.nl"}}, token=self.token)
        self.assertEqual((status, json.loads(body)["stored"]), (201, ["email"]))
        status, _, body = call("POST", "/v1/subjects", {"id": "D-GHOST", "category": "debtor", "other-categories": ["ghost"], "purpose": "P-DEBT-COLLECT",
                                                        "values": {"email": "ghost@example.nl"}}, token=self.token)
        self.assertEqual((status, json.loads(body)["stored"]), (200, []))
        self.assertIn("SUBJECT_UNKNOWN", [reason["code"] for reason in json.loads(body)["decision"]["reasons"]])
        self.assertEqual(call("POST", "/v1/subjects", {"id": "D-BAD", "category": "debtor", "other-categories": "website_user", "purpose": "P-DEBT-COLLECT",
                                                       "values": {"email": "bad@example.nl"}}, token=self.token)[0], 400)
        status, _, body = call("POST", "/v1/subjects/D-NEW/events", {"event": "file-opened", "effective": "2026-02-01"}, token=self.token)
        self.assertEqual((status, json.loads(body)["effective"]), (201, "2026-02-01"))
        self.assertEqual(call("POST", "/v1/subjects/D-NEW/events", {"event": "file-opend"}, token=self.token)[0], 404)
        self.assertEqual(call("POST", "/v1/subjects/NOBODY/events", {"event": "file-opened"}, token=self.token)[0], 404)
        # A date that has not come, or a slip of the year, is refused and not recorded; without a
        # date the answer says which day was recorded.
        for effective in ("2999-01-01", "0025-06-30"):
            status, headers, body = call("POST", "/v1/subjects/D-NEW/events", {"event": "file-closed", "effective": effective}, token=self.token)
            self.assertEqual((status, json.loads(body)["type"].rsplit("/", 1)[-1]), (409, "refused-value"), effective)
            self.assertIn("lifecycle event's date", json.loads(body)["detail"])
        status, _, body = call("POST", "/v1/subjects/D-NEW/events", {"event": "last-contact"}, token=self.token)
        self.assertEqual(status, 201)
        self.assertRegex(json.loads(body)["effective"], r"^\d{4}-\d{2}-\d{2}$")
        found = json.loads(call("POST", "/v1/subjects/lookup", {"kind": "email", "value": " nieuw@example.NL", "purpose": "P-DEBT-COLLECT"}, token=self.token)[2])
        self.assertEqual([match["subject"] for match in found["matches"]], ["D-NEW"])
        hidden = json.loads(call("POST", "/v1/subjects/lookup", {"kind": "email", "value": "nieuw@example.nl", "purpose": "P-CLIENT-MKT"},
                                 token=os.environ["MARKETING_TOKEN"])[2])
        self.assertEqual(hidden["matches"], [], "a caller who may not read the subject does not learn they exist")
        self.assertEqual(call("POST", "/v1/subjects/lookup", {"kind": "fax", "value": "1", "purpose": "P-DEBT-COLLECT"}, token=self.token)[0], 400)
        # Several matches: each its own logged decision, with its own sequence number.
        for subject in ("D-TWIN-1", "D-TWIN-2", "D-TWIN-3"):
            self.assertEqual(call("POST", "/v1/subjects", {"id": subject, "category": "debtor", "purpose": "P-DEBT-COLLECT",
                                                           "values": {"email": "tweeling@example.nl"}, "source": "creditor:ACME"}, token=self.token)[0], 201)
        twins = json.loads(call("POST", "/v1/subjects/lookup", {"kind": "email", "value": "tweeling@example.nl", "purpose": "P-DEBT-COLLECT"}, token=self.token)[2])
        self.assertEqual(sorted(match["subject"] for match in twins["matches"]), ["D-TWIN-1", "D-TWIN-2", "D-TWIN-3"])
        self.assertEqual(len({match["seq"] for match in twins["matches"]}), 3)
        self.assertTrue(all(isinstance(match["seq"], int) for match in twins["matches"]))

    def test_consents_are_listed_and_receipted_and_an_objection_stops_marketing(self):
        newsletter = os.environ["NEWSLETTER_TOKEN"]
        self.assertEqual(custos("subject", "add", "--id", "PR-3", "--category", "prospect", "--set", "email=pr3@example.nl").returncode, 0)
        given = json.loads(call("POST", "/v1/subjects/PR-3/consents", {"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "web-form",
                                                                       "notice-language": "en", "age-at-consent": 30}, token=newsletter)[2])
        self.assertEqual(given["consents"][0]["state"], "given")
        # The language the notice was shown in: one the version has, or a refusal on record;
        # a malformed code is the caller's error.
        status, _, body = call("POST", "/v1/subjects/PR-3/consents", {"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "web-form",
                                                                      "notice-language": "EN", "age-at-consent": 30}, token=newsletter)
        self.assertEqual((status, json.loads(body)["detail"]), (400, "$.notice-language must be a two-letter ISO 639-1 code such as nl or en"))
        refused = json.loads(call("POST", "/v1/subjects/PR-3/consents", {"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "web-form",
                                                                         "notice-language": "de", "age-at-consent": 30}, token=newsletter)[2])
        self.assertEqual(refused["consents"][0]["refused"], "CONSENT_UNPROVABLE")
        # Its evidence is a label, as the contract says: one line that says something.
        for evidence in ("", "  ", "snapshot\u001b[2J"):
            status, _, body = call("POST", "/v1/subjects/PR-3/consents", {"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "web-form",
                                                                          "evidence": evidence, "age-at-consent": 30}, token=newsletter)
            self.assertEqual((status, json.loads(body)["detail"]), (400, "$.evidence must be a text that is not empty or blank, without control characters"))
        listed = json.loads(call("GET", "/v1/subjects/PR-3/consents", token=newsletter)[2])
        self.assertEqual([(event["purpose"], event["state"], event["notice-language"]) for event in listed["current"]], [("P-NEWSLETTER-EMAIL", "given", "en")])
        status, _, body = call("GET", "/v1/subjects/PR-3/consents/P-NEWSLETTER-EMAIL/receipt", token=newsletter)
        receipt = json.loads(body)
        self.assertEqual((status, receipt["signature"]["algorithm"]), (200, "Ed25519"))
        with open(os.path.join(os.environ["VAULT"], "receipt.json"), "wb") as file:
            file.write(body)
        self.assertEqual(custos("consent", "verify-receipt", "receipt.json").returncode, 0, "the served receipt verifies against the vault's key")
        self.assertEqual(call("GET", "/v1/subjects/PR-3/consents/P-CLIENT-MKT/receipt", token=newsletter)[0], 404)
        self.assertEqual(call("GET", "/v1/subjects/NOBODY/consents", token=newsletter)[0], 404)
        self.assertTrue(CustosClient(URL, newsletter).read("PR-3", "P-NEWSLETTER-EMAIL", ["email"]).permitted)
        # An objection that says it arrives next year is a mistake: refused, not taken as now.
        status, _, body = call("POST", "/v1/subjects/PR-3/objections", {"kind": "direct-marketing", "effective": "2099-01-01T00:00:00Z"}, token=newsletter)
        self.assertEqual((status, json.loads(body)["type"].rsplit("/", 1)[-1]), (409, "refused-value"), body)
        self.assertTrue(CustosClient(URL, newsletter).read("PR-3", "P-NEWSLETTER-EMAIL", ["email"]).permitted, "nothing was recorded")
        status, _, body = call("POST", "/v1/subjects/PR-3/objections", {"kind": "direct-marketing"}, token=newsletter)
        self.assertEqual(status, 201)
        after = CustosClient(URL, newsletter).read("PR-3", "P-NEWSLETTER-EMAIL", ["email"])
        self.assertFalse(after.permitted)
        self.assertTrue(any(code.startswith("OBJECTION") for code in after.codes), after.codes)

    def test_a_rights_request_is_opened_with_its_channel_and_deadline_and_followed(self):
        status, headers, body = call("POST", "/v1/requests", {"subject": "D-1", "type": "access", "channel": "web-form",
                                                              "received-at": "2026-01-12T10:00:00+01:00"}, token=self.token)
        opened = json.loads(body)
        self.assertEqual((status, opened["status"], opened["channel"]), (201, "awaiting-identity", "web-form"))
        self.assertEqual(opened["due-on"], "2026-02-12", "one month from receipt, Art. 12(3)")
        self.assertEqual(headers["Location"], "/v1/requests/" + opened["id"])
        followed = json.loads(call("GET", headers["Location"], token=self.token)[2])
        self.assertEqual(followed["id"], opened["id"])
        self.assertEqual(call("GET", "/v1/requests/RQ-1999-0001", token=self.token)[0], 404)
        representative = call("POST", "/v1/requests", {"subject": "D-1", "type": "erasure", "channel": "letter", "requester": "representative"}, token=self.token)
        self.assertEqual((representative[0], json.loads(representative[2])["code"]), (409, "DSAR_REQUESTER_NOT_AUTHORISED"))
        self.assertEqual(call("POST", "/v1/requests", {"subject": "D-1", "type": "forget-me", "channel": "letter"}, token=self.token)[0], 400)
        # Well-formed, but the deadline counts from the receipt and an objection stops only what it names.
        for refused, detail in (({"type": "access", "received-at": "2099-01-12T10:00:00+01:00"}, "cannot be later than now"),
                                ({"type": "access", "received-at": "1900-01-12T10:00:00+01:00"}, "25 May 2018"),
                                ({"type": "access", "purpose": "P-DEBT-COLLECT"}, "only an objection names a purpose")):
            status, _, body = call("POST", "/v1/requests", {"subject": "D-1", "channel": "letter", **refused}, token=self.token)
            problem = json.loads(body)
            self.assertEqual((status, problem["type"].rsplit("/", 1)[-1]), (409, "refused-value"), body)
            self.assertIn(detail, problem["detail"])
        status, _, body = call("POST", "/v1/requests", {"subject": "D-1", "type": "objection", "purpose": "P-DEBT-COLECT", "channel": "letter"}, token=self.token)
        self.assertEqual(status, 404, body)
        # How a request or a consent arrived is part of its record: it must say something.
        for channel in ("", "   "):
            status, _, body = call("POST", "/v1/requests", {"subject": "D-1", "type": "access", "channel": channel}, token=self.token)
            self.assertEqual((status, json.loads(body)["detail"]), (400, "$.channel must be a text that is not empty or blank, without control characters"))
            self.assertEqual(call("POST", "/v1/subjects/PR-1/consents/withdrawal", {"purposes": ["P-NEWSLETTER-EMAIL"], "channel": channel},
                                  token=os.environ["NEWSLETTER_TOKEN"])[0], 400)

    def test_a_rectification_request_carries_the_subjects_words_which_the_api_never_returns(self):
        words = "Mijn achternaam is De Vries-Ooms.\nNiet De Vries."
        status, _, body = call("POST", "/v1/requests", {"subject": "D-1", "type": "rectification", "channel": "web-form", "statement": words}, token=self.token)
        self.assertEqual(status, 201, body)
        number = json.loads(body)["id"]
        self.assertEqual([event["event"] for event in json.loads(body)["events"]], ["received", "statement"], "the history says words were kept")
        self.assertNotIn(b"Vries-Ooms", body, "the words are never returned")
        self.assertNotIn(b"Vries-Ooms", call("GET", "/v1/requests/" + number, token=self.token)[2])
        self.assertEqual(custos("request", "statement", number).stdout.strip(), words, "the officer reads them")
        # Refused before anything is opened: words with another right, blank, with a control character, too long.
        opened_before = len(json.loads(custos("request", "list", "-o", "json").stdout))
        for refused, expected, detail in (({"type": "access", "statement": "x"}, 409, "only a rectification request carries the subject's words"),
                                          ({"type": "rectification", "statement": " \n "}, 400, "$.statement must be 1 to 2000 characters"),
                                          ({"type": "rectification", "statement": "a\u0007b"}, 400, "$.statement must be 1 to 2000 characters"),
                                          ({"type": "rectification", "statement": "x" * 2001}, 400, "$.statement must be 1 to 2000 characters")):
            status, _, body = call("POST", "/v1/requests", {"subject": "D-1", "channel": "letter", **refused}, token=self.token)
            self.assertEqual(status, expected, body)
            self.assertTrue(json.loads(body)["detail"].startswith(detail), body)
        self.assertEqual(len(json.loads(custos("request", "list", "-o", "json").stdout)), opened_before, "no request was opened")
        with open(os.path.join(os.environ["VAULT"], "serve.log")) as log:
            self.assertNotIn("Vries-Ooms", log.read(), "the words are never logged")

class ExampleClient(unittest.TestCase):
    def test_the_python_example_runs_end_to_end(self):
        custos("consent", "give", "--subject", "PR-2", "--purpose", "P-NEWSLETTER-EMAIL", "--method", "checkbox-ticked", "--channel", "web-form", "--age", "35")
        example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "example.py")
        run = subprocess.run([sys.executable, example, URL, os.environ["NEWSLETTER_TOKEN"], "PR-2"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("may send the newsletter", run.stdout)
        self.assertIn("with R-CRM: released email", run.stdout)
        self.assertIn("denied, CONSENT_WITHDRAWN", run.stdout)
        self.assertIn("a malformed call is an error", run.stdout)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"server: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
