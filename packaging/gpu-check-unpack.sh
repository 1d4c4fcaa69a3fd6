#!/usr/bin/env bash
# The GPU machine's half of packaging/gpu-check-pack.sh: puts SmolLM2 back together from the two
# calls' parts, installs the carried wheels into the machine's Python (offline), runs
# packaging/gpu-check.sh on it, and leaves $OUT as gpu-check.log plus one archive of every step's
# output (such machines send back a few files only).
#
#   packaging/gpu-check-unpack.sh PART1_DIR DIR2     (from the repository root; OUT: where results go)
#
# HEARTH_PYTHON: the Python to use (default: python3 on PATH); HEARTH_GPU_CHECK_BUDGET as for gpu-check.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: packaging/gpu-check-unpack.sh PART1_DIR DIR2" >&2; exit 2; }
part1=$1/smollm2.part1
dir=$2
out=${OUT:-gpu-check-out}
mkdir -p "$out"
python=${HEARTH_PYTHON:-$(command -v python3)}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD PATH=$PATH:/usr/local/cuda/bin
nvcc=$(command -v nvcc || true)
{
    echo "gpu-check-unpack: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $("$python" -V), nvcc ${nvcc:-none}"
    [ -n "$nvcc" ] && "$python" packaging/cuda_libs.py "$nvcc"  # what the toolkit lacks, and from where
    ldconfig -p | grep -i 'libcuda.so\|libcublas' | head -4
} >"$out/machine.txt" 2>&1
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
if [ -f "$part1" ]; then
    name=$("$python" -c 'from desktop.models.catalog import find; print(find("smollm2-135m").file_name)')
    cat "$part1" "$dir/smollm2.part2" >"$models/$name"
else
    echo "gpu-check-unpack: no $part1 (was the machine given back between the calls?): no SmolLM2 here" | tee -a "$out/machine.txt"
fi
"$python" -m pip install -q --no-index --no-deps "$dir"/whl/*.whl 2>&1 | tail -3
HEARTH_PYTHON=$python HEARTH_LLAMA_SDIST=$(ls "$dir"/llama_cpp_python-*.tar.xz) HEARTH_TEST_MODELS=$models \
    HEARTH_BENCH_SKELETON=$dir/qwen.skeleton.gguf OUT=$out bash packaging/gpu-check.sh
status=$?
lib=$("$python" -c 'import llama_cpp, os; print(os.path.dirname(llama_cpp.__file__))' 2>/dev/null)/lib
{ ls -la "$lib"; readelf -d "$lib/libggml-cuda.so" | grep -i path; ldd "$lib/libggml-cuda.so"; } >"$out/libs.txt" 2>&1
(cd "$out" && tar -czf steps.tgz --exclude=steps.tgz --exclude=gpu-check.log -- * \
    && find . -type f ! -name steps.tgz ! -name gpu-check.log -delete)
exit "$status"
