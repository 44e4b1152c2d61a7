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
        lines = [json.loads(line) for line in open(os.path.join(os.environ["VAULT"], "serve.log")) if line.startswith("{")]
        mine = [line for line in lines if line.get("request-id") == "req-42"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["route"], mine[0]["status"], mine[0]["trace-id"]), ("/v1/subjects/:subject/read", "200", trace.split("-")[1]))
        text = open(os.path.join(os.environ["VAULT"], "serve.log")).read()
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

    def test_revocation_takes_effect_on_the_next_request(self):
        added = custos("service", "add", "--actor", "collections-service", "--name", "short-lived", "-o", "json")
        token = json.loads(added.stdout)["token"]
        read = {"purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=token)[0], 200)
        self.assertEqual(custos("service", "revoke", "short-lived").returncode, 0)
        self.assertEqual(call("POST", "/v1/subjects/D-1/read", read, token=token)[0], 401)

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


class Batches(unittest.TestCase):
    def test_a_batch_answers_each_item_in_order_and_an_unreadable_one_alone(self):
        token = os.environ["COLLECTIONS_TOKEN"]
        read = {"action": "read", "subject": "D-1", "purpose": "P-DEBT-COLLECT", "fields": ["email"]}
        status, _, body = call("POST", "/v1/decisions/batch", {"requests": [read, dict(read, purpose="P-CLIENT-MKT"), dict(read, feilds=["x"])]}, token=token)
        results = json.loads(body)["results"]
        self.assertEqual(status, 200)
        self.assertEqual([result.get("decision", {}).get("outcome") for result in results], ["permit", "deny", None])
        self.assertIn("did you mean 'fields'", results[2]["error"]["detail"])
        self.assertTrue(all(isinstance(result.get("seq"), int) for result in results[:2]), "each decision is logged")
        facts = {"subject": {"id": "D-9", "category": "debtor"}, "events": [{"event": "file-opened", "date": "2025-01-10"}]}
        status, _, body = call("POST", "/v1/decisions/hypothetical/batch", {"items": [{"request": dict(read, subject="D-9"), "facts": facts, "at": "2025-06-02T09:00:00+02:00"}]}, token=token)
        hypothetical = json.loads(body)["results"][0]
        self.assertEqual((hypothetical["decision"]["outcome"], hypothetical["seq"]), ("permit", None))
        too_many = call("POST", "/v1/decisions/batch", {"requests": [read] * 1001}, token=token)
        self.assertEqual(too_many[0], 400)


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
        broken = json.loads(call("POST", "/access/v1/evaluations", dict(base, evaluations=[{"action": {"name": "peek"}}]), token=self.token)[2])
        self.assertFalse(broken["evaluations"][0]["decision"])
        self.assertIn("error", broken["evaluations"][0]["context"])


class ExampleClient(unittest.TestCase):
    def test_the_python_example_runs_end_to_end(self):
        custos("consent", "give", "--subject", "PR-2", "--purpose", "P-NEWSLETTER-EMAIL", "--method", "checkbox-ticked", "--channel", "web-form", "--age", "35")
        example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "example.py")
        run = subprocess.run([sys.executable, example, URL, os.environ["NEWSLETTER_TOKEN"], "PR-2"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("may send the newsletter", run.stdout)
        self.assertIn("denied, CONSENT_WITHDRAWN", run.stdout)
        self.assertIn("a malformed call is an error", run.stdout)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"server: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
