"""A ~16K-token document and a question about its first page: Hearth's engine against plain
llama-cpp-python, with an f16 and a q8_0 KV cache.

The document: a real book given with --document (a plain-text file; a Project Gutenberg text's
licence header and footer are cut off), cut at a paragraph end to about --tokens tokens of the
model's own tokenizer, with --question about its first page and --answer, a word the answer must
contain. The README's table uses Jacob A. Riis, "How the Other Half Lives" (1890, Project
Gutenberg eBook #45502; too large to keep in the repository): its preface names the Registrar of
Vital Statistics, Dr. Roger S. Tracy, and the question asks for him after ~16K tokens of the book.
With no --document a report of a made-up harbour is generated (its yearly pages differ in names
and figures, so the answer cannot be guessed; repetitive, so only fit for timing, e.g. on a GPU).
--control also asks the question without the document: an answer that is right there too came
from the model's memory, not from reading.

Both sides get the same messages, threads, context length, flash attention (on: llama.cpp needs
it for a quantized V cache) and cache type. Measured per side and cache type: the answer
correct?, time to first token (caller-timed: the whole document is evaluated before it), prompt
tokens/s (prompt tokens / TTFT) and peak RSS of the process holding the model (Hearth's engine
worker; plain llama-cpp-python runs in a child process of its own, so each figure is that
process's high-water mark, VmHWM). --sides and --kv pick what one invocation runs, so a long
comparison can be run a side at a time (each under the shared bench lock) with --results FILE
collecting the rows; --table FILE prints the table of everything collected.

    .venv/bin/python bench/longctx_bench.py [-m default] [--document FILE --question Q --answer WORD]
        [--tokens 16000] [--kv f16,q8_0] [--sides hearth,plain] [--runs 1] [--results FILE] [--control]
    .venv/bin/python bench/longctx_bench.py --table FILE

With --gpu-layers -1 (a GPU build: packaging/gpu-check.sh) both sides offload every layer, and
--max-tokens 128 gives a decode speed too (each side's own count, first to last token).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams, Token
from desktop.engine.client import EngineClient
from desktop.models import resolve

FIRST_NAMES = ["Eliza", "Tobias", "Margit", "Osric", "Helena", "Anselm", "Ruth", "Cyprian", "Ida", "Bartholomew"]
SURNAMES = ["Marrow", "Quill", "Hallett", "Verhoeven", "Ashdown", "Carrick", "Lindqvist", "Pellow", "Strand"]
CARGO = ["salt cod", "timber", "coal", "wool bales", "copper ore", "barley", "tea chests", "slate", "lamp oil"]
WEATHER = ["a gale in the second week", "a long calm", "fog for nine days", "ice in the outer basin",
           "an early thaw", "storms that closed the harbour mouth twice"]
HARBOUR_ANSWER = "Wilhelmina Thorne"
HARBOUR_QUESTION = ("According to the first page of the report, who was the first harbour master of Port Ellery? "
                    "Answer with the name only.")
GUTENBERG_START = re.compile(r"^\*\*\* ?START OF TH(E|IS) PROJECT GUTENBERG EBOOK.*$", re.MULTILINE)
GUTENBERG_END = re.compile(r"^\*\*\* ?END OF TH(E|IS) PROJECT GUTENBERG EBOOK", re.MULTILINE)


def harbour_report(target_tokens: int, seed: int = 7) -> str:
    """The generated report: page one names the first harbour master, then one section per year
    until the text is about `target_tokens` long (~3.5 characters a token for this text)."""
    rng = random.Random(seed)
    parts = [f"THE PORT ELLERY HARBOUR BOARD: A HISTORY IN YEARLY REPORTS\n\nPage 1.\nThe harbour of Port "
             f"Ellery was opened in 1791. Its first harbour master was {HARBOUR_ANSWER}, who held the post for "
             f"twenty-two years and drew the first chart of the outer basin.\n"]
    year = 1792
    while sum(len(p) for p in parts) < target_tokens * 3.5:
        master = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        ships = rng.randint(40, 900)
        lines = [f"\nPage {year - 1790}. The year {year}.",
                 f"The harbour recorded {ships} arrivals and {ships - rng.randint(0, 30)} departures.",
                 f"The clerk of the board that year was {master}.",
                 f"The chief cargoes were {rng.choice(CARGO)}, {rng.choice(CARGO)} and {rng.choice(CARGO)}.",
                 f"The weather brought {rng.choice(WEATHER)}; {rng.randint(0, 6)} vessels needed the lifeboat.",
                 f"Dues collected came to {rng.randint(100, 9000)} pounds, and {rng.randint(1, 40)} berths were repaired."]
        parts.append(" ".join(lines) + "\n")
        year += 1
    return "".join(parts)


def book_text(path: Path) -> str:
    """The book's own text: line ends normalised, a Project Gutenberg licence header and footer
    (around the START/END OF THE PROJECT GUTENBERG EBOOK lines) cut off when present."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if start := GUTENBERG_START.search(text):
        text = text[start.end():]
    if end := GUTENBERG_END.search(text):
        text = text[:end.start()]
    return text.strip()


def first_tokens(text: str, target_tokens: int, model_path: str) -> tuple[str, int]:
    """The text's opening, cut at the end of the paragraph where the model's tokenizer (loaded
    vocabulary-only) passes `target_tokens`, and its token count."""
    from llama_cpp import Llama

    vocab = Llama(model_path=model_path, vocab_only=True, verbose=False)
    kept, count = [], 0
    for paragraph in re.split(r"\n[ \t]*\n", text):
        if count >= target_tokens:
            break
        kept.append(paragraph)
        count += len(vocab.tokenize(f"{paragraph}\n\n".encode(), add_bos=False, special=False))
    return "\n\n".join(kept), count


def messages(document: str, question: str) -> list[dict]:
    return [{"role": "user", "content": f"{document}\n\n{question}" if document else question}]


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_hearth(path: str, n_ctx: int, kv: str, chat: list[dict], args: argparse.Namespace) -> dict:
    client = EngineClient()
    try:
        client.load(LoadOptions(path, n_ctx=n_ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers,
                                flash_attn="on", kv_type=kv))
        start, first, done = time.perf_counter(), None, None
        params = SamplingParams(temperature=0.0, max_tokens=args.max_tokens, seed=0)
        for event in client.chat([ChatMessage.from_dict(m) for m in chat], params):
            if isinstance(event, Token) and first is None and event.text:
                first = time.perf_counter()
            done = event
        if not isinstance(done, Done):
            raise SystemExit(f"the engine failed: {done.message}")
        return {"ttft_s": (first or time.perf_counter()) - start, "prompt_tokens": done.prompt_tokens,
                "decode_tok_s": done.decode_tok_s, "text": done.text, "peak_rss": peak_rss(client.worker_pid)}
    finally:
        client.close()


def run_plain(path: str, n_ctx: int, kv: str, chat: list[dict], args: argparse.Namespace) -> dict:
    """Plain llama-cpp-python in this (child) process: load, ask, report."""
    from bench.plain_llama import PlainLlama
    from desktop.engine.memory_estimate import GGML_KV_TYPES

    kv_type = int(GGML_KV_TYPES[kv])
    plain = PlainLlama(path, n_ctx, args.threads, n_gpu_layers=args.gpu_layers or 0, flash_attn=True,
                       type_k=kv_type, type_v=kv_type)
    result = plain.stream_chat(chat, max_tokens=args.max_tokens, seed=0, temperature=0.0)
    prompt_tokens = plain.llm.n_tokens - result["completion_tokens"]  # what is in its context now
    return {"ttft_s": result["ttft_s"], "prompt_tokens": prompt_tokens, "decode_tok_s": result["decode_tok_s"],
            "text": result["text"], "peak_rss": peak_rss(os.getpid())}


def summarise(side: str, kv: str, runs: list[dict]) -> dict:
    ttft = statistics.median(r["ttft_s"] for r in runs)
    return {"side": side, "kv": kv, "runs": len(runs), "prompt_tokens": runs[0]["prompt_tokens"],
            "correct": f"{sum(r['correct'] for r in runs)}/{len(runs)}", "ttft_s": round(ttft, 2),
            "prompt_tok_s": round(runs[0]["prompt_tokens"] / ttft, 1),
            "decode_tok_s": round(statistics.median(r["decode_tok_s"] for r in runs), 1),
            "peak_rss_mib": round(statistics.median(r["peak_rss"] for r in runs) / 2**20),
            "answer": runs[0]["text"].strip()[:80]}


def print_table(rows: list[dict]) -> None:
    print(f"{'side':8}{'KV':6}{'prompt':>8}{'correct':>9}{'TTFT s':>9}{'prompt tok/s':>14}{'decode tok/s':>14}"
          f"{'peak RSS MiB':>14}  answer")
    for r in rows:
        print(f"{r['side']:8}{r['kv']:6}{r['prompt_tokens']:>8}{r['correct']:>9}{r['ttft_s']:>9}"
              f"{r['prompt_tok_s']:>14}{r['decode_tok_s']:>14}{r['peak_rss_mib']:>14}  {r['answer']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", "--model", default="default")
    parser.add_argument("--document", type=Path, help="a plain-text book (default: the generated harbour report)")
    parser.add_argument("--question", help="about the document's first page (needed with --document)")
    parser.add_argument("--answer", help="a word a correct answer contains (needed with --document)")
    parser.add_argument("--tokens", type=int, default=16000, help="document length, about (default %(default)s)")
    parser.add_argument("--ctx", type=int, default=0, help="context length (default: document + 2048)")
    parser.add_argument("--kv", default="f16,q8_0", help="KV cache types to compare (default %(default)s)")
    parser.add_argument("--sides", default="hearth,plain", help="which sides to run (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--gpu-layers", type=int, default=0, help="layers to offload (-1: all; default 0)")
    parser.add_argument("--max-tokens", type=int, default=16, help="answer length (default %(default)s)")
    parser.add_argument("--control", action="store_true", help="also ask without the document (Hearth, f16)")
    parser.add_argument("--results", type=Path, help="append this invocation's rows to this JSON-lines file")
    parser.add_argument("--table", type=Path, help="print the table of a --results file and stop")
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "KV", "CHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        print_table([json.loads(line) for line in args.table.read_text().splitlines() if line.strip()])
        return 0
    path = str(resolve(args.model))
    if args.child:
        side, kv, chat_file = args.child
        run = run_plain if side == "plain" else run_hearth
        print(json.dumps(run(path, args.ctx, kv, json.loads(Path(chat_file).read_text()), args)))
        return 0
    if args.document:
        if not (args.question and args.answer):
            parser.error("--document needs --question and --answer")
        if not args.document.is_file():
            parser.error(f"no such file: {args.document}")
        document, doc_tokens = first_tokens(book_text(args.document), args.tokens, path)
        question, answer = args.question, args.answer
    else:
        document, doc_tokens = harbour_report(args.tokens), args.tokens
        question, answer = HARBOUR_QUESTION, HARBOUR_ANSWER.split()[-1]
    n_ctx = args.ctx or doc_tokens + 2048

    def ask(side: str, kv: str, chat: list[dict]) -> dict:
        """One side in a fresh process (a clean peak RSS), the messages passed in a file."""
        with tempfile.NamedTemporaryFile("w", suffix=".json") as chat_file:
            json.dump(chat, chat_file)
            chat_file.flush()
            out = subprocess.run([sys.executable, __file__, "-m", args.model, "--ctx", str(n_ctx),
                                  "--threads", str(args.threads), "--gpu-layers", str(args.gpu_layers),
                                  "--max-tokens", str(args.max_tokens), "--child", side, kv, chat_file.name],
                                 capture_output=True, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["correct"] = answer.lower() in result["text"].lower()
        print(json.dumps({"side": side, "kv": kv, **result}), file=sys.stderr, flush=True)
        return result

    rows = []
    if args.control:
        rows.append(summarise("control", "f16", [ask("hearth", "f16", messages("", question))]))
    for kv in args.kv.split(","):
        results: dict[str, list[dict]] = {side: [] for side in args.sides.split(",")}
        for _ in range(args.runs):
            for side in results:
                results[side].append(ask(side, kv, messages(document, question)))
        rows += [summarise(side, kv, runs) for side, runs in results.items()]
    print_table(rows)
    meta = {"model": Path(path).name, "threads": args.threads, "gpu_layers": args.gpu_layers, "n_ctx": n_ctx,
            "document": args.document.name if args.document else "generated", "load_average": os.getloadavg()}
    if args.results:
        with args.results.open("a") as out:
            out.writelines(json.dumps({**row, **meta}) + "\n" for row in rows)
    print(json.dumps({**meta, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
