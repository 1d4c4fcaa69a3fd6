"""MMLU / C-Eval read offline from the Hugging Face caches, in the layouts `huggingface_hub` and
`datasets` write: the files are made here, with invented questions, in those layouts."""
from __future__ import annotations

import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from desktop.benchmarks import multiple_choice as mc
from desktop.cli.main import main
from desktop.errors import HearthError

MMLU_DEV = [{"question": f"What is {n} plus 1?", "subject": "arithmetic", "choices": [str(n + 1), "0", "7", "9"],
             "answer": 0} for n in range(5)]
MMLU_TEST = [{"question": "What is 2 times 3?", "subject": "arithmetic", "choices": ["5", "6", "8", "9"], "answer": 1},
             {"question": "Which planet is called red?", "subject": "astronomy", "choices": ["Venus", "Earth", "Mars",
                                                                                           "Pluto"], "answer": 2}]
CEVAL_DEV = [{"id": n, "question": f"{n}加1等于几？", "A": str(n + 1), "B": "0", "C": "7", "D": "9", "answer": "A",
              "explanation": ""} for n in range(5)]
CEVAL_VAL = [{"id": 0, "question": "中国的首都是哪里？", "A": "上海", "B": "北京", "C": "广州", "D": "深圳",
              "answer": "B", "explanation": ""},
             {"id": 1, "question": "一周有几天？", "A": "五", "B": "六", "C": "八", "D": "七", "answer": "D",
              "explanation": ""}]


@pytest.fixture
def hf_home(tmp_path, monkeypatch):
    home = tmp_path / "huggingface"
    monkeypatch.setenv("HF_HOME", str(home))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_DATASETS_CACHE"):
        monkeypatch.delenv(name, raising=False)
    return home


def hub_snapshot(home, repo: str, files: dict[str, list[dict]]):
    """What `hf download REPO --repo-type dataset` leaves: blobs, a snapshot of links, refs/main."""
    owner, name = repo.split("/")
    root = home / "hub" / f"datasets--{owner}--{name}"
    snapshot = root / "snapshots" / "0123abcd"
    for relative, rows in files.items():
        blob = root / "blobs" / relative.replace("/", "_")
        blob.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows), blob)
        (snapshot / relative).parent.mkdir(parents=True, exist_ok=True)
        (snapshot / relative).symlink_to(blob)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text("0123abcd")
    return snapshot


def datasets_arrow(home, repo: str, subject: str, files: dict[str, list[dict]], fingerprint="f00d"):
    """What `load_dataset(REPO, SUBJECT)` leaves: Arrow streams under datasets/<owner>___<name>/."""
    owner, name = repo.split("/")
    folder = home / "datasets" / f"{owner}___{name}" / subject / "0.0.0" / fingerprint
    folder.mkdir(parents=True)
    for split, rows in files.items():
        table = pa.Table.from_pylist(rows)
        with pa.OSFile(str(folder / f"{name}-{split}.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(table)
    return home / "datasets" / f"{owner}___{name}"


def test_mmlu_from_a_hub_snapshot_is_read_per_subject_as_the_csv_would_be(hf_home):
    hub_snapshot(hf_home, "cais/mmlu", {"arithmetic/dev-00000-of-00001.parquet": MMLU_DEV,
                                        "arithmetic/test-00000-of-00001.parquet": MMLU_TEST[:1],
                                        "astronomy/test-00000-of-00001.parquet": MMLU_TEST[1:]})
    folder = mc.default_data(mc.MMLU)
    test = mc.load_split(mc.MMLU, folder, "test")
    assert sorted(test) == ["arithmetic", "astronomy"]
    assert test["arithmetic"][0] == mc.Question("arithmetic/1", "arithmetic", "What is 2 times 3?",
                                                ("5", "6", "8", "9"), "B")
    assert test["astronomy"][0].answer == "C"
    assert [q.answer for q in mc.load_split(mc.MMLU, folder, "dev")["arithmetic"]] == ["A"] * 5


def test_mmlus_all_subject_is_split_by_its_subject_column_and_not_read_twice(hf_home):
    hub_snapshot(hf_home, "cais/mmlu", {"all/test-00000-of-00001.parquet": MMLU_TEST,
                                        "astronomy/test-00000-of-00001.parquet": MMLU_TEST[1:]})
    test = mc.load_split(mc.MMLU, mc.default_data(mc.MMLU), "test")
    assert {s: len(qs) for s, qs in test.items()} == {"arithmetic": 1, "astronomy": 1}


def test_ceval_from_the_datasets_arrow_cache_keeps_its_ids(hf_home):
    datasets_arrow(hf_home, "ceval/ceval-exam", "geography", {"dev": CEVAL_DEV, "val": CEVAL_VAL, "test": CEVAL_VAL})
    val = mc.load_split(mc.CEVAL, mc.default_data(mc.CEVAL), "val")
    assert [(q.id, q.answer) for q in val["geography"]] == [("geography/0", "B"), ("geography/1", "D")]
    assert mc.prompt(val["geography"][0], [], mc.CEVAL).endswith("D. 深圳\n答案：")


def test_a_subject_prepared_twice_by_datasets_counts_once(hf_home):
    datasets_arrow(hf_home, "ceval/ceval-exam", "geography", {"val": CEVAL_VAL}, fingerprint="old")
    datasets_arrow(hf_home, "ceval/ceval-exam", "geography", {"val": CEVAL_VAL}, fingerprint="new")
    assert len(mc.load_split(mc.CEVAL, mc.default_data(mc.CEVAL), "val")["geography"]) == 2


def test_a_bad_row_names_file_and_row(hf_home):
    bad = [CEVAL_VAL[0], {**CEVAL_VAL[1], "answer": "E"}]
    snapshot = hub_snapshot(hf_home, "ceval/ceval-exam", {"geography/val-00000-of-00001.parquet": bad})
    with pytest.raises(HearthError, match=r"val-00000-of-00001.parquet, row 2: expected"):
        mc.load_split(mc.CEVAL, snapshot, "val")


def test_a_damaged_cache_file_is_one_line(hf_home):
    snapshot = hub_snapshot(hf_home, "ceval/ceval-exam", {"geography/val-00000-of-00001.parquet": CEVAL_VAL})
    target = (snapshot / "geography" / "val-00000-of-00001.parquet").resolve()
    target.write_bytes(target.read_bytes()[:40])
    with pytest.raises(HearthError, match=r"val-00000-of-00001.parquet: cannot read it"):
        mc.load_split(mc.CEVAL, snapshot, "val")


def test_a_missing_set_is_one_line_saying_where_to_put_it(hf_home, capsys):
    assert main(["eval", "mmlu", "-m", "smollm2-135m"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no MMLU data found: download cais/mmlu into the Hugging Face cache" in err and str(hf_home) in err


def test_without_pyarrow_the_cache_is_one_line_naming_what_to_install(hf_home, monkeypatch):
    snapshot = hub_snapshot(hf_home, "ceval/ceval-exam", {"geography/val-00000-of-00001.parquet": CEVAL_VAL})
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import pyarrow` raises ImportError
    with pytest.raises(HearthError, match=r"needs pyarrow: `pip install pyarrow`"):
        mc.load_split(mc.CEVAL, snapshot, "val")


@pytest.mark.slow  # a real run of the model
def test_a_real_run_scores_the_cached_questions(hf_home, smollm_path, hearth_home, capsys):
    datasets_arrow(hf_home, "ceval/ceval-exam", "geography", {"dev": CEVAL_DEV, "val": CEVAL_VAL})
    assert main(["eval", "ceval", "-m", str(smollm_path), "--shots", "2", "--ctx", "1024"]) == 0
    saved = json.loads(next((hearth_home / "evals" / "ceval").glob("*.json")).read_text())
    assert [a["answer"] for a in saved["answers"]] == ["B", "D"]
    assert all(a["choice"] in "ABCD" for a in saved["answers"]) and saved["data"].endswith("ceval___ceval-exam")
    assert "| geography | 2 |" in capsys.readouterr().out
