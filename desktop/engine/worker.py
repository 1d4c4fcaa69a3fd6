"""The engine's worker process: the only place llama.cpp runs.

A native crash here (segfault, abort, the kernel's OOM killer) ends this process only; the client
sees the pipe close and reports it. Two threads: a reader that receives messages (and answers
cheap ones such as token counts at once, so the app's context gauge never waits behind an answer)
and the main thread that loads models and generates, one request at a time, in arrival order.

Messages in: (kind, request_id, payload). Messages out: (request_id, kind, data).
"""
from __future__ import annotations

import codecs
import contextlib
import logging
import queue
import random
import threading
import time
from collections import deque
from typing import Any

import psutil

from desktop.engine.context_policy import fit_messages
from desktop.engine.embedder import Embedders
from desktop.engine.hardware import choose_gpu_layers, estimate_vram, gpu_devices, llama_devices, physical_cores
from desktop.engine.load_plan import LoadPlan, check_fits, plan_load
from desktop.engine.load_readback import PREFIXES, read_context
from desktop.engine.logprobs import token_logprob
from desktop.engine.memory_estimate import MemoryEstimate
from desktop.engine.prompt_cache import PromptCache
from desktop.engine.prompt_chunks import PromptChunks, chunks_for, common_prefix, sample_renders
from desktop.engine.runtime_check import Choice, apply, choice_from_env, device_line
from desktop.engine.sampler_chain import SamplingLlama
from desktop.engine.templates import ChatTemplate, TemplateFailure, choose_template
from desktop.engine.types import LoadOptions, ModelInfo, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.tool_calls import TOOL_TAGS
from desktop.errors import HearthError
from desktop.models.gguf_info import GgufInfo, inspect_gguf

log = logging.getLogger(__name__)

# A follow-up is prepared only once no request came for this long after an answer: a person
# takes longer to read and type, a script sending requests back to back should not wait for it.
PREPARE_AFTER_S = 0.25


@contextlib.contextmanager
def flash_attention_type(llama_cpp: Any, mode: str):
    """Let llama.cpp itself decide flash attention ("auto": on where the device supports it for
    every layer). llama-cpp-python's Llama only passes on or off, so for "auto" the context it
    creates while this is active gets LLAMA_FLASH_ATTN_TYPE_AUTO."""
    if mode != "auto":
        yield
        return
    from llama_cpp import _internals

    plain = _internals.LlamaContext

    class AutoFlashContext(plain):
        def __init__(self, *, model: Any, params: Any, verbose: bool = True) -> None:
            params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO
            super().__init__(model=model, params=params, verbose=verbose)

    _internals.LlamaContext = AutoFlashContext
    try:
        yield
    finally:
        _internals.LlamaContext = plain


def main(fd: int) -> None:
    """Process entry point: serve the client on the inherited socket `fd`."""
    import signal
    from multiprocessing.connection import Connection

    # Ctrl+C in a terminal reaches the whole process group; the parent decides how to stop
    # (close() / shutdown), so the worker must not die with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runtime = apply(choice_from_env())  # the CPU code the start-up self-check proved here
    Worker(Connection(fd), runtime).serve()


class Worker:
    def __init__(self, conn: Any, runtime: Choice) -> None:
        self.conn = conn
        self.runtime = runtime
        self.send_lock = threading.Lock()
        self.jobs: queue.Queue = queue.Queue()
        self.cancelled: set[int] = set()
        self.llm = None
        self.info: GgufInfo | None = None
        self.template: ChatTemplate | None = None
        self.n_ctx = 0
        self.add_bos = False
        self.bos_text = ""
        self.log_errors: deque[str] = deque(maxlen=8)
        self.cache: PromptCache | None = None
        self._last_tokens: tuple[str | None, list[int]] = (None, [])
        self.chunks = PromptChunks()
        self._sample_renders: tuple[str, ...] = ()
        self._log_callback = None
        self._load_log: list[str] | None = None  # llama.cpp's context lines, kept during a load
        self.memory: MemoryEstimate | None = None  # the loaded model's estimate
        self.embedders = Embedders()

    # --- plumbing ------------------------------------------------------------------------------

    def send(self, request_id: int, kind: str, data: Any = None) -> None:
        with self.send_lock:
            self.conn.send((request_id, kind, data))

    def serve(self) -> None:
        threading.Thread(target=self._read, name="engine-reader", daemon=True).start()
        handlers = {"load": self.load, "generate": self.generate, "build_info": self.build_info,
                    "embed": self.embed,
                    "settle": lambda request_id, payload: self.send(request_id, "settled")}
        while (job := self.jobs.get()) is not None:
            kind, request_id, payload = job
            try:
                handlers[kind](request_id, payload)
            except HearthError as exc:
                self.send(request_id, "error", {"kind": "request", "message": str(exc)})
            except Exception as exc:  # noqa: BLE001 - report, keep serving: one bad request must not end the worker
                self.send(request_id, "error", {"kind": "request", "message": f"{type(exc).__name__}: {exc}"})

    def _read(self) -> None:
        while True:
            try:
                kind, request_id, payload = self.conn.recv()
            except (EOFError, OSError):
                self.jobs.put(None)
                return
            if kind == "cancel":
                self.cancelled.add(request_id)
            elif kind == "count":
                self._answer_count(request_id, payload)
            elif kind == "shutdown":
                self.jobs.put(None)
                return
            else:
                self.jobs.put((kind, request_id, payload))

    # --- loading -------------------------------------------------------------------------------

    def _install_log_capture(self, llama_cpp: Any) -> None:
        """Keep llama.cpp's own error lines so a failed load can say more than 'failed', and,
        while a context is built, the lines that say what it built (desktop.engine.load_readback)."""

        @llama_cpp.llama_log_callback
        def capture(level, text, user_data):  # ctypes callback signature
            if level >= 4 or self._load_log is not None:
                line = text.decode("utf-8", errors="replace").strip()
                if level >= 4 and line and line != ".":  # GGML_LOG_LEVEL_ERROR (5: continued)
                    self.log_errors.append(line)
                if self._load_log is not None and line.startswith(PREFIXES):
                    self._load_log.append(line)

        self._log_callback = capture  # keep a reference: ctypes would free it otherwise
        llama_cpp.llama_log_set(capture, None)

    def _plan(self, llama_cpp: Any, options: LoadOptions, info: GgufInfo) -> tuple[LoadPlan, int, str]:
        """Check the options and the memory they need before anything is unloaded or allocated:
        a refused load leaves the loaded model as it was."""
        plan = plan_load(options, info)
        flash = plan.flash_attn != "off"
        vram_need = estimate_vram(info, plan.n_ctx, plan.kv_type, flash)
        gpu_layers, offload = choose_gpu_layers(info, plan.n_ctx, llama_cpp.llama_supports_gpu_offload(),
                                                options.n_gpu_layers, need=vram_need)
        layers = max(info.arch_int("block_count"), 1)
        share = 1.0 if gpu_layers < 0 else min(gpu_layers, layers) / layers
        if share > 0 and options.n_gpu_layers is not None:  # layers as set: they must fit too
            devices = gpu_devices()
            if devices:
                best = max(devices, key=lambda d: d.free_bytes)
                check_fits(plan, int(vram_need * share), best.free_bytes, best.name, options.memory_limit_bytes)
        reclaimable = self.memory.total if self.memory is not None else 0
        check_fits(plan, int(plan.memory.total * (1 - share)), psutil.virtual_memory().available + reclaimable,
                   "RAM", options.memory_limit_bytes)
        return plan, gpu_layers, offload

    def load(self, request_id: int, payload: dict) -> None:
        import llama_cpp

        self._install_log_capture(llama_cpp)
        options = LoadOptions(**payload)
        info = inspect_gguf(options.model_path)
        plan, gpu_layers, offload = self._plan(llama_cpp, options, info)
        if self.llm is not None:
            self.embedders.forget_chat_model()
            self.llm.close()
            self.llm, self.memory = None, None
        if gpu_layers == 0 and self.runtime.off:
            offload = device_line(self.runtime)  # the reason it runs slower than it could
        threads = options.n_threads or physical_cores()
        self.log_errors.clear()
        self._load_log = []
        try:
            with flash_attention_type(llama_cpp, plan.flash_attn):
                llm = SamplingLlama(model_path=options.model_path, n_gpu_layers=gpu_layers, n_threads=threads,
                                   n_threads_batch=threads, verbose=False, **plan.llama_kwargs())
        except Exception as exc:  # noqa: BLE001 - llama.cpp fails a load with plain exceptions; its log says why
            detail = "; ".join(self.log_errors) or str(exc)
            self.send(request_id, "error", {"kind": "load", "message": f"llama.cpp could not load "
                                            f"{info.path.name}: {detail}"})
            return
        finally:
            built, self._load_log = read_context(self._load_log), None
        self.memory = plan.memory
        self.llm, self.info, self.n_ctx = llm, info, llm.n_ctx()
        self.cache = PromptCache(llm)
        self._last_tokens = (None, [])  # another model tokenizes differently
        self.add_bos = bool(info.metadata.get("tokenizer.ggml.add_bos_token", info.architecture == "llama"))
        self.bos_text = self._token_text(llm.token_bos())

        def has_token(text: str) -> bool:
            return len(llm.tokenize(text.encode(), add_bos=False, special=True)) == 1

        self.template, warning = choose_template(info.chat_template, has_token, self.bos_text,
                                                 self._token_text(llm.token_eos()))
        self._sample_renders = ()
        opening = self._prompt_chunks().opening
        if opening:  # every conversation starts with it: evaluate it now, not in a request
            self.cache.prefill(opening, [], lambda: False)
        model = ModelInfo(
            path=str(info.path), name=info.name, architecture=info.architecture,
            size_bytes=info.size_bytes, parameters=info.parameters, quantization=info.quantization,
            context_length=info.context_length, n_ctx=self.n_ctx, n_gpu_layers=gpu_layers,
            n_threads=threads, offload=offload, chat_template_sha256=self.template.sha256,
            chat_template_source=self.template.source, license=info.license, source_url=info.source_url,
            memory_estimate_bytes=plan.memory.total, tool_tags_are_tokens=self._tool_tags_are_tokens(),
            **built)
        self.send(request_id, "loaded", {"model": model.to_dict(), "warning": warning})

    def _tool_tags_are_tokens(self) -> bool:
        """Whether both tool-call tags are special tokens, by llguidance's rule: a control token,
        or a user-defined one written like a tag."""
        import llama_cpp

        vocab = llama_cpp.llama_model_get_vocab(self.llm.model)
        for tag in TOOL_TAGS:
            tokens = self.llm.tokenize(tag.encode(), add_bos=False, special=True)
            if len(tokens) != 1:
                return False
            attr = llama_cpp.llama_token_get_attr(vocab, tokens[0])
            if not attr & (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED):
                return False
        return True

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="ignore")

    def build_info(self, request_id: int, payload: Any) -> None:
        import llama_cpp

        gpu = llama_cpp.llama_supports_gpu_offload()
        found = llama_devices() if gpu else []
        devices = [{"name": d.name, "backend": d.backend, "vram_total_bytes": d.total_bytes,
                    "vram_free_bytes": d.free_bytes} for d in found]
        self.send(request_id, "build_info", {
            "llama_cpp_python": llama_cpp.__version__,
            "gpu_offload": bool(gpu),
            "backend": found[0].backend if found else "GPU" if gpu else "CPU",
            "devices": devices,
            "cpu_variant": self._cpu_variant(),
            "system_info": llama_cpp.llama_print_system_info().decode(errors="replace").strip(),
        })

    def _cpu_variant(self) -> str:
        """Which of llama.cpp's CPU codes runs: "haswell (AVX2)", or "built in" for a build
        that has one linked in (a native or CUDA build)."""
        runtime = self.runtime
        name = f"{runtime.variant} ({runtime.tier})" if runtime.variant else "built in"
        return name + (f"; {runtime.off} off: it crashed on this machine" if runtime.off else "")

    # --- prompts -------------------------------------------------------------------------------

    def _tokenize(self, prompt: str) -> list[int]:
        """The prompt's tokens (not to be modified: the last result is kept, because a request
        tokenizes the same conversation to fit it in the context and again to evaluate it)."""
        last = self._last_tokens
        if last[0] == prompt:
            return last[1]
        add_bos = self.add_bos and not (self.bos_text and prompt.startswith(self.bos_text))
        tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)
        self._last_tokens = (prompt, tokens)  # one assignment: the reader thread counts too
        return tokens

    def _render(self, messages: list[dict], tools: list[dict] | None = None) -> str:
        try:
            return self.template.render(messages, tools=tools)
        except TemplateFailure as exc:
            raise HearthError(f"the chat template failed on this conversation: {exc}") from None

    def _count_messages(self, messages: list[dict], tools: list[dict] | None = None) -> int:
        return len(self._tokenize(self._render(messages, tools)))

    def _answer_count(self, request_id: int, payload: list[dict] | dict) -> None:
        """`payload`: the messages, or {"messages", "tools"} for a request offering tools."""
        if self.llm is None:
            self.send(request_id, "error", {"kind": "request", "message": "no model is loaded"})
            return
        messages, tools = (payload["messages"], payload.get("tools")) if isinstance(payload, dict) else (payload, None)
        try:
            self.send(request_id, "count", self._count_messages(messages, tools))
        except HearthError as exc:
            self.send(request_id, "error", {"kind": "request", "message": str(exc)})

    # --- embeddings ----------------------------------------------------------------------------

    def embed(self, request_id: int, payload: dict) -> None:
        """`payload`: {"inputs": [text or token ids, ...], "model_path": a dedicated GGUF or None
        for the chat model}; answers float32 vectors as bytes."""
        if self.llm is None:
            raise HearthError("no model is loaded")
        path = payload.get("model_path")
        embedder = (self.embedders.for_file(path, self.llm.n_threads) if path
                    else self.embedders.for_chat_model(self.llm, self.info))
        inputs = [embedder.tokenize(x) if isinstance(x, str) else list(x) for x in payload["inputs"]]
        result = embedder.embed(inputs)
        self.send(request_id, "embedded", {"vectors": [v.tobytes() for v in result.vectors],
                                           "prompt_tokens": result.prompt_tokens, "pooling": embedder.pooling,
                                           "n_ctx": embedder.n_ctx})

    # --- generation ----------------------------------------------------------------------------

    def generate(self, request_id: int, payload: dict) -> None:
        if self.llm is None:
            raise HearthError("no model is loaded")
        if self._cancelled(request_id):  # cancelled while it waited its turn: no work at all
            self.send(request_id, "done", self._cancelled_result(payload))
            return
        params = SamplingParams.from_dict(payload["params"])
        dropped = 0
        if payload.get("messages") is not None:
            tools = payload.get("tools")
            messages, dropped = fit_messages(payload["messages"], lambda m: self._count_messages(m, tools),
                                             self.n_ctx, params.max_tokens)
            prompt = self._render(messages, tools)
        else:
            prompt = payload["prompt"]
        tokens = self._tokenize(prompt)
        chunks = self._prompt_chunks()
        room = self.n_ctx - len(tokens)
        if room <= 0:
            raise HearthError(f"the prompt is {len(tokens)} tokens but the context is {self.n_ctx} tokens")
        budget = min(params.max_tokens, room) if params.max_tokens and params.max_tokens > 0 else room
        seed = params.seed if params.seed is not None else random.randrange(2**31)
        self.llm.set_seed(seed)
        processors = None
        if payload.get("constraint"):
            from llama_cpp import LogitsProcessorList

            from desktop.engine.constraint_processor import make_logits_processor

            processors = LogitsProcessorList([
                make_logits_processor(self.llm, Constraint.from_dict(payload["constraint"]))])
        start = time.perf_counter()  # time to first token includes evaluating the prompt
        cached = self.cache.prefill(tokens, chunks.cuts(tokens), lambda: self._cancelled(request_id))
        if cached is not None:
            result = self._stream(request_id, tokens, params, budget, processors, start)
        else:
            result = self._cancelled_result(payload)
        result.update(prompt_tokens=len(tokens), seed=seed, dropped_messages=dropped, cached_tokens=cached or 0)
        self.cancelled.discard(request_id)
        self.send(request_id, "done", result)
        if payload.get("messages") is not None and result["finish_reason"] != "cancelled":
            self._prepare_follow_up(messages, result["text"])

    def _cancelled(self, request_id: int) -> bool:
        if request_id in self.cancelled:
            self.cancelled.discard(request_id)
            return True
        return False

    def _prepare_follow_up(self, messages: list[dict], answer: str) -> None:
        """While the user reads the answer, evaluate the conversation so far the way the next
        request of this conversation will be cut (up to where the user's next words begin), so a
        follow-up only evaluates the new message. Any other request arriving stops it between
        chunks; one that does not continue this conversation simply doesn't reuse it."""
        quiet_from = time.monotonic() + PREPARE_AFTER_S
        while time.monotonic() < quiet_from:
            if self._work_waiting():
                return
            time.sleep(0.01)
        try:
            renders = [self.template.render([*messages, {"role": "assistant", "content": answer},
                                             {"role": "user", "content": words}]) for words in ("Kappa?", "Lambda!")]
        except TemplateFailure:
            return
        upcoming = common_prefix([self._tokenize(text) for text in renders])
        if len(upcoming) >= self.n_ctx:
            return
        try:
            self.cache.prepare(upcoming, self.chunks.cuts(upcoming), self._work_waiting)
        except Exception as exc:  # noqa: BLE001 - only a head start: the answer was already delivered
            log.warning("preparing the follow-up failed: %s", exc)

    def _work_waiting(self) -> bool:
        """A request is queued ("settle" only waits for this work, so it does not count)."""
        return any(job is None or job[0] != "settle" for job in list(self.jobs.queue))

    @staticmethod
    def _cancelled_result(payload: dict) -> dict:
        return {"text": "", "finish_reason": "cancelled", "completion_tokens": 0, "ttft_s": 0.0,
                "decode_tok_s": 0.0, "prompt_tokens": 0, "seed": payload["params"].get("seed") or 0}

    def _prompt_chunks(self) -> PromptChunks:
        renders = sample_renders(self.template.render)
        if renders != self._sample_renders:
            self._sample_renders = renders
            self.chunks = chunks_for(renders, self._tokenize)
        return self.chunks

    def _stream(self, request_id: int, tokens: list[int], params: SamplingParams, budget: int,
                processors: Any, start: float) -> dict:
        import llama_cpp

        llm = self.llm
        vocab = llm._model.vocab
        stops = [s for s in params.stop if s]
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        llm.sampling = params
        text, sent, count = "", 0, 0
        finish, cut = "length", False
        first = last = None
        generator = llm.generate(
            tokens, top_k=params.top_k, top_p=params.top_p, min_p=params.min_p, temp=params.temperature,
            repeat_penalty=params.repeat_penalty, frequency_penalty=params.frequency_penalty,
            presence_penalty=params.presence_penalty, logits_processor=processors)
        try:
            for token in generator:
                if request_id in self.cancelled:
                    finish = "cancelled"
                    break
                last = time.perf_counter()
                if first is None:
                    first = last
                if llama_cpp.llama_vocab_is_eog(vocab, token):
                    finish = "stop"
                    break
                if params.logprobs is not None:  # asked for: the row the token was picked from
                    self.send(request_id, "logprobs", token_logprob(llm.logprobs_row, token, params.logprobs,
                                                                    lambda t: llm.detokenize([t])))
                count += 1
                text += decoder.decode(llm.detokenize([token]))
                text, sent, cut = self._emit(request_id, text, sent, stops)
                if cut:
                    finish = "stop"
                    break
                if count >= budget:
                    break
        finally:
            generator.close()
        if not cut:  # text cut at a stop string must not regain a dangling partial character
            text += decoder.decode(b"", final=True)
        if sent < len(text):
            self.send(request_id, "token", text[sent:])
        first = first or time.perf_counter()
        decode_s = (last - first) if last and count > 1 else 0.0
        return {"text": text, "finish_reason": finish, "completion_tokens": count,
                "ttft_s": first - start, "decode_tok_s": (count - 1) / decode_s if decode_s > 0 else 0.0}

    def _emit(self, request_id: int, text: str, sent: int, stops: list[str]) -> tuple[str, int, bool]:
        """Send new text, holding back a tail that could still become a stop string."""
        for stop in stops:
            at = text.find(stop, max(0, sent - len(stop)))
            if at != -1:
                text = text[:at]
                if sent < len(text):
                    self.send(request_id, "token", text[sent:])
                return text, len(text), True
        hold = 0
        for stop in stops:
            for n in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        end = len(text) - hold
        if end > sent:
            self.send(request_id, "token", text[sent:end])
            sent = end
        return text, sent, False


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]))
