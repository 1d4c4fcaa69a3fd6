"""Constrained decoding: any JSON value, a JSON object, a JSON Schema or a GBNF grammar.

The pieces, in the order a request meets them:
- `compile.check(constraint)` - in the caller's process, before anything is queued: rejects any
  schema feature or grammar that cannot be enforced, with one line naming it and where it is;
- `prompt.with_schema_hint(messages, constraint)` - tells the model what shape to answer in;
- `processor.make_logits_processor(llama, constraint)` - in the engine's worker: masks every token
  that would break the constraint (llguidance computes the mask);
- `validate.check_answer(text, constraint)` - the finished answer, parsed and validated with
  `jsonschema` before it is ever reported valid.
"""
from desktop.jsonmode.response_format import constraint_from_response_format

__all__ = ["constraint_from_response_format"]
