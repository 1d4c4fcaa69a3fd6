"""`response_format` and `grammar` request fields -> an engine `Constraint`, checked up front.

The check runs before the request is queued, so a schema feature or grammar the engine cannot
enforce is a 400 naming it, never an answer that quietly ignores the constraint.
"""
from __future__ import annotations

from typing import Any

from desktop.api.errors import ApiError
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError


def request_constraint(fields: dict[str, Any]) -> Constraint | None:
    """The constraint asked for by checked request fields, or None for free text."""
    from desktop.jsonmode import constraint_from_response_format

    grammar = fields.get("grammar")
    try:
        constraint = constraint_from_response_format(fields.get("response_format"))
    except HearthError as exc:
        raise ApiError(400, str(exc), param="response_format")
    if grammar is not None:
        if constraint is not None:
            raise ApiError(400, "give either 'grammar' or a JSON 'response_format', not both",
                           param="grammar")
        constraint = Constraint(kind="grammar", grammar=grammar)
    if constraint is None:
        return None
    if fields.get("runaway_guard") is False:
        constraint.runaway_guard = False
    from desktop.jsonmode.compile import check

    try:
        check(constraint)
    except HearthError as exc:
        raise ApiError(400, str(exc), param="grammar" if grammar is not None else "response_format",
                       code="unsupported_constraint")
    return constraint
