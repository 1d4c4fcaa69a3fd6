#!/usr/bin/env bash
# Packs what packaging/gpu-check.sh needs on a GPU machine that has no package index and takes only
# ~64 MB per call (the machines lent to this project): two folders, each sent with one call.
#
#   packaging/gpu-check-pack.sh DIR [PYTHON_VERSION]     (default 3.12: the GPU machines' Python)
#
#   DIR/1/  SmolLM2-135M's first 61 MB
#   DIR/2/  its other 37 MB; llama-cpp-python's source trimmed to what a CUDA build compiles (4 MB
#           as .tar.xz, against 77 MB: no docs, models, tests, examples or other GPU backends);
#           the wheels of Hearth's dependencies that such a machine lacks, for PYTHON_VERSION;
#           Qwen2.5-Coder-0.5B's skeleton for its same-shape stand-in (bench/same_shape_model.py)
#
# On the GPU machine, the first call keeps DIR/1 where the second finds it, and the second runs
# packaging/gpu-check-unpack.sh with DIR/2 (see the README, GPU: the CUDA build). Needs the
# package index here and .venv; the two catalog models come from the tests' cache (HEARTH_TEST_MODELS).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'gpu-check-pack: %s\n' "$*" >&2; }
[ $# -ge 1 ] || { echo "usage: packaging/gpu-check-pack.sh DIR [PYTHON_VERSION]" >&2; exit 2; }
dir=$1
py=${2:-3.12}
# The catalog's own fetch (verified; downloaded into the tests' model cache when missing).
model() { HEARTH_MODELS=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models} .venv/bin/python -c \
    "import sys; from desktop.models.fetch import ensure_model; print(ensure_model(sys.argv[1]))" "$1"; }
smollm=$(model smollm2-135m)
qwen=$(model qwen2.5-coder-0.5b)
version=$(sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
# Hearth's dependencies that the engine tests import and a PyTorch machine's Python lacks.
wheels=(diskcache gguf platformdirs jsonschema jsonschema-specifications referencing rpds-py llguidance
        starlette uvicorn keyring jaraco.classes jaraco.functools jaraco.context more-itertools)

rm -rf "$dir" && mkdir -p "$dir/1" "$dir/2/whl"
head -c 61000000 "$smollm" >"$dir/1/smollm2.part1"
tail -c +61000001 "$smollm" >"$dir/2/smollm2.part2"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m pip download -q --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$version"
tar -xzf "$work/llama_cpp_python-$version.tar.gz" -C "$work"
src=$work/llama_cpp_python-$version
llama=$src/vendor/llama.cpp
rm -rf "$src"/{docs,examples,tests,docker,.git} "$llama"/{models,docs,examples,benches,media,gguf-py,conversion,tests,.git}
find "$llama/tools" -mindepth 1 -maxdepth 1 ! -name mtmd -exec rm -rf {} +
find "$llama/ggml/src" -mindepth 1 -maxdepth 1 -type d -name 'ggml-*' ! -name ggml-cpu ! -name ggml-cuda -exec rm -rf {} +
tar -cJf "$dir/2/llama_cpp_python-$version.tar.xz" -C "$work" "llama_cpp_python-$version"

.venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version "$py" --implementation cp \
    $(for n in 17 24 27 28 31 34; do printf -- '--platform manylinux_2_%s_x86_64 ' "$n"; done) \
    --platform manylinux2014_x86_64 -d "$dir/2/whl" "${wheels[@]}"
.venv/bin/python bench/same_shape_model.py skeleton "$qwen" "$dir/2/qwen.skeleton.gguf" >&2
say "$(du -sh "$dir/1" | cut -f1) in $dir/1, $(du -sh "$dir/2" | cut -f1) in $dir/2"
