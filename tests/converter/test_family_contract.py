"""Every family is one declared `Family` value, and the type checker holds the family files to it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from converter.families import BY_HF_ARCHITECTURE, FAMILIES, family_for
from converter.families.family import Family
from desktop.errors import HearthError

REPO = Path(__file__).resolve().parents[2]
CONTRACT_FILES = ["converter/families", "converter/decoder.py", "converter/experts.py", "converter/plan.py", "converter/convert.py"]


def test_every_family_module_declares_one_family():
    import importlib
    import pkgutil

    import converter.families as package

    modules = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name != "family"]
    declared = {family.name for family in FAMILIES}
    assert declared == set(modules)
    for name in modules:
        family = importlib.import_module(f"converter.families.{name}").FAMILY
        assert isinstance(family, Family) and family.name == name


def test_class_names_belong_to_one_family_each():
    assert sum(len(f.hf_architectures) for f in FAMILIES) == len(BY_HF_ARCHITECTURE)


def test_refused_architecture_is_one_line_listing_the_supported_ones():
    with pytest.raises(HearthError) as caught:
        family_for({"architectures": ["MambaForCausalLM"]})
    message = str(caught.value)
    assert "\n" not in message and "MambaForCausalLM" in message
    assert all(name in message for name in BY_HF_ARCHITECTURE)


def test_family_files_pass_the_type_checker():
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent",
                             "--no-error-summary", *CONTRACT_FILES], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
