"""Hearth's own nested-JSON test set: 528 cases built from the tables below, deterministically.

Every case is an entity (a book, a patient, a flight ...) put into a shape (flat, nested, an array
of objects, a recursive tree, five levels deep ...), with or without optional fields, asked for in
English or Chinese. The shapes cover what users reported breaking: nested fields going missing,
arrays of objects, enums, numeric ranges, optional fields and recursive structures.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

S, I, N, B = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}  # noqa: E741 - one-letter type names keep the table below readable


def rng(kind: dict, lo: float, hi: float) -> dict:
    return {**kind, "minimum": lo, "maximum": hi}


def enum(*values: str) -> dict:
    return {"enum": list(values)}


def text(max_len: int = 40) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_len}


# name, English, Chinese, fields (name -> schema), optional field names
ENTITIES: list[tuple[str, str, str, dict[str, dict], tuple[str, ...]]] = [
    ("book", "a book", "一本书", {"title": text(), "author": text(), "year": rng(I, 1450, 2025),
                                 "genre": enum("fiction", "science", "history", "poetry"),
                                 "rating": rng(N, 0, 5)}, ("rating",)),
    ("patient", "a hospital patient", "一位医院病人", {"name": text(), "age": rng(I, 0, 120),
                                                    "blood_type": enum("A", "B", "AB", "O"),
                                                    "admitted": {"type": "string", "format": "date"},
                                                    "ward": enum("general", "surgery", "children", "icu")},
     ("ward",)),
    ("product", "a shop product", "一件商店商品", {"name": text(), "price": rng(N, 0, 10000),
                                                 "currency": enum("USD", "EUR", "CNY"), "in_stock": B,
                                                 "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"}}, ("sku",)),
    ("city", "a city", "一座城市", {"name": text(), "country": text(), "population": rng(I, 0, 40000000),
                                  "capital": B, "climate": enum("tropical", "dry", "temperate", "cold")}, ("climate",)),
    ("flight", "a flight", "一趟航班", {"number": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2,4}$"},
                                     "from": text(30), "to": text(30), "departure": {"type": "string", "format": "date-time"},
                                     "seats_left": rng(I, 0, 500)}, ("seats_left",)),
    ("employee", "an employee", "一名员工", {"name": text(), "title": text(), "salary": rng(I, 1000, 1000000),
                                          "level": enum("junior", "senior", "lead"), "email": {"type": "string", "format": "email"}},
     ("email",)),
    ("movie", "a movie", "一部电影", {"title": text(), "director": text(), "minutes": rng(I, 1, 400),
                                   "rated": enum("G", "PG", "PG-13", "R"), "score": rng(N, 0, 10)}, ("score",)),
    ("task", "a to-do task", "一项待办任务", {"title": text(), "priority": enum("low", "medium", "high"), "done": B,
                                          "due": {"type": "string", "format": "date"}, "estimate_hours": rng(N, 0, 100)},
     ("due", "estimate_hours")),
    ("recipe", "a recipe", "一道菜谱", {"dish": text(), "servings": rng(I, 1, 20), "vegetarian": B,
                                     "difficulty": enum("easy", "medium", "hard"), "minutes": rng(I, 1, 600)}, ("minutes",)),
    ("planet", "a planet", "一颗行星", {"name": text(), "moons": rng(I, 0, 200), "habitable": B,
                                     "kind": enum("rocky", "gas giant", "ice giant", "dwarf"), "mass_earths": rng(N, 0, 5000)},
     ("mass_earths",)),
    ("song", "a song", "一首歌", {"title": text(), "artist": text(), "seconds": rng(I, 1, 3600),
                                "mood": enum("happy", "sad", "calm", "energetic"), "explicit": B}, ("explicit",)),
    ("device", "a network device", "一台网络设备", {"hostname": text(30), "ip": {"type": "string", "format": "ipv4"},
                                                 "id": {"type": "string", "format": "uuid"}, "online": B,
                                                 "os": enum("linux", "windows", "macos", "other")}, ("os",)),
]


@dataclass(frozen=True)
class Case:
    """One prompt and the schema its answer must follow."""

    id: str
    language: str  # "en" | "zh"
    shape: str
    depth: int
    prompt: str
    schema: dict[str, Any]


def entity_schema(fields: dict[str, dict], optional: tuple[str, ...], with_optional: bool) -> dict:
    props = {k: copy.deepcopy(v) for k, v in fields.items() if with_optional or k not in optional}
    return {"type": "object", "properties": props, "required": [k for k in props if k not in optional],
            "additionalProperties": False}


def obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": props, "required": required or list(props), "additionalProperties": False}


def arr(items: dict, lo: int = 1, hi: int = 3) -> dict:
    return {"type": "array", "items": items, "minItems": lo, "maxItems": hi}


# shape name -> (English request, Chinese request, builder(entity schema, entity name) -> schema)
SHAPES: list[tuple[str, str, str, Callable[[dict, str], dict]]] = [
    ("flat", "Describe {en}.", "描述{zh}。", lambda e, n: e),
    ("wrapped", "Describe {en}, with a short note.", "描述{zh}，并附上一句简短备注。",
     lambda e, n: obj({n: e, "note": text(60)})),
    ("top_level_array", "List two or three examples of {en}.", "列出两到三个{zh}的例子。", lambda e, n: arr(e)),
    ("array_in_object", "Make a small catalogue of {en}: a title and up to three entries.",
     "做一个关于{zh}的小目录：一个标题和最多三个条目。", lambda e, n: obj({"title": text(), "entries": arr(e)})),
    ("nullable_fields", "Describe {en}; unknown values may be null.", "描述{zh}；未知的值可以是 null。",
     lambda e, n: {**e, "properties": {k: {"anyOf": [v, {"type": "null"}]} for k, v in e["properties"].items()}}),
    ("classification", "Classify this item as {en} and give your confidence.", "把这个条目归类为{zh}并给出置信度。",
     lambda e, n: obj({"label": enum(n, "other"), "confidence": rng(N, 0, 1), "item": e})),
    ("collection", "Describe a collection of {en} owned by someone.", "描述某人收藏的{zh}。",
     lambda e, n: obj({"owner": obj({"name": text(), "items": arr(e, 1, 2)})})),
    ("department", "Describe a department with a team that works on {en}.", "描述一个部门及其负责{zh}的团队。",
     lambda e, n: obj({"department": obj({"name": text(), "team": obj({"lead": text(), "items": arr(e, 1, 2)})})})),
    ("report", "Write a report with sections, each about one example of {en}.", "写一份报告，分为几个部分，每部分讲一个{zh}的例子。",
     lambda e, n: obj({"report": obj({"title": text(), "sections": arr(obj({"heading": text(), "item": e}), 1, 2)})})),
    ("recursive_tree", "Organise examples of {en} into a small tree of groups.", "把{zh}的例子整理成一棵小的分组树。",
     lambda e, n: {"$defs": {"group": obj({"name": text(), "item": e, "children": arr({"$ref": "#/$defs/group"}, 0, 2)})},
                   "$ref": "#/$defs/group"}),
    ("recursive_list", "Give a chain of related {en}, each pointing to the next (or null at the end).",
     "给出一串相关的{zh}，每个指向下一个（最后一个为 null）。",
     lambda e, n: {"$defs": {"link": obj({"value": e, "next": {"anyOf": [{"$ref": "#/$defs/link"}, {"type": "null"}]}})},
                   "$ref": "#/$defs/link"}),
]


def depth(schema: Any, defs: dict | None = None, seen: frozenset[str] = frozenset()) -> int:
    """Nesting depth of objects/arrays (a top-level object is 1; a recursive reference counts once)."""
    if not isinstance(schema, dict):
        return 0
    defs = defs if defs is not None else schema.get("$defs", {})
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return 0 if name in seen else depth(defs.get(name, {}), defs, seen | {name})
    inner = [depth(v, defs, seen) for v in schema.get("properties", {}).values()]
    inner += [depth(schema[k], defs, seen) for k in ("items",) if k in schema]
    inner += [depth(v, defs, seen) for v in schema.get("anyOf", [])]
    own = 1 if schema.get("type") in ("object", "array") else 0
    return own + max(inner, default=0)


def cases() -> list[Case]:
    """All 528 cases (12 entities x 11 shapes x 2 variants x 2 languages), always in the same order."""
    out = []
    for name, en, zh, fields, optional in ENTITIES:
        for shape, ask_en, ask_zh, build in SHAPES:
            for with_optional in (True, False):
                schema = build(entity_schema(fields, optional, with_optional), name)
                for language, ask in (("en", ask_en.format(en=en)), ("zh", ask_zh.format(zh=zh))):
                    variant = "opt" if with_optional else "req"
                    out.append(Case(f"{name}-{shape}-{variant}-{language}", language, shape,
                                    depth(schema), ask, schema))
    return out
