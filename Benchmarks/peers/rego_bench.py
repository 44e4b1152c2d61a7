#!/usr/bin/env python3
"""The peer subset in Rego, evaluated by regorus (the Rust engine; PyPI name gordon-to-regorus):
the model as data, one set_input + eval_rule per request (the binding has no batch call).

Usage: rego_bench.py DIR   (see cedar_bench.py)"""
import json, sys, time
import regorus

POLICY = """
package custos
import rego.v1

default allow := false

purpose := data.purposes[input.purpose]

basics if {
  input.subject.category in purpose.subjects
  input.actor in purpose.actors
  every field in input.fields { field in purpose.fields }
  consent_ok
  not dm_objected
}

consent_ok if not purpose.consent
consent_ok if {
  purpose.consent
  input.purpose in input.subject.consented
}

dm_objected if {
  purpose.direct_marketing
  input.subject.dm_objection
}

allow if {
  input.action == "read"
  basics
}

allow if {
  input.action == "share"
  basics
  input.recipient in purpose.recipients
  recipient := data.recipients[input.recipient]
  every field in input.fields { field in recipient.fields }
  recipient.transfer_ok
}
"""

folder = sys.argv[1]
engine = regorus.Engine()
engine.add_policy("custos.rego", POLICY)
engine.add_data_json(open(f"{folder}/model.json").read())
start = time.perf_counter()
lines = [line for line in open(f"{folder}/neutral.jsonl")]
evaluate_start = time.perf_counter()
allowed = []
for line in lines:
    engine.set_input_json(line)
    allowed.append(engine.eval_rule("data.custos.allow") is True)
end = time.perf_counter()
open(f"{folder}/rego-out.txt", "w").write("".join("1" if a else "0" for a in allowed))
print(json.dumps({"peer": "rego", "version": "regorus 0.13.0 (gordon-to-regorus)", "requests": len(lines), "seconds": end - start,
                  "evaluate_seconds": end - evaluate_start, "allowed": sum(allowed)}))
