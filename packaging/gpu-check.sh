#!/usr/bin/env bash
# The prepared GPU check (issue 13, part 6), run in one go on a machine with an NVIDIA GPU, in at
# most 8 minutes so a rerun fits in 15:
#   1. build llama-cpp-python with CUDA for this machine's GPU architecture only (build-cuda.sh
#      --archs auto), from a local source archive when there is no package index;
#   2. the engine tests with full offload (tests/engine/test_gpu_offload.py) plus the load-option
#      and client tests, on the GPU build;
#   3. prefill and decode tokens/s, Hearth against plain llama-cpp-python CUDA on the same build,
#      every layer offloaded (bench/longctx_bench.py --gpu-layers -1), f16 and q8_0 KV cache.
# Everything it prints is also written to $OUT (default ./gpu-check-out): gpu-check.log and the
# benchmark's JSON line, for the README.
#
#   HEARTH_LLAMA_SDIST=shared/llama_cpp_python-0.3.36.tar.gz HEARTH_TEST_MODELS=shared/models \
#       packaging/gpu-check.sh
#
# Needs: nvcc, an NVIDIA driver, a Python environment with Hearth's dependencies (HEARTH_PYTHON,
# default .venv/bin/python), the two catalog models in $HEARTH_TEST_MODELS (no network needed).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-check-out}
mkdir -p "$out"
python=${HEARTH_PYTHON:-.venv/bin/python}
export HEARTH_TEST_MODELS=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models}
export HEARTH_MODELS=$HEARTH_TEST_MODELS
log=$out/gpu-check.log
started=$SECONDS
step() { echo "gpu-check: [$((SECONDS - started)) s] $*" | tee -a "$log"; }

step "GPU (NVML): $("$python" packaging/cuda_archs.py 2>&1) $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
build_args=(--archs auto --python "$python")
[ -n "${HEARTH_LLAMA_SDIST:-}" ] && build_args+=(--sdist "$HEARTH_LLAMA_SDIST")
step "build: packaging/build-cuda.sh ${build_args[*]}"
if ! timeout 300 bash packaging/build-cuda.sh "${build_args[@]}" >"$out/build.log" 2>&1; then
    tail -20 "$out/build.log" | tee -a "$log"
    step "the CUDA build failed or ran past 300 s (build.log); stopping"
    exit 1
fi
tail -3 "$out/build.log" | tee -a "$log"

step "engine tests with full offload"
timeout 90 "$python" -m pytest tests/engine/test_gpu_offload.py tests/engine/test_load_options.py \
    tests/engine/test_hardware.py -x -q -p no:randomly 2>&1 | tail -15 | tee -a "$log"
tests=${PIPESTATUS[0]}

step "prefill/decode: Hearth vs plain llama-cpp-python CUDA, all layers on the GPU"
timeout 80 "$python" bench/longctx_bench.py -m qwen2.5-coder-0.5b --tokens 8000 --kv f16,q8_0 --gpu-layers -1 \
    --max-tokens 128 --threads "$(nproc)" 2>"$out/bench.err" | tee "$out/bench.txt" | tee -a "$log"
bench=${PIPESTATUS[0]}
tail -1 "$out/bench.txt" >"$out/gpu-bench.json" 2>/dev/null
step "done: tests exit $tests, bench exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
