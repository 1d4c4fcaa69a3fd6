"""MMLU (Hendrycks et al. 2021) and C-Eval (Huang et al. 2023): 5-shot multiple choice, in the
file layouts their authors publish, answers constrained to the option letters.

- MMLU, the original `data/` folder: `dev/<subject>_dev.csv` (the 5 shots), `val/`, `test/`
  (scored), CSV without a header: question, A, B, C, D, answer letter.
- C-Eval, its `data/` folder (or the `formal_ceval` zip unpacked): `dev/<subject>_dev.csv` (shots),
  `val/<subject>_val.csv` (scored: the test split's answers are not public), CSV with a header
  `id,question,A,B,C,D,answer[,explanation]`.

The prompt is each paper's own, as raw completion (no chat template): a header naming the subject,
the five dev questions each followed by its answer, then the question; the model's next token is
constrained by a GBNF grammar to one of A-D, so every answer is scorable.
"""
from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desktop.benchmarks import hf_datasets
from desktop.engine.types import Done, SamplingParams
from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint

LETTERS = "ABCD"


@dataclass(frozen=True)
class Question:
    id: str
    subject: str
    text: str
    options: tuple[str, str, str, str]
    answer: str  # one of LETTERS


@dataclass(frozen=True)
class Style:
    """What differs between the two benchmarks: file layout, header line, answer cue."""

    name: str
    scored_split: str
    has_header: bool
    intro: str  # formatted with subject=
    cue: str  # what precedes the answer letter
    grammar: str


MMLU = Style("mmlu", "test", False,
             "The following are multiple choice questions (with answers) about {subject}.\n\n",
             "Answer:", 'root ::= " " [ABCD]')
CEVAL = Style("ceval", "val", True, "以下是中国关于{subject}考试的单项选择题，请选出其中的正确答案。\n\n",
              "答案：", "root ::= [ABCD]")
STYLES = {s.name: s for s in (MMLU, CEVAL)}


def default_data(style: Style) -> Path:
    """The benchmark's copy in the Hugging Face cache; a missing set says where to put it."""
    folder = hf_datasets.locate(style.name)
    if folder is None:
        raise HearthError(f"no {style.name.upper()} data found: {hf_datasets.where_to_put(style.name)}")
    return folder


def load_split(style: Style, folder: Path, split: str) -> dict[str, list[Question]]:
    """Questions per subject from `folder`: the authors' CSV folder, or a Hugging Face snapshot or
    datasets-cache folder."""
    if not folder.is_dir():
        raise HearthError(f"no such folder: {folder}")
    if (folder / split).is_dir() and any((folder / split).glob(f"*_{split}.csv")):
        return read_split(style, folder, split)
    found = hf_datasets.files(folder, split)
    if not found:
        return read_split(style, folder, split)  # neither layout: the CSV layout's message says what to put where
    questions: dict[str, list[Question]] = {}
    for subject, paths in found.items():
        for path in paths:
            for number, row in enumerate(hf_datasets.rows(path), 1):
                question = _from_row(style, row, subject, path, number)
                questions.setdefault(question.subject, []).append(question)
    for subject, listed in questions.items():  # MMLU rows carry no id: their place in the subject, as in the CSV
        questions[subject] = [q if q.id else replace(q, id=f"{subject}/{i}") for i, q in enumerate(listed, 1)]
    return dict(sorted(questions.items()))


def _from_row(style: Style, row: dict[str, Any], subject: str, path: Path, number: int) -> Question:
    try:
        if style is MMLU:
            answer = row["answer"]
            letter = LETTERS[answer] if isinstance(answer, int) and 0 <= answer < 4 else str(answer).strip().upper()
            options = tuple(str(o) for o in row["choices"])
            name, ident = str(row.get("subject") or subject), ""
        else:
            letter = str(row["answer"]).strip().upper()
            options = tuple(str(row[k]) for k in LETTERS)
            name, ident = subject, f"{subject}/{row['id']}"
        if len(options) != 4 or letter not in tuple(LETTERS) or not name:
            raise ValueError
        return Question(ident, name, str(row["question"]), options, letter)  # type: ignore[arg-type]
    except (KeyError, IndexError, TypeError, ValueError):
        raise HearthError(f"{path}, row {number}: expected a question, four options and an answer A-D") from None


def read_split(style: Style, folder: Path, split: str) -> dict[str, list[Question]]:
    """Questions per subject from `<folder>/<split>/<subject>_<split>.csv`; a bad row is one
    HearthError naming file and line."""
    where = folder / split
    files = sorted(where.glob(f"*_{split}.csv")) if where.is_dir() else []
    if not files:
        raise HearthError(f"no {style.name.upper()} {split} files in {where}: put the data set's folder "
                          f"(with dev/ and {style.scored_split}/ inside) there, or pass --data PATH")
    return {path.name[: -len(f"_{split}.csv")]: _read_file(style, path) for path in files}


def _read_file(style: Style, path: Path) -> list[Question]:
    subject = path.name[: -len(f"_{path.parent.name}.csv")]
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HearthError(f"{path}: cannot read it as CSV ({exc})") from None
    questions = []
    start = 1
    if style.has_header:
        if not rows or [c.strip().lower() for c in rows[0][1:7]] != ["question", "a", "b", "c", "d", "answer"]:
            raise HearthError(f"{path}, line 1: expected the header id,question,A,B,C,D,answer")
        rows, start = rows[1:], 2
    for number, row in enumerate(rows, start):
        if not any(cell.strip() for cell in row):
            continue
        cells = row[1:7] if style.has_header else row[:6]
        if len(cells) < 6 or cells[5].strip().upper() not in tuple(LETTERS):
            raise HearthError(f"{path}, line {number}: expected question, four options and an answer A-D")
        ident = row[0] if style.has_header else str(number)
        questions.append(Question(f"{subject}/{ident}", subject, cells[0], tuple(cells[1:5]), cells[5].strip().upper()))
    if not questions:
        raise HearthError(f"{path}: no questions in it")
    return questions


def subject_name(subject: str) -> str:
    return subject.replace("_", " ")


def shown(question: Question, style: Style, with_answer: bool) -> str:
    lines = [question.text, *(f"{letter}. {option}" for letter, option in zip(LETTERS, question.options))]
    answer = (" " if style is MMLU else "") + question.answer if with_answer else ""
    return "\n".join(lines) + f"\n{style.cue}{answer}"


def prompt(question: Question, shots: list[Question], style: Style) -> str:
    """The k-shot prompt: the subject header, each shot with its answer, the question without."""
    parts = [style.intro.format(subject=subject_name(question.subject))]
    parts += [shown(shot, style, True) + "\n\n" for shot in shots]
    return "".join(parts) + shown(question, style, False)


def ask(client: Any, question: Question, shots: list[Question], style: Style,
        cancel: threading.Event) -> dict[str, Any] | None:
    """The model's letter for one question (None when cancelled)."""
    params = SamplingParams(temperature=0.0, top_k=1, repeat_penalty=1.0, max_tokens=2, seed=0)
    generation = client.complete(prompt(question, shots, style), params, Constraint("grammar", grammar=style.grammar))
    try:
        for _ in generation:
            if cancel.is_set():
                generation.cancel()
    except KeyboardInterrupt:
        generation.cancel()
        raise
    result = generation.result
    if cancel.is_set() or (isinstance(result, Done) and result.finish_reason == "cancelled"):
        return None
    if not isinstance(result, Done):
        raise HearthError(f"the engine failed on {question.id}: {result.message}")
    choice = result.text.strip()[:1]
    return {"id": question.id, "subject": question.subject, "choice": choice, "answer": question.answer,
            "correct": choice == question.answer, "prompt_tokens": result.prompt_tokens}


def run(client: Any, todo: list[Question], shots: dict[str, list[Question]], style: Style,
        record: Callable[[dict[str, Any]], None], cancel: threading.Event,
        after: Callable[[dict[str, Any]], None] | None = None) -> bool:
    for question in todo:
        answer = ask(client, question, shots.get(question.subject, []), style, cancel)
        if answer is None:
            return False
        record(answer)
        if after:
            after(answer)
    return True


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    subjects: dict[str, list[bool]] = {}
    for r in records:
        subjects.setdefault(r["subject"], []).append(r["correct"])
    per = {s: {"questions": len(v), "correct": sum(v), "accuracy": round(sum(v) / len(v), 4)}
           for s, v in sorted(subjects.items())}
    n = len(records)
    return {"questions": n, "correct": sum(r["correct"] for r in records),
            "accuracy": round(sum(r["correct"] for r in records) / n, 4) if n else 0.0,
            "macro_accuracy": round(sum(p["accuracy"] for p in per.values()) / len(per), 4) if per else 0.0,
            "subjects": per}


def table(summary: dict[str, Any], title: str) -> str:
    lines = [title, "", "| subject | questions | correct | accuracy |", "|---|---|---|---|"]
    lines += [f"| {s} | {p['questions']} | {p['correct']} | {p['accuracy']:.3f} |" for s, p in summary["subjects"].items()]
    lines.append(f"| **all** (micro / macro) | {summary['questions']} | {summary['correct']} | "
                 f"{summary['accuracy']:.3f} / {summary['macro_accuracy']:.3f} |")
    return "\n".join(lines)
