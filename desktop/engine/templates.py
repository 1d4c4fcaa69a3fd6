"""Chat templates: the model's own, rendered safely, or a built-in one for its family.

A GGUF carries its chat template as Jinja source written by whoever converted it. Hearth renders it
in Jinja's immutable sandbox (no attribute tricks, no mutation, bounded ranges) with a time limit,
and checks the result on a probe conversation at load time. A template that is broken, hostile or
slow is replaced by the built-in template of the model's family, and the reason is reported.
"""
from __future__ import annotations

import hashlib
import json
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from desktop.engine.tool_prompt import template_reads_tools, with_builtin_tools

RENDER_SECONDS = 2

# Built-in templates by family, chosen by which special tokens the vocabulary has (first match).
BUILTIN_TEMPLATES: dict[str, tuple[str, str]] = {
    # family: (marker token, template)
    "chatml": ("<|im_start|>",
               "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
               "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"),
    "llama3": ("<|start_header_id|>",
               "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n"
               "{{ m.content | trim }}<|eot_id|>{% endfor %}"
               "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"),
    "gemma": ("<start_of_turn>",
              "{{ bos_token }}{% for m in messages %}<start_of_turn>"
              "{{ 'model' if m.role == 'assistant' else 'user' }}\n{{ m.content | trim }}<end_of_turn>\n"
              "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"),
    "phi3": ("<|end|>",
             "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}<|end|>\n{% endfor %}"
             "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"),
    "llama2": ("",
               "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}[INST] <<SYS>>\n"
               "{{ m.content }}\n<</SYS>>\n\n[/INST]{% elif m.role == 'user' %}[INST] {{ m.content }} [/INST]"
               "{% else %} {{ m.content }}{{ eos_token }}{% endif %}{% endfor %}"),
}

_PROBE = [
    {"role": "system", "content": "PROBE-SYSTEM"},
    {"role": "user", "content": "PROBE-USER-1"},
    {"role": "assistant", "content": "PROBE-ASSISTANT"},
    {"role": "user", "content": "PROBE-USER-2"},
]


class TemplateFailure(Exception):
    """The template could not render this conversation (the message says why)."""


def _raise(message: str) -> None:
    raise TemplateFailure(f"the template raised: {message}")


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    env.filters["tojson"] = lambda value, indent=None: json.dumps(value, ensure_ascii=False, indent=indent)
    return env


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """SIGALRM-based limit; only possible in the main thread of a Unix process (the worker)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):  # signal handler signature
        raise TemplateFailure(f"rendering took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class ChatTemplate:
    """A compiled template plus where it came from ("gguf" or "builtin:<family> (reason)")."""

    source_text: str
    source: str
    bos_token: str
    eos_token: str

    def __post_init__(self) -> None:
        try:
            self._template = _environment().from_string(self.source_text)
        except TemplateError as exc:
            raise TemplateFailure(f"syntax error: {exc}") from None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode()).hexdigest()

    def render(self, messages: list[dict], add_generation_prompt: bool = True,
               tools: list[dict] | None = None) -> str:
        """The prompt text. `tools` (OpenAI's function tools) go to a template that reads them;
        any other template gets them in Hearth's built-in format (engine.tool_prompt)."""
        if template_reads_tools(self.source_text):
            clean = [_clean(m) for m in messages]
        else:
            clean, tools = with_builtin_tools(messages, tools), None
        try:
            with _time_limit(RENDER_SECONDS):
                return self._template.render(
                    messages=clean, add_generation_prompt=add_generation_prompt,
                    bos_token=self.bos_token, eos_token=self.eos_token, tools=tools or None)
        except TemplateFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - sandbox violations, type errors, recursion...
            raise TemplateFailure(f"{type(exc).__name__}: {exc}") from None


def _clean(message: dict) -> dict:
    """A message with just the keys templates read (a tool call's `arguments` as an object)."""
    clean = {"role": message["role"], "content": message.get("content") or ""}
    for key in ("tool_calls", "tool_call_id"):
        if message.get(key):
            clean[key] = message[key]
    return clean


def builtin_family(has_token: Callable[[str], bool]) -> str:
    """The built-in family whose marker token the vocabulary has (llama2 when none match)."""
    for family, (marker, _) in BUILTIN_TEMPLATES.items():
        if marker and has_token(marker):
            return family
    return "llama2"


def choose_template(gguf_template: str | None, has_token: Callable[[str], bool],
                    bos_token: str, eos_token: str) -> tuple[ChatTemplate, str | None]:
    """The model's template if it renders the probe conversation correctly, else a built-in one.

    Returns the template and a warning (None when the model's own template is used)."""
    reason = "the model has no chat template"
    if gguf_template:
        try:
            template = ChatTemplate(gguf_template, "gguf", bos_token, eos_token)
            output = template.render(_PROBE)
            missing = [m["content"] for m in _PROBE if m["content"] not in output and m["role"] == "user"]
            if not missing:
                return template, None
            reason = "its output leaves out the user's messages"
        except TemplateFailure as exc:
            reason = str(exc)
    family = builtin_family(has_token)
    reason = reason.splitlines()[0][:160]
    template = ChatTemplate(BUILTIN_TEMPLATES[family][1], f"builtin:{family} ({reason})", bos_token, eos_token)
    return template, f"using the built-in {family} chat template: {reason}"
