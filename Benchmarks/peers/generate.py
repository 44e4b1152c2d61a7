#!/usr/bin/env python3
"""Generate the same N requests for Custos, Cedar and Rego (the performance issue's peers).

The subset of the decision semantics all three express: the purpose is declared and open to the
actor and the subject's category; every requested field is in the purpose; a consent-based
purpose needs the subject's consent (given, not withdrawn); a direct-marketing objection stops
direct marketing; a share needs a recipient declared for the purpose, allowed the fields, in
the EEA, a country with an adequacy decision, a DPF certification, or SCC/BCR with a TIA. A
share to a recipient named per disclosure names the actual one (`recipient-name`), as Custos
requires and the peers' subset does not express.

Usage: generate.py POLICY_JSON N OUT_DIR   (POLICY_JSON from `custos policy show … -o json`)
Writes OUT_DIR/custos.jsonl (request + facts per line) and OUT_DIR/neutral.jsonl (for the peers),
and OUT_DIR/model.json (purposes and recipients, for the peers' data).
"""
import json, random, sys

policy = json.load(open(sys.argv[1]))["policy"]
count = int(sys.argv[2])
out = sys.argv[3]
random.seed(20251006)

eea = set(policy["reference-data"]["eea"])
adequate = {a["country"] for a in policy["reference-data"]["adequacy"] if not a.get("requires") and a.get("valid-until") is None}
purposes = {}
for p in policy["purposes"]:
    basis = p["basis"]
    bases = set(basis.values()) if isinstance(basis, dict) else {basis}
    purposes[p["id"]] = {
        "subjects": p["subjects"], "fields": p["fields"], "actors": p.get("actors") or [],
        "consent": bases == {"consent"}, "direct_marketing": "direct-marketing" in p, "recipients": p.get("recipients", []),
    }
recipients = {}
for r in policy["recipients"]:
    country = r["country"]
    transfer = r.get("transfer", {})
    dpf = transfer.get("dpf", {}).get("status") == "active"
    safeguard = bool(transfer.get("scc", {}).get("tia")) or bool(transfer.get("bcr", {}).get("tia"))
    recipients[r["id"]] = {"fields": r.get("fields") or [], "transfer_ok": country in eea or country in adequate or dpf or safeguard, "country": country,
                           "named_per_disclosure": r.get("named-per-disclosure", False)}
json.dump({"purposes": purposes, "recipients": recipients}, open(f"{out}/model.json", "w"))

AT = "2025-10-06T09:00:00+02:00"
subjects = []
for i in range(10_000):
    category = random.choice(["debtor", "debtor", "prospect", "client"])
    consent = random.choice(["given", "given", "withdrawn", None]) if category in ("prospect", "client") else None
    subjects.append({"id": f"S-{i:05d}", "category": category, "consent": consent, "dm_objection": category == "client" and random.random() < 0.2})

shapes = [
    ("collections-service", "read", "debtor", "P-DEBT-COLLECT", [["email", "bank_account"], ["claim_details"], ["email", "web_usage_stats"]], None),
    ("newsletter", "read", "prospect", "P-NEWSLETTER-EMAIL", [["email"], ["email", "person_name"]], None),
    ("marketing-service", "read", "client", "P-CLIENT-MKT", [["email"], ["email", "person_name"]], None),
    ("collections-service", "share", "debtor", "P-DEBT-COLLECT", [["claim_details"], ["claim_details", "person_name"], ["bank_account"]],
     ["R-CLIENT", "R-AFFILIATE-US", "R-AFFILIATE-IN", "R-WEBDEV"]),
]
by_category = {c: [s for s in subjects if s["category"] == c] for c in ("debtor", "prospect", "client")}

with open(f"{out}/custos.jsonl", "w") as custos, open(f"{out}/neutral.jsonl", "w") as neutral:
    for n in range(count):
        actor, action, category, purpose, field_sets, recipients_ = random.choice(shapes)
        subject = random.choice(by_category[category])
        fields = random.choice(field_sets)
        recipient = random.choice(recipients_) if recipients_ else None
        request = {"actor": actor, "action": action, "subject": subject["id"], "purpose": purpose, "fields": fields}
        if recipient: request["recipient"] = recipient
        # A recipient the policy names per disclosure ("the client") needs the actual one named
        # (Art. 15(1)(c)); the peers' subset has no such rule, so every such share names one.
        if recipient and recipients[recipient]["named_per_disclosure"]:
            request["recipient-name"] = f"Creditor {subject['id'][2:]} B.V."
        facts = {"subject": {"id": subject["id"], "category": category, "contract-party": category == "client"}}
        if category == "debtor":
            facts["events"] = [{"event": "file-opened", "date": "2025-01-10"}]
        if subject["consent"]:
            events = [{"state": "given", "at": "2025-09-10T10:00:00+02:00", "method": "double-opt-in", "age-at-consent": 30}]
            if subject["consent"] == "withdrawn":
                events.append({"state": "withdrawn", "at": "2025-09-20T10:00:00+02:00"})
            facts["consents"] = [{"purpose": "P-NEWSLETTER-EMAIL", "notice": "N-NEWS@3", "events": events}]
        if subject["dm_objection"]:
            facts["objections"] = [{"kind": "direct-marketing", "at": "2025-09-01T10:00:00+02:00"}]
        custos.write(json.dumps({"request": request, "facts": facts, "at": AT}, separators=(",", ":")) + "\n")
        neutral.write(json.dumps({"actor": actor, "action": action, "purpose": purpose, "fields": fields, "recipient": recipient,
                                  "subject": {"id": subject["id"], "category": category,
                                              "consented": sorted(["P-NEWSLETTER-EMAIL"] if subject["consent"] == "given" else []),
                                              "dm_objection": subject["dm_objection"]}}, separators=(",", ":")) + "\n")
