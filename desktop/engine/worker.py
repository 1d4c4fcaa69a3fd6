"""The engine's worker process: the only place llama.cpp runs.

A native crash here (segfault, abort, the kernel's OOM killer) ends this process only; the client
sees the pipe close and reports it. Two threads: a reader that receives messages (and answers
cheap ones such as token counts at once, so the app's context gauge never waits behind an answer)
and the main thread that loads models and generates. Up to `LoadOptions.parallel` answers are
decoded together (desktop.engine.slots); requests beyond that wait, the app's ahead of the
others, each kind in arrival order. Embeddings run between decode steps; loads and "settle" wait
for the answers requested before them.

Messages in: (kind, request_id, payload). Messages out: (request_id, kind, data).
"""
from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
import time
from collections import deque
from typing import Any

import psutil

from desktop.engine.answer_stream import AnswerStream
from desktop.engine import device_backends
from desktop.engine.batch_decode import DecodeError
from desktop.engine.context_policy import fit_messages
from desktop.engine.cpu_backends import backend_name
from desktop.engine.embedder import Embedders
from desktop.engine.hardware import choose_gpu_layers, estimate_vram, gpu_devices, llama_devices, physical_cores
from desktop.engine.load_plan import LoadPlan, check_fits, plan_load
from desktop.engine.load_readback import PREFIXES, read_context
from desktop.engine.memory_estimate import MemoryEstimate
from desktop.engine.prompt_chunks import PromptChunks, chunks_for, common_prefix, sample_renders
from desktop.engine.prompt_lookup import PromptLookup
from desktop.engine.runtime_check import Choice, apply, choice_from_env, device_line
from desktop.engine.sampler_chain import SamplingLlama
from desktop.engine.slots import Scheduler, Slot
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
# Requests answered between decode steps, not after the running answers: embeddings have their own
# context (desktop.engine.embedder) and build info reads nothing an answer changes.
BETWEEN_STEPS = frozenset({"embed", "build_info"})
# llama.cpp has one log callback a process: held here, not by a Worker, which may be collected
# while llama.cpp still calls it (a Worker run on a thread of a test process: a later model's free
# then jumped into freed memory, SIGSEGV or SIGILL).
_log_callback: Any = None


@contextlib.contextmanager
def context_settings(llama_cpp: Any, flash_mode: str, n_seq: int):
    """What llama-cpp-python's Llama cannot ask for, given to the context it creates while this
    is active: flash attention "auto" (llama.cpp itself decides: on where the device supports it
    for every layer; the Llama only passes on or off), and `n_seq` sequences with a KV stream
    each (desktop.engine.batch_decode)."""
    from llama_cpp import _internals

    plain = _internals.LlamaContext

    class SlottedContext(plain):
        def __init__(self, *, model: Any, params: Any, verbose: bool = True) -> None:
            if flash_mode == "auto":
                params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO
            params.n_seq_max = n_seq
            params.kv_unified = False
            super().__init__(model=model, params=params, verbose=verbose)

    _internals.LlamaContext = SlottedContext
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
        self.pending: deque[tuple[str, int, Any]] = deque()  # received, not yet started
        self.stopping = False
        self.cancelled: set[int] = set()
        self.orphaned = False  # the parent is gone (kill -9, crash): stop the answer being decoded
        self.llm = None
        self.scheduler: Scheduler | None = None
        self.answering: dict[int, tuple[Slot, list[dict] | None, dict]] = {}  # request id: slot, messages, summary
        self.follow_up: tuple[Slot, list[dict], str] | None = None  # the last chat answered, to prepare
        self.info: GgufInfo | None = None
        self.template: ChatTemplate | None = None
        self.n_ctx = 0
        self.add_bos = False
        self.bos_text = ""
        self.log_errors: deque[str] = deque(maxlen=8)
        self._last_tokens: tuple[str | None, list[int]] = (None, [])
        self.chunks = PromptChunks()
        self._sample_renders: tuple[str, ...] = ()
        self._load_log: list[str] | None = None  # llama.cpp's context lines, kept during a load
        self.memory: MemoryEstimate | None = None  # the loaded model's estimate
        self.draft = "none"  # the loaded model's LoadOptions.draft
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
        while self._gather(block=not self._busy()):
            scheduler = self.scheduler
            if (job := self._next_answer()) is not None:
                pass
            elif scheduler is not None and scheduler.active:
                self._guarded(0, scheduler.step)
                continue
            elif self.follow_up is not None and all(kind == "settle" for kind, _, _ in self.pending):
                self._prepare_follow_up()
                continue
            else:
                job = self.pending.popleft()
            kind, request_id, payload = job
            self._guarded(request_id, lambda: handlers[kind](request_id, payload))

    def _guarded(self, request_id: int, work: Any) -> None:
        """Run `work`; an error fails its request, and every answer in the batch if decoding failed."""
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - report, keep serving: one bad request must not end the worker
            message = str(exc) if isinstance(exc, HearthError) else f"{type(exc).__name__}: {exc}"
            failed = [request_id] if request_id else []
            if self.scheduler is not None and (not request_id or isinstance(exc, DecodeError)):
                failed += [stream.request_id for stream in self.scheduler.fail_all()]
            for failed_id in dict.fromkeys(failed):
                self.answering.pop(failed_id, None)
                self.cancelled.discard(failed_id)
                self.send(failed_id, "error", {"kind": "request", "message": message})

    def _gather(self, block: bool) -> bool:
        """Move received messages to `pending` (waiting for one when `block`); False at the end."""
        if self.stopping:
            return False
        try:
            job = self.jobs.get() if block else self.jobs.get_nowait()
            while True:
                if job is None:
                    self.stopping = True
                    return False
                self.pending.append(job)
                job = self.jobs.get_nowait()
        except queue.Empty:
            return True

    def _busy(self) -> bool:
        return bool(self.pending) or self.follow_up is not None or (
            self.scheduler is not None and self.scheduler.active)

    def _next_answer(self) -> tuple[str, int, Any] | None:
        """The request to start now: of those received before the next load or settle, an
        embedding request or build info (they leave the answers alone, so they run between decode
        steps), else the app's answer first, else the earliest; an answer only while a slot is free
        (or it was cancelled already)."""
        ahead = self._before_barrier()
        candidates = [job for job in ahead if job[0] == "generate"]
        between = next((job for job in ahead if job[0] in BETWEEN_STEPS), None)
        cancelled = next((job for job in candidates if job[1] in self.cancelled), None)
        if (job := between or cancelled) is not None:  # a cancelled one is answered at once, slot or not
            self.pending.remove(job)
            return job
        if not candidates:
            return None
        job = max(candidates, key=lambda j: j[2].get("priority", 0))  # max keeps the earliest of equals
        if self.scheduler is not None and not self.scheduler.has_room():
            return None
        self.pending.remove(job)
        return job

    def _answer_waiting(self) -> bool:
        """Another answer could start next (one of the requests `_next_answer` would consider)."""
        self._gather(block=False)
        return any(kind == "generate" and request_id not in self.cancelled
                   for kind, request_id, _ in self._before_barrier())

    def _before_barrier(self) -> list[tuple[str, int, Any]]:
        """The received requests up to the next load or settle, which wait for all before them."""
        ahead = []
        for job in self.pending:
            if job[0] != "generate" and job[0] not in BETWEEN_STEPS:
                break
            ahead.append(job)
        return ahead

    def _read(self) -> None:
        while True:
            try:
                kind, request_id, payload = self.conn.recv()
            except (EOFError, OSError):
                self.orphaned = True
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

        global _log_callback
        _log_callback = capture  # keep a reference: ctypes would free it otherwise
        llama_cpp.llama_log_set(capture, None)

    def _plan(self, llama_cpp: Any, options: LoadOptions, info: GgufInfo) -> tuple[LoadPlan, int, str]:
        """Check the options and the memory they need before anything is unloaded or allocated:
        a refused load leaves the loaded model as it was."""
        plan = plan_load(options, info)
        flash = plan.flash_attn != "off"
        vram_need = estimate_vram(info, plan.n_ctx, plan.kv_type, flash)
        # gpu_build(): a portable build's GPU backend file that did not load (no driver here) still
        # makes this a GPU build: its line is "no GPU found", not "no GPU support"
        gpu_layers, offload = choose_gpu_layers(info, plan.n_ctx, device_backends.gpu_build(),
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
        self.follow_up = None
        if self.llm is not None:
            self.embedders.forget_chat_model()
            self.scheduler.close()
            self.llm.close()
            self.llm, self.memory, self.scheduler = None, None, None
        if gpu_layers == 0 and self.runtime.off:
            offload = device_line(self.runtime)  # the reason it runs slower than it could
        threads = options.n_threads or physical_cores()
        self.log_errors.clear()
        self._load_log = []
        try:
            with context_settings(llama_cpp, plan.flash_attn, plan.sequences):
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
        self.llm, self.info, self.n_ctx = llm, info, llama_cpp.llama_n_ctx_seq(llm.ctx)
        self.scheduler = Scheduler(llm, plan.parallel, self.n_ctx, self._answered, self._cancelled,
                                   stream_bytes=plan.memory.kv_cache // plan.sequences)
        self.draft = options.draft
        if self.draft == "prompt-lookup":
            self.scheduler.calibrate_drafts(options.draft_min)
        self._last_tokens = (None, [])  # another model tokenizes differently
        self.add_bos = bool(info.metadata.get("tokenizer.ggml.add_bos_token", info.architecture == "llama"))
        self.bos_text = self._token_text(llm.token_bos())

        def has_token(text: str) -> bool:
            return len(llm.tokenize(text.encode(), add_bos=False, special=True)) == 1

        self.template, warning = choose_template(info.chat_template, has_token, self.bos_text,
                                                 self._token_text(llm.token_eos()))
        self._sample_renders = ()
        self._evaluate_openings()
        model = ModelInfo(
            path=str(info.path), name=info.name, architecture=info.architecture,
            size_bytes=info.size_bytes, parameters=info.parameters, quantization=info.quantization,
            context_length=info.context_length, n_ctx=self.n_ctx, n_gpu_layers=gpu_layers,
            n_threads=threads, parallel=plan.parallel, offload=offload, chat_template_sha256=self.template.sha256,
            chat_template_source=self.template.source, license=info.license, source_url=info.source_url,
            memory_estimate_bytes=plan.memory.total, tool_tags_are_tokens=self._tool_tags_are_tokens(),
            **built)
        self.send(request_id, "loaded", {"model": model.to_dict(), "warning": warning})

    def _evaluate_openings(self) -> None:
        """Evaluate now, not in a request, what conversations start with: the template's opening
        in every slot, and in the first the chunk of the default system prompt the template adds
        when a conversation brings none (the other slots copy it when they need it)."""
        chunks, scheduler = self._prompt_chunks(), self.scheduler
        if chunks.opening:
            for slot in scheduler.slots:
                scheduler.prefill(slot, chunks.opening, [], lambda: False)
        try:
            tokens = self._tokenize(self._render([{"role": "user", "content": "Epsilon."}]))
        except HearthError:
            return
        scheduler.prepare(scheduler.slots[0], tokens, chunks.cuts(tokens), lambda: False)

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
        gpu_files = [backend_name(path.name) for path in device_backends.backend_files()]
        self.send(request_id, "build_info", {
            "llama_cpp_python": llama_cpp.__version__,
            "gpu_offload": bool(gpu),
            "gpu_code": bool(gpu or gpu_files),  # GPU code, found a device to run on or not
            "backend": found[0].backend if found else "GPU" if gpu else gpu_files[0].upper() if gpu_files else "CPU",
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
        self.follow_up = None  # another request came: no head start for the last conversation
        if self._cancelled(request_id):  # cancelled while it waited its turn: no work at all
            self.send(request_id, "done", self._cancelled_result(payload))
            return
        params = SamplingParams.from_dict(payload["params"])
        dropped, messages = 0, None
        if payload.get("messages") is not None:
            tools = payload.get("tools")
            messages, dropped = fit_messages(payload["messages"], lambda m: self._count_messages(m, tools),
                                             self.n_ctx, params.max_tokens)
            prompt = self._render(messages, tools)
        else:
            prompt = payload["prompt"]
        tokens = self._tokenize(prompt)
        cuts = self._prompt_chunks().cuts(tokens)
        room = self.n_ctx - len(tokens)
        if room <= 0:
            raise HearthError(f"the prompt is {len(tokens)} tokens but the context is {self.n_ctx} tokens")
        budget = min(params.max_tokens, room) if params.max_tokens and params.max_tokens > 0 else room
        seed = params.seed if params.seed is not None else random.randrange(2**31)
        processors = constraint = None
        if payload.get("constraint"):
            from llama_cpp import LogitsProcessorList

            from desktop.engine.constraint_processor import make_logits_processor

            constraint = make_logits_processor(self.llm, Constraint.from_dict(payload["constraint"]), budget)
            processors = LogitsProcessorList([constraint])
        start = time.perf_counter()  # time to first token includes evaluating the prompt
        scheduler = self.scheduler
        slot = scheduler.free_slot(tokens, cuts)
        summary = {"prompt_tokens": len(tokens), "seed": seed, "dropped_messages": dropped}
        cached = scheduler.prefill(slot, tokens, cuts, lambda: self._cancelled(request_id))
        if cached is None:
            self.send(request_id, "done", {**self._cancelled_result(payload), **summary, "cached_tokens": 0})
            return
        summary["cached_tokens"] = cached
        self.answering[request_id] = (slot, messages, summary)
        stream = AnswerStream(request_id, self.llm, slot.memory, params, seed, processors, budget, self.send, start)
        stream.drafter = PromptLookup() if self.draft == "prompt-lookup" else None
        stream.constraint = constraint
        scheduler.begin(slot, stream, hold=self._answer_waiting() and scheduler.free_slots() > 1)

    def _answered(self, stream: AnswerStream) -> None:
        """An answer ended (the scheduler's `finished`): send its end, remember a chat for its follow-up."""
        request_id = stream.request_id
        slot, messages, summary = self.answering.pop(request_id)
        result = {**stream.result(), **summary}
        self.cancelled.discard(request_id)
        self.send(request_id, "done", result)
        if messages is not None and result["finish_reason"] != "cancelled":
            self.follow_up = (slot, messages, result["text"])

    def _cancelled(self, request_id: int) -> bool:
        if self.orphaned:  # nobody will read the answer; the worker ends as soon as it stops
            return True
        if request_id in self.cancelled:
            self.cancelled.discard(request_id)
            return True
        return False

    def _prepare_follow_up(self) -> None:
        """While the user reads the answer, evaluate the conversation so far the way the next
        request of this conversation will be cut (up to where the user's next words begin), so a
        follow-up only evaluates the new message. Any other request arriving stops it between
        chunks; one that does not continue this conversation simply doesn't reuse it."""
        slot, messages, answer = self.follow_up
        quiet_from = time.monotonic() + PREPARE_AFTER_S
        while (left := quiet_from - time.monotonic()) > 0:
            if self._work_waiting():
                return  # the loop sees the request (or the end) and drops the follow-up
            time.sleep(min(left, 0.01))
        self.follow_up = None
        try:
            renders = [self.template.render([*messages, {"role": "assistant", "content": answer},
                                             {"role": "user", "content": words}]) for words in ("Kappa?", "Lambda!")]
        except TemplateFailure:
            return
        upcoming = common_prefix([self._tokenize(text) for text in renders])
        if len(upcoming) >= self.n_ctx:
            return
        try:
            self.scheduler.prepare(slot, upcoming, self.chunks.cuts(upcoming), self._work_waiting)
        except Exception as exc:  # noqa: BLE001 - only a head start: the answer was already delivered
            log.warning("preparing the follow-up failed: %s", exc)

    def _work_waiting(self) -> bool:
        """A request is waiting ("settle" only waits for this work, so it does not count)."""
        self._gather(block=False)
        return self.stopping or any(job[0] != "settle" for job in self.pending)

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


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]))
