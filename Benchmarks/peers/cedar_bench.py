#!/usr/bin/env python3
"""The peer subset in Cedar (cedarpy): one policy set, entities for purposes, recipients and
subjects, and every request of neutral.jsonl through is_authorized_batch in batches of 10,000
with pre-parsed policy and entity handles (the fastest way the binding offers).

Usage: cedar_bench.py DIR   (DIR holds model.json and neutral.jsonl from generate.py)
Prints one JSON line: requests, seconds (parse + evaluate), evaluate-only seconds, allowed, and
the allow/deny of every request to DIR/cedar-out.txt for the agreement check."""
import json, sys, time
import cedarpy

POLICIES = """
permit(principal, action == Action::"read", resource)
when {
  context.purpose.subjects.contains(resource.category) &&
  context.purpose.actors.contains(principal) &&
  context.purpose.fields.containsAll(context.fields) &&
  (!context.purpose.consent || resource.consented.contains(context.purpose)) &&
  !(context.purpose.direct_marketing && resource.dm_objection)
};
permit(principal, action == Action::"share", resource)
when {
  context has recipient &&
  context.purpose.subjects.contains(resource.category) &&
  context.purpose.actors.contains(principal) &&
  context.purpose.fields.containsAll(context.fields) &&
  (!context.purpose.consent || resource.consented.contains(context.purpose)) &&
  !(context.purpose.direct_marketing && resource.dm_objection) &&
  context.purpose.recipients.contains(context.recipient) &&
  context.recipient.fields.containsAll(context.fields) &&
  context.recipient.transfer_ok
};
"""

def ref(kind, ident): return {"__entity": {"type": kind, "id": ident}}

folder = sys.argv[1]
model = json.load(open(f"{folder}/model.json"))
entities = []
for pid, p in model["purposes"].items():
    entities.append({"uid": {"type": "Purpose", "id": pid}, "parents": [], "attrs": {
        "subjects": p["subjects"], "actors": [ref("Actor", a) for a in p["actors"]], "fields": p["fields"], "consent": p["consent"],
        "direct_marketing": p["direct_marketing"], "recipients": [ref("Recipient", r) for r in p["recipients"]]}})
for rid, r in model["recipients"].items():
    entities.append({"uid": {"type": "Recipient", "id": rid}, "parents": [], "attrs": {"fields": r["fields"], "transfer_ok": r["transfer_ok"]}})

start = time.perf_counter()
lines = [json.loads(line) for line in open(f"{folder}/neutral.jsonl")]
subjects = {}
requests = []
for line in lines:
    s = line["subject"]
    subjects[s["id"]] = s
    context = {"purpose": ref("Purpose", line["purpose"]), "fields": line["fields"]}
    if line["recipient"]: context["recipient"] = ref("Recipient", line["recipient"])
    requests.append({"principal": {"type": "Actor", "id": line["actor"]}, "action": {"type": "Action", "id": line["action"]},
                     "resource": {"type": "Subject", "id": s["id"]}, "context": context})
for sid, s in subjects.items():
    entities.append({"uid": {"type": "Subject", "id": sid}, "parents": [], "attrs": {
        "category": s["category"], "consented": [ref("Purpose", p) for p in s["consented"]], "dm_objection": s["dm_objection"]}})
policy_set = cedarpy.PolicySet.from_str(POLICIES)
entity_set = cedarpy.Entities.from_json_str(json.dumps(entities))
evaluate_start = time.perf_counter()
allowed = []
for offset in range(0, len(requests), 10_000):
    results = cedarpy.is_authorized_batch(requests[offset:offset + 10_000], policy_set, entity_set)
    allowed += [r.allowed for r in results]
end = time.perf_counter()
open(f"{folder}/cedar-out.txt", "w").write("".join("1" if a else "0" for a in allowed))
print(json.dumps({"peer": "cedar", "version": "cedarpy " + getattr(cedarpy, "__version__", "4.12.2"), "requests": len(requests),
                  "seconds": end - start, "evaluate_seconds": end - evaluate_start, "allowed": sum(allowed)}))
