"""`minProperties` / `maxProperties` beside optional properties, spelled so llguidance can count.

llguidance counts an object's properties only where every property the schema lists is either
required or forbidden (it cannot count keys that may or may not come). A typical real schema -
`"comments": {"properties": {"close": ..., "create": ...}, "minProperties": 1}` ("say at least
one") - lists optional ones. The count is exact if we branch on *which* optional properties are
present: in each branch of an `anyOf` every listed property is required or absent (`false`), and
the branch carries the count only where additional keys could still change it. With n optional
properties that is at most 2^n branches, so the rewrite stops at `MAX_BRANCHES` and leaves the
schema to be refused with a clear error rather than grow a huge grammar.
"""
from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Any

MAX_BRANCHES = 64


def count_branches(sub: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The `anyOf` branches exactly equivalent to `sub`'s min/maxProperties (`[{}]` when the
    count holds whatever is present), or None when there is nothing to rewrite or too much."""
    low, high = sub.get("minProperties", 0), sub.get("maxProperties")
    props, required = sub.get("properties"), sub.get("required", [])
    if not isinstance(props, dict) or not isinstance(required, list) or "minProperties" not in sub and high is None:
        return None
    if not isinstance(low, int) or high is not None and not isinstance(high, int):
        return None
    optional = [name for name, schema in props.items() if schema is not False and name not in required]
    if not optional:
        return None  # llguidance counts this itself
    return _branches(optional, len(set(required)), low, high, _more_keys_possible(sub))


def _branches(optional: list[str], n_required: int, low: int, high: int | None,
              more_keys: bool) -> list[dict[str, Any]] | None:
    """One branch per set of present optional properties that can satisfy the count."""
    if high is None and n_required >= low:
        return [{}]
    if high is None:  # only a lower bound: once enough are present, the rest may come or not
        enough = low - n_required
        sizes = range(min(enough, len(optional)) + 1)
    else:
        sizes = range(min(high - n_required, len(optional)) + 1)
    if sum(comb(len(optional), k) for k in sizes) > MAX_BRANCHES:
        return None
    out = []
    for k in sizes:
        for present in combinations(optional, k):
            count = n_required + k
            branch: dict[str, Any] = {"required": list(present)} if present else {}
            if high is None and count >= low:
                out.append(branch)  # the others stay optional: more keys only raise the count
                continue
            branch["properties"] = {name: False for name in optional if name not in present}
            if more_keys:  # additional keys still move the count: let llguidance count them
                branch["minProperties"] = low
                if high is not None:
                    branch["maxProperties"] = high
            elif not (low <= count and (high is None or count <= high)):
                continue  # no other key can come, and this many present is outside the bounds
            out.append(branch)
    return out


def _more_keys_possible(sub: dict[str, Any]) -> bool:
    """Whether keys other than the listed properties may appear."""
    return sub.get("additionalProperties", True) is not False or bool(sub.get("patternProperties"))
