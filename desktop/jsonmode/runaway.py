"""Keeping a small model from looping forever inside a JSON value that the grammar lets grow.

The grammar guarantees an answer is valid once it ends; it cannot make it end. Small models fall
into loops that a JSON grammar allows indefinitely: a number's digits
(`"population": 1000000000000…`), an array repeating the same item, a string repeating its last
few words, a recursive schema's tree growing one level per step, an open object repeating a
member. `JsonScanner` follows the answer's text and says, at each step, which continuation to
refuse; the logits processor then removes those tokens from the grammar's allowed set - unless that
would leave nothing allowed, so the guard can only steer among continuations the grammar already
accepts and never makes an answer invalid.

The rules (`RunawayLimits`, the defaults in JSON mode):
- a number has at most 17 digits before its decimal point, 17 after it and 3 in its exponent:
  what an IEEE 754 double can tell apart (RFC 8259 section 6 warns that more is not interoperable);
  integers are bounded exactly in the grammar instead: to int64's range (`bound_integers`), or
  to the schema's own bounds where those reach further;
- an array may hold the same value at most 3 times in a row and the same object or array at most
  twice (a record written again verbatim is a loop, not data): the next identical item is not
  begun. Every enclosing array counts (one token, `],`, can end a table's row and begin the next),
  and so does a token that finishes the item's text as it closes it (`paragraph` + `.",`);
- a string whose last 16 or more characters are one piece repeated (at least 3 times) is closed
  (16, not 32: a tokenizer that splits digits spends a token per character, and SmolLM2 named
  every node of a tree `"1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1."` - 33 tokens a name, so max_tokens ran
  out before the tree could close);
- a key nests inside itself at most once (`"children"` within `"children"`): the value of its
  second nested use opens no array or object (a tree or a linked list recursing one level further
  on every step); a schema that needs the container still gets it, empty. Only where the schema
  lets answers nest without bound (`nests_without_bound`: recursion, or a place that admits any
  value): a schema of bounded depth ends on its own, and may well name a key inside itself;
- an object that repeats a key (RFC 8259 section 4: names SHOULD be unique) is not continued: the
  comma after that member is refused, however its string ends (`.",`), so the object closes (a
  model writing the same member over and over stops at the second);
- near the answer's token budget (the last `wrap_up_reserve(budget)` tokens) the answer is wrapped
  up: the string or number being written is closed, no comma begins another member or item and no
  container opens where a scalar may stand, so it closes while there is room rather than being
  cut by max_tokens (a long document - measured on Qwen, a Hyper-Schema's definitions written out
  one by one - ends shorter but whole; required members are still written: the grammar needs
  their commas, and a refusal never applies where nothing would be left).
A string whose pattern does not let it close where the string rule fires (base64's `==`) is
steered towards its nearest end instead: see `ConstraintProcessor`.
Free-form places of a schema (`{}`, an open `additionalProperties`) are bounded in the grammar
instead: see `free_form`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.jsonmode.schema_walk import subschemas

# ("digits", n): no more than n further digits; ("close_string",): only the closing quote;
# ("item_separator", closer): not `closer` followed by the comma that begins another array item
# or object member (`closer` may begin with the rest of a string or number: `."}` from `paragraph`);
# ("string_end_separator", brackets): inside a string, not any text, the closing quote, `brackets`
# and that comma (`.",` is one token); ("open_container",): no `{` or `[` (after blanks or a colon), nor blanks;
# ("key_then_container",): not the closing quote of a key followed by a container; ("blank",): no
# whitespace-only token (where the grammar needs the container: it then comes at once).
# ("comma",): no token holding a comma, nor blanks (wrapping up: nothing more begins).
# Refusals apply in order, each only if it leaves some token the grammar allows.
Refusal = (tuple[Literal["digits"], int] | tuple[Literal["item_separator", "string_end_separator"], bytes]
           | tuple[Literal["close_string", "open_container", "key_then_container", "blank", "comma"]])

_DIGITS = frozenset(b"0123456789")
_BLANKS = b" \t\r\n"
_NUMBER_START = frozenset(b"-0123456789")
_LONGEST_FINISH = 24  # bytes: more than any token holds, so what finishes an item is one token at most
_STRUCTURE = frozenset(b",:{[")


def wrap_up_reserve(budget: int) -> int:
    """How many of an answer's last tokens are spent wrapping it up: an eighth of the budget, at
    least 8 and at most 64 (what closing a few levels of nesting and a required member or two takes)."""
    return min(64, max(8, budget // 8))


@dataclass(frozen=True)
class RunawayLimits:
    integer_digits: int = 19
    fraction_digits: int = 17
    exponent_digits: int = 3
    repeated_items: int = 3
    repeated_containers: int = 2  # an object or array written again verbatim: a loop, not data
    repeated_string_chars: int = 16
    longest_repeated_piece: int = 128
    nested_same_key: int = 1


@dataclass
class _Array:
    item_start: int  # where the current item's text begins in `JsonScanner.text`
    last_item: bytes = b""
    run: int = 0  # how many times in a row `last_item` has occurred


@dataclass
class _Object:
    keys: set[bytes] = field(default_factory=set)  # the keys written so far
    key: bytes | None = None  # the key whose value is being written; None while a key is due
    repeated: bool = False  # a key was written twice: no further member


class JsonScanner:
    """Follows JSON text as it is generated (bytes: every structural character is ASCII)."""

    def __init__(self, limits: RunawayLimits = RunawayLimits()) -> None:
        self.limits = limits
        self.text = bytearray()  # the answer so far, without the blanks between its tokens
        self._stack: list[_Array | _Object] = []
        self._in_string = False
        self._in_key = False
        self._ceiling: int | None = None  # at this depth or deeper no container may open
        self._escaped = False
        self._string_start = 0
        self._closing = False  # the string rule fired in the string being written (checked per token)
        self._number: str | None = None  # "integer", "fraction", "exponent" part being written
        self._number_digits = 0
        self.wrapping_up = False  # set near the token budget: finish what is open, begin nothing

    @property
    def in_open_string(self) -> bool:
        """Writing a string's text, not just after a backslash (where a quote is text, not its end)."""
        return self._in_string and not self._escaped

    def feed(self, data: bytes) -> None:
        for byte in data:
            kept = self._in_string or byte not in _BLANKS  # layout is dropped: items that differ
            self._step(byte)                               # only in indentation are the same item
            if kept:
                self.text.append(byte)
        # Once it fires, until the string ends: a pattern may need a few more characters first.
        self._closing = self._in_string and (self._closing or self._string_repeats())

    def refusals(self) -> list[Refusal]:
        """The continuations to refuse now (usually none)."""
        found: list[Refusal] = self._wrap_up() if self.wrapping_up else []
        if self._closing:
            return found or [("close_string",)]
        if self._in_key:
            if self._nesting(bytes(self.text[self._string_start:])) >= self.limits.nested_same_key:
                found.append(("key_then_container",))
        elif self._ceiling is not None and not self._in_string and len(self._stack) >= self._ceiling:
            found += [("open_container",), ("blank",)]
        if self._number is not None:
            limit = {"integer": self.limits.integer_digits, "fraction": self.limits.fraction_digits,
                     "exponent": self.limits.exponent_digits}[self._number]
            found.append(("digits", max(0, limit - self._number_digits)))
        found += [("item_separator", closer) for closer in self._repeated_items()]
        twice = next((i for i in range(len(self._stack) - 1, -1, -1)
                      if isinstance(self._stack[i], _Object) and self._stack[i].repeated), None)
        if twice is not None and not self._in_key:
            closer = self._closer(twice)
            if self._in_string and not self._escaped:  # however the string ends, no member follows
                found.append(("string_end_separator", closer[1:]))
            elif not self._in_string:
                found.append(("item_separator", closer))
        return found

    def _wrap_up(self) -> list[Refusal]:
        if self._in_string:
            return [("close_string",), ("comma",)]
        if self._number is not None:
            return [("digits", 0), ("comma",)]
        return [("comma",), ("open_container",)]

    def _closer(self, at: int) -> bytes:
        """What closes everything opened inside the container at `at`: the string being written, then
        each inner container in turn."""
        return (b'"' if self._in_string else b"") + bytes(
            0x7D if isinstance(frame, _Object) else 0x5D for frame in reversed(self._stack[at + 1:]))

    def _nesting(self, key: bytes) -> int:
        """How many enclosing objects hold the current object under `key`."""
        return sum(1 for frame in self._stack[:-1] if isinstance(frame, _Object) and frame.key == key)

    def _repeated_items(self) -> list[bytes]:
        """For each enclosing array, innermost first, whose current item - once finished - would be
        identical to the run of items before it, one too many: what finishes it (the comma after
        that is refused). Not only the innermost array (`],` can end a table's row and begin the
        next), and not only where the item's text is complete (`paragraph` + `.",` finishes a
        sentence that the last item ended with `."`)."""
        found = []
        for at in range(len(self._stack) - 1, -1, -1):
            array = self._stack[at]
            if not isinstance(array, _Array) or not array.last_item:
                continue
            limit = self.limits.repeated_containers if array.last_item[:1] in (b"{", b"[") else self.limits.repeated_items
            if array.run + 1 < limit:
                continue
            written = len(self.text) - array.item_start
            if not len(array.last_item) - _LONGEST_FINISH <= written <= len(array.last_item):  # cheap test first
                continue
            current = bytes(self.text[array.item_start:])
            rest = array.last_item[len(current):]
            # A different item, or more than the end of one value still to write: no token finishes it.
            if array.last_item.startswith(current) and not _STRUCTURE & set(rest.rstrip(b"]}")):
                found.append(rest)
        return found

    # --- following the text --------------------------------------------------------------------

    def _step(self, byte: int) -> None:
        if self._in_string:
            if self._escaped:
                self._escaped = False
            elif byte == 0x5C:  # backslash
                self._escaped = True
            elif byte == 0x22:  # closing quote
                self._in_string = False
                if self._in_key:
                    self._key_written(bytes(self.text[self._string_start:]))
            return
        if self._number is not None:
            if self._continues_number(byte):
                return
            self._number = None
        if byte == 0x22:
            self._in_string, self._string_start = True, len(self.text) + 1
            top = self._stack[-1] if self._stack else None
            self._in_key = isinstance(top, _Object) and top.key is None
        elif byte in _NUMBER_START:
            self._number, self._number_digits = "integer", int(byte in _DIGITS)
        elif byte in b"{[":
            self._stack.append(_Array(len(self.text) + 1) if byte == 0x5B else _Object())
        elif byte in b"}]":
            if byte == 0x5D:
                self._end_item()
            if self._stack:
                self._stack.pop()
            if self._ceiling is not None and len(self._stack) < self._ceiling:
                self._ceiling = None
        elif byte == 0x2C:  # comma
            self._end_item()
            if self._stack and isinstance(self._stack[-1], _Object):
                self._stack[-1].key = None
                if self._ceiling == len(self._stack):
                    self._ceiling = None

    def _key_written(self, key: bytes) -> None:
        self._in_key = False
        top = self._stack[-1]
        top.repeated = top.repeated or key in top.keys
        top.keys.add(key)
        top.key = key
        if self._ceiling is None and self._nesting(key) >= self.limits.nested_same_key:
            self._ceiling = len(self._stack)

    def _continues_number(self, byte: int) -> bool:
        if byte in _DIGITS:
            self._number_digits += 1
            return True
        if byte == 0x2E and self._number == "integer":
            self._number, self._number_digits = "fraction", 0
            return True
        if byte in b"eE" and self._number in ("integer", "fraction"):
            self._number, self._number_digits = "exponent", 0
            return True
        if byte in b"+-" and self._number == "exponent" and self._number_digits == 0:
            return True
        return False

    def _end_item(self) -> None:
        top = self._stack[-1] if self._stack else None
        if not isinstance(top, _Array):
            return
        item = bytes(self.text[top.item_start:]).strip()
        if item:
            top.run = top.run + 1 if item == top.last_item else 1
            top.last_item = item
        top.item_start = len(self.text) + 1

    def _string_repeats(self) -> bool:
        least = self.limits.repeated_string_chars
        # Only the tail a rule can look at (runs per token: never copy the whole string).
        longest = max(least, 3 * self.limits.longest_repeated_piece)
        content = self.text[max(self._string_start, len(self.text) - longest):]
        for piece in range(1, self.limits.longest_repeated_piece + 1):
            span = max(least, 3 * piece)
            if len(content) < span:
                break
            tail = content[-span:]
            if tail[piece:] == tail[:-piece]:
                return True
        return False


def nests_without_bound(schema: Any) -> bool:
    """Whether answers to `schema` can nest arbitrarily deep: a `$ref` that leads back to itself, or
    somewhere a value of any shape (no type, an open `additionalProperties`, an array without
    `items`). Errs towards True: that only keeps the nesting rule on. Each `$ref` is walked once
    (a verdict never depends on the path: any True ends the walk), so large schemas stay cheap."""
    verdicts: dict[str, bool] = {}

    def walk(sub: Any, refs: frozenset[str]) -> bool:
        if sub is True or sub == {}:
            return True
        if not isinstance(sub, dict):
            return False
        if "$ref" in sub:
            ref = sub["$ref"]
            if not isinstance(ref, str) or ref in refs:
                return True
            if ref not in verdicts:
                target = _local(schema, ref)
                verdicts[ref] = target is None or walk(target, refs | {ref})
            if verdicts[ref]:
                return True
        branches = [b for k in ("anyOf", "oneOf", "allOf") for b in (sub.get(k) or []) if isinstance(sub.get(k), list)]
        if any(walk(b, refs) for b in branches):
            return True
        kind = sub.get("type")
        if kind is None:
            return not (branches or "$ref" in sub or "enum" in sub or "const" in sub)
        kinds = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
        if "enum" in sub or "const" in sub:
            return False
        inner: list[Any] = []
        if "object" in kinds:
            inner += list((sub.get("properties") or {}).values()) + list((sub.get("patternProperties") or {}).values())
            inner.append(sub.get("additionalProperties", True))
        if "array" in kinds:
            items = sub.get("items", True if "prefixItems" not in sub else None)
            inner += list(sub.get("prefixItems") or []) + (items if isinstance(items, list) else [items])
            if isinstance(items, list) or (items is None and "prefixItems" in sub):
                inner.append(sub.get("additionalItems", True) if isinstance(items, list) else True)
        return any(walk(i, refs) for i in inner if i is not None)

    return walk(schema, frozenset())


def _local(root: Any, ref: str) -> Any:
    """The subschema a local `#/...` reference names, or None."""
    if not ref.startswith("#"):
        return None
    node = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def leading_digits(token: bytes) -> int:
    """How many digits a token adds to a number it continues."""
    count = 0
    for byte in token:
        if byte not in _DIGITS:
            break
        count += 1
    return count


def separates_items(token: bytes, closer: bytes) -> bool:
    """The token finishes the current item with `closer` and then writes the comma after it.
    `closer` may begin with text (the rest of a string, its quote; digits), which the token must
    spell exactly; blanks may come before each of its final brackets (`' },'` closes an object too)."""
    text = closer.rstrip(b"]}")
    if not token.startswith(text):
        return False
    rest = token[len(text):]
    for char in closer[len(text):]:
        rest = rest.lstrip(_BLANKS)
        if not rest or rest[0] != char:
            return False
        rest = rest[1:]
    return rest.lstrip(_BLANKS).startswith(b",")


def ends_string_then_separates(token: bytes, brackets: bytes) -> bool:
    """Inside a string: the token ends it (after any text: `.",`), closes `brackets` and writes a comma."""
    escaped = False
    for at, byte in enumerate(token):
        if escaped:
            escaped = False
        elif byte == 0x5C:
            escaped = True
        elif byte == 0x22:
            return separates_items(token[at:], b'"' + brackets)
    return False


def opens_container(token: bytes, after_key: bool = False) -> bool:
    """The token begins an array or object (after blanks or the colon that ends a key); with
    `after_key`, only once it has closed the key being written with its quote."""
    if after_key:
        if not token.startswith(b'"'):
            return False
        token = token[1:]
    rest = token.lstrip(_BLANKS)
    if rest.startswith(b":"):
        rest = rest[1:].lstrip(_BLANKS)
    return rest[:1] in (b"{", b"[")


# The largest magnitude an int64 holds that is also exactly a double (2**63 - 1024): llguidance reads
# schema bounds as doubles, so this is the widest range it can turn into an exact digit pattern.
INTEGER_BOUND = 2**63 - 1024


def bound_integers(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (already rewritten, so modified in place and returned) with every integer given
    the int64 range on each side its own bounds leave open - unless its own bound lies beyond, in
    which case that side stays as the schema says. Sub-schemas under `not` or `if` are left alone:
    a bound there would widen, not narrow, what is admitted."""
    for path, sub in subschemas(schema):
        if "not" in path or "if" in path or not _is_integer(sub.get("type")):
            continue
        low = _bound(sub, "minimum", "exclusiveMinimum")
        high = _bound(sub, "maximum", "exclusiveMaximum")
        if low is None and (high is None or high >= -INTEGER_BOUND) and not _flag(sub, "exclusiveMinimum"):
            sub["minimum"] = -INTEGER_BOUND
        if high is None and (low is None or low <= INTEGER_BOUND) and not _flag(sub, "exclusiveMaximum"):
            sub["maximum"] = INTEGER_BOUND
    return schema


def _is_integer(kind: Any) -> bool:
    return kind == "integer" or (isinstance(kind, list) and "integer" in kind)


def _bound(sub: dict[str, Any], inclusive: str, exclusive: str) -> float | None:
    values = [sub[k] for k in (inclusive, exclusive)
              if isinstance(sub.get(k), (int, float)) and not isinstance(sub.get(k), bool)]
    return values[0] if values else None


def _flag(sub: dict[str, Any], key: str) -> bool:
    """Draft 4's boolean exclusiveMinimum/Maximum: it changes the meaning of a bound we would add."""
    return isinstance(sub.get(key), bool)
