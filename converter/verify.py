"""`verify()`: how far a converted/quantized gguf is from the unquantized model, measured by llama.cpp.

Both files run through llama-cpp-python on one built-in multilingual text; the report gives the
mean KL divergence of the result's next-token distribution from the reference's, how often their
top-1 tokens agree, both perplexities, both sizes and the result's decode speed. The reference is
an f32 conversion of the same checkpoint for float outputs, f16 for quantized ones (the usual
baseline for quantization figures), built in a temporary folder and deleted afterwards.
"""
from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from converter.progress import ProgressCallback, Step, check, ignore
from desktop.errors import HearthError

# A bit of everything the tokenizer and the model meet in practice: several scripts, code, numbers.
TEXT = (
    "The quick brown fox jumps over the lazy dog. Water boils at 100 degrees Celsius at sea level.\n"
    "春天来了，公园里的花都开了，孩子们在草地上放风筝。\n"
    "今日は天気が良いので、友達と一緒に散歩に行きました。\n"
    "오늘 아침에 커피를 마시면서 신문을 읽었습니다.\n"
    "ذهبت إلى السوق لشراء الخبز والحليب.\n"
    "Москва — столица России, крупнейший город страны.\n"
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n"
    "Die Katze schläft auf dem Sofa, während es draußen regnet. 🌧️🐈\n"
    "In 1969, Apollo 11 landed on the Moon; 3.14159 is approximately pi.\n"
)
FLOAT_FILE_TYPES = {gguf.LlamaFileType.ALL_F32, gguf.LlamaFileType.MOSTLY_F16, gguf.LlamaFileType.MOSTLY_BF16}
DECODE_TOKENS = 32
MAX_TOKENS = 1024  # the text is ~350 tokens in the tokenizers seen so far


@dataclass
class VerifyReport:
    reference: str  # the reference's type: "f32" or "f16"
    n_tokens: int
    mean_kld: float
    top1_agreement: float
    ppl_reference: float
    ppl_result: float
    size_reference_bytes: int
    size_result_bytes: int
    decode_tokens_per_s: float

    def table(self) -> str:
        rows = [
            ("reference", self.reference),
            ("tokens compared", str(self.n_tokens)),
            ("mean KL divergence", f"{self.mean_kld:.5f}"),
            ("top-1 agreement", f"{self.top1_agreement:.3f}"),
            ("perplexity", f"{self.ppl_reference:.3f} -> {self.ppl_result:.3f} "
                           f"({(self.ppl_result / self.ppl_reference - 1) * 100:+.2f}%)"),
            ("size", f"{self.size_reference_bytes / 1e6:.1f} MB -> {self.size_result_bytes / 1e6:.1f} MB"),
            ("decode speed", f"{self.decode_tokens_per_s:.1f} tokens/s"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def file_type(path: Path) -> gguf.LlamaFileType:
    field = gguf.GGUFReader(path).fields.get("general.file_type")
    return gguf.LlamaFileType(int(field.parts[-1][0])) if field else gguf.LlamaFileType.GUESSED


def _log_probs(model_path: Path, text: str, tokens: list[int] | None = None) -> tuple[list[int], np.ndarray]:
    """(tokens, log-probabilities at every position) of `text` (or of `tokens`) under the model."""
    import llama_cpp

    from desktop.engine.runtime_check import apply_proven

    apply_proven(str(model_path))  # the CPU code the engine runs here, never one that crashed
    llm = llama_cpp.Llama(str(model_path), n_ctx=MAX_TOKENS, logits_all=True, verbose=False)
    try:
        if tokens is None:
            tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)[:MAX_TOKENS]
        llm.eval(tokens)
        logits = np.array(llm.scores[: len(tokens)], dtype=np.float64)
    finally:
        llm.close()
    logits -= logits.max(axis=1, keepdims=True)
    return tokens, logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _decode_speed(model_path: Path) -> float:
    import llama_cpp

    llm = llama_cpp.Llama(str(model_path), n_ctx=256, verbose=False)
    try:
        started = time.perf_counter()
        out = llm.create_completion("Once upon a time", max_tokens=DECODE_TOKENS, temperature=0.0)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - started)
    finally:
        llm.close()


def compare(reference: Path, result: Path, text: str = TEXT) -> tuple[int, float, float, float, float]:
    """(tokens, mean KLD, top-1 agreement, reference ppl, result ppl) of `result` against `reference`."""
    tokens, ref = _log_probs(reference, text)
    _, res = _log_probs(result, text, tokens)
    kld = (np.exp(ref) * (ref - res)).sum(axis=1)
    top1 = float((ref.argmax(axis=1) == res.argmax(axis=1)).mean())
    nxt = np.array(tokens[1:])
    positions = np.arange(len(tokens) - 1)
    ppl_ref = float(np.exp(-ref[positions, nxt].mean()))
    ppl_res = float(np.exp(-res[positions, nxt].mean()))
    return len(tokens), float(kld.mean()), top1, ppl_ref, ppl_res


def verify(src: str | Path, result: str | Path, *, reference: str | Path | None = None,
           progress: ProgressCallback = ignore, cancel: threading.Event | None = None) -> VerifyReport:
    """Measure `result` (a gguf converted from `src`) against an unquantized conversion of `src`."""
    from converter.convert import convert

    result = Path(result)
    if not result.is_file():
        raise HearthError(f"{result} does not exist")
    ref_type = "f32" if file_type(result) in FLOAT_FILE_TYPES else "f16"
    progress(Step("verify", 0, 3, message=f"verifying against an {ref_type} reference"))
    with tempfile.TemporaryDirectory(dir=result.parent, prefix=".verify-") as tmp:
        if reference is None:
            reference = convert(src, Path(tmp) / "reference.gguf", ref_type, cancel=cancel).path
            check(cancel)
        progress(Step("verify", 1, 3))
        n_tokens, kld, top1, ppl_ref, ppl_res = compare(Path(reference), result)
        check(cancel)
        progress(Step("verify", 2, 3))
        speed = _decode_speed(result)
        report = VerifyReport(ref_type, n_tokens, kld, top1, ppl_ref, ppl_res, Path(reference).stat().st_size,
                              result.stat().st_size, speed)
    progress(Step("verify", 3, 3))
    return report
