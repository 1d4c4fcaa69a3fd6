"""`hearth-convert` as users and the app run it: one line per problem, exit codes, no partial files."""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import checkpoints

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args, preexec_fn=None, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "converter", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=env, preexec_fn=preexec_fn, timeout=timeout)


@pytest.fixture
def checkpoint(tmp_path):
    """A writable copy of the tiny Llama 3 checkpoint, to break in different ways."""
    folder = tmp_path / "ckpt"
    shutil.copytree(checkpoints.tiny("llama3"), folder)
    return folder


def _edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


def _make_tokenizer_unigram(folder, byte_fallback=False, normalizer=None, vocab=None):
    """The checkpoint's tokenizer.json rewritten as a Unigram one (no tokenizer.model beside it)."""
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    pieces = sorted(data["model"]["vocab"], key=data["model"]["vocab"].get)
    data["model"] = {"type": "Unigram", "unk_id": 0, "vocab": vocab or [[p, -1.0] for p in pieces],
                     "byte_fallback": byte_fallback}
    data["normalizer"] = normalizer
    data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")


def _make_tokenizer_wordpiece(folder):
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    data["model"] = {"type": "WordPiece", "unk_token": "[UNK]", "vocab": data["model"]["vocab"]}
    data["pre_tokenizer"] = {"type": "Whitespace"}
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")


BREAKAGES = {
    "missing config": (lambda f: (f / "config.json").unlink(), "no config.json"),
    "missing weights": (lambda f: (f / "model.safetensors").unlink(), "no model weights"),
    "unknown architecture": (lambda f: _edit_config(f, architectures=["BertForMaskedLM"]),
                             "unsupported architecture BertForMaskedLM; supported: Gemma2ForCausalLM"),
    "shape mismatch": (lambda f: _edit_config(f, intermediate_size=96), "but config.json implies [64, 96]"),
    "truncated weights": (lambda f: os.truncate(f / "model.safetensors", (f / "model.safetensors").stat().st_size // 2),
                          "is truncated"),
    "unigram with byte fallback": (lambda f: _make_tokenizer_unigram(f, byte_fallback=True), "falls back to bytes"),
    "unigram lowercasing": (lambda f: _make_tokenizer_unigram(f, normalizer={"type": "Lowercase"}),
                            "uses the normalizer step {\"type\": \"Lowercase\"}, which llama.cpp's Unigram tokenizer cannot repeat"),
    "unigram vocabulary damaged": (lambda f: _make_tokenizer_unigram(f, vocab=[["a", "x"]]),
                                   "Unigram vocabulary is not a list of [piece, score]"),
    "wordpiece tokenizer.json only": (_make_tokenizer_wordpiece, "neither byte-level BPE, SentencePiece BPE nor Unigram"),
    "missing tokenizer": (lambda f: [(f / n).unlink() for n in ("tokenizer.json",)], "has no tokenizer"),
}


@pytest.mark.parametrize("case", list(BREAKAGES))
def test_bad_checkpoint_is_one_line_exit_1_and_no_file(case, checkpoint, tmp_path):
    breakage, message = BREAKAGES[case]
    breakage(checkpoint)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = run_cli(checkpoint, out_dir / "model.gguf")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("hearth-convert: error: ")
    assert message in proc.stderr
    assert list(out_dir.iterdir()) == []


def test_existing_output_needs_force(checkpoint, tmp_path):
    out = tmp_path / "model.gguf"
    out.write_bytes(b"keep me")
    proc = run_cli(checkpoint, out, "--outtype", "f16")
    assert proc.returncode == 1 and "already exists; pass --force" in proc.stderr
    assert out.read_bytes() == b"keep me"
    assert run_cli(checkpoint, out, "--outtype", "f16", "--force").returncode == 0
    assert out.read_bytes()[:4] == b"GGUF"


def test_full_disk_leaves_nothing_behind(checkpoint, tmp_path):
    def small_file_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = run_cli(checkpoint, out_dir / "model.gguf", "--outtype", "f32", preexec_fn=small_file_limit)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "write it elsewhere" in proc.stderr
    assert list(out_dir.iterdir()) == []


def test_repo_id_offline_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "converter", "nobody-here/no-such-model", tmp_path / "m.gguf"],
                          capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
                               "HF_HOME": str(tmp_path / "hf")})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("hearth-convert: error: cannot reach the Hugging Face hub")


def test_progress_json_reports_steps_and_result(checkpoint, tmp_path):
    proc = run_cli(checkpoint, tmp_path / "m.gguf", "--outtype", "q8_0", "--progress-json")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    writes = [line for line in lines if line["stage"] == "write"]
    assert writes[-1]["done"] == writes[-1]["total"] > 0
    result = lines[-1]
    assert result["stage"] == "result" and result["outtype"] == "q8_0" and result["arch"] == "llama"
    assert Path(result["path"]).stat().st_size == result["size_bytes"]


def test_sigterm_cancels_cleanly(smollm_path, tmp_path):
    src = checkpoints.from_gguf(smollm_path, "smollm2-135m", "smollm")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "converter", str(src), str(out_dir / "m.gguf"), "--outtype",
                             "q8_0", "--progress-json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    for line in proc.stdout:
        step = json.loads(line)
        if step["stage"] == "write" and step["done"] > 0:
            break
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    assert "cancelled" in proc.stderr.read()
    assert list(out_dir.iterdir()) == []


def test_verify_reports_against_the_unquantized_model(checkpoint, tmp_path):
    proc = run_cli(checkpoint, tmp_path / "m.gguf", "--outtype", "q8_0", "--verify", "--progress-json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])["verify"]
    assert report["reference"] == "f16"
    assert 0.0 < report["mean_kld"] < 0.05 and 0.9 < report["top1_agreement"] <= 1.0
    assert report["size_result_bytes"] < report["size_reference_bytes"]
    assert list(tmp_path.glob(".verify-*")) == []  # the reference is deleted afterwards
    human = run_cli(checkpoint, tmp_path / "m.gguf", "--outtype", "q4_0", "--verify", "--force")
    assert "mean KL divergence" in human.stdout and "top-1 agreement" in human.stdout


@pytest.mark.parametrize("damage, message", [
    ("drop", "expert 1 of model.layers.0.mlp.experts.up_proj.weight is missing"),
    ("reshape", "the experts of model.layers.0.mlp.experts.up_proj.weight differ in shape"),
])
def test_damaged_experts_are_one_line(damage, message, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = tmp_path / "moe"
    shutil.copytree(checkpoints.tiny("qwen3-moe"), folder)
    weights = load_file(folder / "model.safetensors")
    name = "model.layers.0.mlp.experts.1.up_proj.weight"
    if damage == "drop":
        del weights[name]
    else:
        weights[name] = weights[name][:-1]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    proc = run_cli(folder, tmp_path / "out.gguf")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert message in proc.stderr
    assert not (tmp_path / "out.gguf").exists()


@pytest.mark.parametrize("damage, message", [
    ("odd rows", "has 63 rows per expert; gate and up need an even number"),
    ("flat", "fused experts are 3-D"),
    ("one expert short", "model.layers.0.mlp.experts.gate_proj.weight has shape [3, 32, 64] but config.json implies [4, 32, 64]"),
])
def test_damaged_fused_experts_are_one_line(damage, message, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = tmp_path / "moe"
    shutil.copytree(checkpoints.tiny("qwen3-moe-fused"), folder)
    weights = load_file(folder / "model.safetensors")
    name = "model.layers.0.mlp.experts.gate_up_proj"
    weights[name] = {"odd rows": lambda w: w[:, :-1].copy(), "flat": lambda w: w.reshape(-1, w.shape[-1]),
                     "one expert short": lambda w: w[:-1].copy()}[damage](weights[name])
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    proc = run_cli(folder, tmp_path / "out.gguf")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert not (tmp_path / "out.gguf").exists()
