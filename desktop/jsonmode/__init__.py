"""The constraint language: any JSON value, a JSON object, a JSON Schema or a GBNF grammar.

It knows nothing of the engine: `constraint.Constraint` is the record, the modules here compile,
hint and validate it, and the engine imports them (never the other way round).
The pieces, in the order a request meets them:
- `compile.check(constraint)` - in the caller's process, before anything is queued: rejects any
  schema feature or grammar that cannot be enforced, with one line naming it and where it is;
- `prompt.with_schema_hint(messages, constraint)` - tells the model what shape to answer in;
- `compile.grammar_for(constraint)` - the llguidance grammar that the engine's
  `desktop.engine.constraint_processor` turns into a per-token mask inside the worker;
- `validate.check_answer(text, constraint)` - the finished answer, parsed and validated with
  `jsonschema` before it is ever reported valid.
"""
from desktop.jsonmode.response_format import constraint_from_response_format

__all__ = ["constraint_from_response_format"]
