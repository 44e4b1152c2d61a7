"""AuthZEN Authorization API 1.0 conformance, from the specification's own examples
(authzen_examples.json). Each example request is mapped onto Custos's mapping (docs/authzen.md):
the AuthZEN subject is the calling service (the token's actor), a resource is a data subject
with the requested fields, `can_read` is `read` and `can_edit` is `store`, and the context
carries the purpose. The answer must have the shape of the specification's answer (a boolean
`decision`, an optional `context` object, nothing else) and the same decisions, in order, with
the same number of items under each evaluation semantic."""
import json
import os
import unittest
import urllib.error
import urllib.request

URL = os.environ["CUSTOS_URL"]
TOKEN = os.environ["COLLECTIONS_TOKEN"]
ACTOR = "collections-service"
with open(os.path.join(os.path.dirname(__file__), "authzen_examples.json")) as file:
    EXAMPLES = json.load(file)

# The examples' resources, as data subjects and fields whose decisions are known: a permitted
# read; a subject the vault does not hold ("resource not found"); a field the caller may not
# write ("a viewer of the resource").
RESOURCES = {
    "123": ("D-1", ["email"]), "boxcarring.md": ("D-1", ["email"]), "subject-search.md": ("D-404", ["email"]),
    "resource-search.md": ("D-1", ["health_note"]), "1": ("D-1", ["email"]), "2": ("D-404", ["email"]), "3": ("D-1", ["email"]),
}
ACTIONS = {"can_read": "read", "can_edit": "store"}


def mapped(request):
    """The example request in Custos's terms; members the example does not set stay unset."""
    out = {}
    if "subject" in request:
        out["subject"] = {"type": request["subject"]["type"], "id": ACTOR}
    if "resource" in request:
        subject, fields = RESOURCES[request["resource"]["id"]]
        out["resource"] = {"type": "data-subject", "id": subject, "properties": {"fields": fields}}
    if "action" in request:
        out["action"] = {"name": ACTIONS[request["action"]["name"]]}
        if "properties" in request["action"]:
            out["action"]["properties"] = request["action"]["properties"]
    # The example's `time` is left out: a decision on the vault's facts is made at the time it
    # is asked and cannot be backdated, and Custos refuses context members it does not know.
    out["context"] = {"purpose": "P-DEBT-COLLECT"}
    if "evaluations" in request:
        out["evaluations"] = [mapped(item) for item in request["evaluations"]]
        for item, original in zip(out["evaluations"], request["evaluations"]):
            del item["context"]
            if "action" not in original:
                item.pop("action", None)
    if "options" in request:
        out["options"] = request["options"]
    return out


def post(path, body, token=TOKEN, request_id=None):
    request = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    if request_id:
        request.add_header("X-Request-ID", request_id)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


class Conformance(unittest.TestCase):
    def assertShaped(self, answer, expected):
        """An answer as the specification shapes it: `decision` a boolean, `context` (when
        present) an object, no other member; the same decision as the example's."""
        self.assertIsInstance(answer["decision"], bool)
        self.assertLessEqual(set(answer), {"decision", "context"})
        if "context" in answer:
            self.assertIsInstance(answer["context"], dict)
        self.assertEqual(answer["decision"], expected["decision"])
        if not expected["decision"]:
            self.assertTrue(answer["context"]["reasons"], "a deny carries its reason codes in its context")

    def test_access_evaluation(self):
        example = EXAMPLES["evaluation"]
        status, headers, answer = post("/access/v1/evaluation", mapped(example["request"]), request_id="req-authzen-1")
        self.assertEqual(status, 200)
        self.assertShaped(answer, example["response"])
        self.assertEqual(headers["X-Request-ID"], "req-authzen-1", "a request id is echoed")

    def test_access_evaluation_denied_carries_its_reasons_in_context(self):
        request = mapped(EXAMPLES["evaluation"]["request"])
        request["resource"]["properties"]["fields"] = ["health_note"]
        status, _, answer = post("/access/v1/evaluation", request)
        self.assertEqual(status, 200, "a deny is a normal answer, not an HTTP error")
        self.assertShaped(answer, EXAMPLES["evaluation_denied_with_context"]["response"])

    def test_the_unmapped_example_names_another_subject_than_the_caller_and_is_refused(self):
        status, _, problem = post("/access/v1/evaluation", EXAMPLES["evaluation"]["request"])
        self.assertIn(status, (400, 403))
        self.assertIn("detail", problem)

    def test_access_evaluations_under_each_semantic(self):
        for name in ("evaluations", "evaluations_deny_on_first_deny", "evaluations_permit_on_first_permit"):
            example = EXAMPLES[name]
            status, _, answer = post("/access/v1/evaluations", mapped(example["request"]))
            self.assertEqual(status, 200, name)
            self.assertEqual(set(answer), {"evaluations"})
            self.assertEqual(len(answer["evaluations"]), len(example["response"]["evaluations"]), name)
            for got, expected in zip(answer["evaluations"], example["response"]["evaluations"]):
                self.assertShaped(got, expected)

    def test_metadata(self):
        with urllib.request.urlopen(URL + "/.well-known/authzen-configuration", timeout=30) as response:
            metadata = json.loads(response.read())
        example = EXAMPLES["metadata"]["response"]
        self.assertLessEqual(set(example), set(metadata))
        base = metadata["policy_decision_point"]
        for key in example:
            self.assertEqual(metadata[key], example[key].replace("https://pdp.mycompany.com", base))
        self.assertFalse(any(key.startswith("search_") for key in metadata), "the search APIs are not offered, so not announced")


if __name__ == "__main__":
    import sys
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"authzen: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
