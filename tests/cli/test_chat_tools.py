"""`hearth chat --tool`: the call comes out as one line of JSON whose arguments validate."""
import json
import os
import subprocess
import sys

import jsonschema
import pytest

WEATHER = {"name": "get_weather", "description": "Current weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 30},
                                                           "unit": {"enum": ["celsius", "fahrenheit"]}},
                          "required": ["city", "unit"], "additionalProperties": False}}
ADD = {"type": "function", "function": {"name": "add", "parameters": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"], "additionalProperties": False}}}


def hearth(*args):
    return subprocess.run([sys.executable, "-m", "desktop", "chat", "--no-save", "--seed", "2",
                           "--max-tokens", "60", *args], capture_output=True, text=True, env=dict(os.environ),
                          timeout=1200)  # a stuck process only: busy CI machines are slow


def tool_files(tmp_path):
    weather, add = tmp_path / "weather.json", tmp_path / "add.json"
    weather.write_text(json.dumps(WEATHER))  # a bare function
    add.write_text(json.dumps([ADD]))  # a list of OpenAI tools
    return str(weather), str(add)


@pytest.mark.timeout(1800)  # a model loads in a child process; only a stuck run takes this long
def test_a_required_call_is_printed_as_json(tmp_path, smollm_path):
    weather, add = tool_files(tmp_path)
    result = hearth("-m", str(smollm_path), "--tool", weather, "--tool", add, "--tool-choice", "get_weather",
                    "--no-parallel-tool-calls", "What is the weather in Paris?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    [call] = answer["tool_calls"]
    assert call["name"] == "get_weather"
    jsonschema.validate(call["arguments"], WEATHER["parameters"])


@pytest.mark.timeout(1800)
def test_auto_prints_json_too(tmp_path, smollm_path):
    weather, _ = tool_files(tmp_path)
    result = hearth("-m", str(smollm_path), "--tool", weather, "Say hello.")
    assert result.returncode in (0, 1), result.stderr
    if result.returncode == 0:
        answer = json.loads(result.stdout)
        assert answer["content"] or answer["tool_calls"]
    else:  # cut short by max_tokens: said plainly
        assert "max_tokens" in result.stderr


def one_line_error(result):
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_bad_tool_files_are_one_line_errors_before_any_model_loads(tmp_path):
    weather, _ = tool_files(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps({"type": "function", "function": {"description": "x"}}))
    model = ["-m", str(tmp_path / "never-loaded.gguf")]
    assert "not valid JSON" in one_line_error(hearth(*model, "--tool", str(broken), "hi"))
    assert "cannot read" in one_line_error(hearth(*model, "--tool", str(tmp_path / "none.json"), "hi"))
    assert f"{nameless}: 'tools[0].function.name'" in one_line_error(hearth(*model, "--tool", str(nameless), "hi"))
    assert "given twice" in one_line_error(hearth(*model, "--tool", weather, "--tool", weather, "hi"))
    assert "--tool-choice: " in one_line_error(hearth(*model, "--tool", weather, "--tool-choice", "nope", "hi"))
    assert "needs at least one" in one_line_error(hearth(*model, "--tool-choice", "required", "hi"))
    assert "cannot be combined" in one_line_error(hearth(*model, "--tool", weather, "--json", "hi"))
