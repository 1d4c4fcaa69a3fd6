"""Chat templates: the model's own when it works, a built-in one when it is broken or hostile."""
import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.engine.templates import TemplateFailure, ChatTemplate, builtin_family, choose_template
from tests.gguf_factory import copy_with_metadata

CHATML_VOCAB = {"<|im_start|>", "<|im_end|>"}
MESSAGES = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi there"}]


def has(vocab):
    return lambda token: token in vocab


def test_a_good_template_is_used_as_is():
    source = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
    template, warning = choose_template(source, has(CHATML_VOCAB), "", "")
    assert warning is None and template.source == "gguf"
    assert template.render(MESSAGES) == "[system] Be kind.\n[user] Hi there\n"


@pytest.mark.parametrize("source, reason", [
    ("{% for m in messages %}{{ m.content }", "syntax error"),
    ("{{ raise_exception('no system role') }}", "no system role"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),
    ("{% for m in messages %}{% set _ = m.update({'x': 1}) %}{% endfor %}", "SecurityError"),
    ("hello", "leaves out the user's messages"),
])
def test_broken_and_hostile_templates_fall_back_with_a_reason(source, reason):
    template, warning = choose_template(source, has(CHATML_VOCAB), "", "")
    assert template.source.startswith("builtin:chatml")
    assert reason in warning
    assert "<|im_start|>user\nHi there<|im_end|>" in template.render(MESSAGES)


def test_a_template_that_runs_forever_is_stopped():
    slow = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    template, warning = choose_template(slow, has(CHATML_VOCAB), "", "")
    assert "longer than" in warning and template.source.startswith("builtin:")


@pytest.mark.parametrize("vocab, family", [
    ({"<|start_header_id|>"}, "llama3"), ({"<start_of_turn>"}, "gemma"), ({"<|end|>"}, "phi3"),
    (set(), "llama2"), (CHATML_VOCAB, "chatml"),
])
def test_the_builtin_family_follows_the_vocabulary(vocab, family):
    assert builtin_family(has(vocab)) == family


def test_render_errors_are_template_failures():
    template = ChatTemplate("{{ messages[5].content }}", "gguf", "", "")
    with pytest.raises(TemplateFailure):
        template.render(MESSAGES)


def test_a_model_with_a_hostile_template_still_chats(smollm_path, tmp_path):
    hostile = copy_with_metadata(smollm_path, tmp_path / "hostile.gguf", {
        "tokenizer.chat_template": "{{ cycler.__init__.__globals__.os.system('touch pwned') }}"})
    with EngineClient() as engine:
        info = engine.load(LoadOptions(str(hostile), n_ctx=512))
        assert info.chat_template_source.startswith("builtin:chatml")
        assert "built-in chatml" in engine.load_warning
        done = engine.chat([ChatMessage("user", "Hello")], SamplingParams(max_tokens=4, seed=1)).collect()
        assert 1 <= done.completion_tokens <= 4 and done.text.strip()  # a short reply may end early
    assert not (tmp_path / "pwned").exists()
