#!/usr/bin/env bash
# The prepared GPU check (issue 13, part 6), run in one go on a machine with an NVIDIA GPU, in at
# most 8 minutes so a rerun fits in 15:
#   1. build llama-cpp-python with CUDA for this machine's GPU architecture only (build-cuda.sh
#      --archs auto: the portable CPU build plus the CUDA backend), from a local source archive
#      when there is no package index;
#   2. the engine tests with full offload (tests/engine/test_gpu_offload.py) with the device,
#      hardware and build-script tests and the self-check's GPU probe tests, on the GPU build;
#   3. Hearth against plain llama-cpp-python CUDA on the same build, every layer offloaded:
#      decode tokens/s of chat answers (bench/chat_bench.py --gpu-layers -1) and prefill/decode
#      over a long document, f16 and q8_0 KV cache (bench/longctx_bench.py --gpu-layers -1), on
#      SmolLM2-135M; then the same on a Qwen2.5-0.5B stand-in when HEARTH_BENCH_SKELETON names its
#      skeleton (bench/same_shape_model.py: the real shapes and tokenizer, random weights - its
#      speed is the real model's, its answers are not).
# Each step has a time limit and the whole check a budget (HEARTH_GPU_CHECK_BUDGET seconds, default
# 480): the build may take what the budget leaves after 150 s for the tests and the workhorse's
# benchmarks, and a step that would not fit in what is left is skipped with a line saying so.
# Everything it prints is also written to $OUT (default ./gpu-check-out): gpu-check.log and each
# step's output, for the README.
#
#   HEARTH_LLAMA_SDIST=llama_cpp_python-0.3.36.tar.gz HEARTH_TEST_MODELS=DIR packaging/gpu-check.sh
#
# Needs: nvcc, an NVIDIA driver, a Python environment with Hearth's dependencies (HEARTH_PYTHON,
# default .venv/bin/python), SmolLM2-135M in $HEARTH_TEST_MODELS (its catalog file name; no
# network needed).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu-check-out}
mkdir -p "$out"
python=${HEARTH_PYTHON:-.venv/bin/python}
export HEARTH_TEST_MODELS=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models}
export HEARTH_MODELS=$HEARTH_TEST_MODELS
export HEARTH_HOME=${HEARTH_HOME:-$(mktemp -d)}  # the benchmarks' self-check memory: a fresh one
log=$out/gpu-check.log
budget=${HEARTH_GPU_CHECK_BUDGET:-480}
started=$SECONDS
failed=0
step() { echo "gpu-check: [$((SECONDS - started)) s] $*" | tee -a "$log"; }
# run LIMIT NAME COMMAND...: one step within LIMIT seconds and what is left of the budget, its
# output in $out/NAME.txt and its tail in the log
run() {
    local limit=$1 name=$2 left=$((budget - (SECONDS - started)))
    shift 2
    [ "$left" -lt "$limit" ] && limit=$left
    if [ "$limit" -lt 10 ]; then failed=1; step "$name: skipped, the ${budget} s budget is spent"; return 1; fi
    timeout "$limit" "$@" >"$out/$name.txt" 2>&1
    local status=$?
    tail -12 "$out/$name.txt" | tee -a "$log"
    [ "$status" = 0 ] || { failed=1; step "$name: exit $status$([ "$status" = 124 ] && echo ", past its $limit s")"; }
    return "$status"
}

step "GPU (NVML): $("$python" packaging/cuda_archs.py 2>&1) $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
build_args=(--archs auto --python "$python")
[ -n "${HEARTH_LLAMA_SDIST:-}" ] && build_args+=(--sdist "$HEARTH_LLAMA_SDIST")
step "build: packaging/build-cuda.sh ${build_args[*]}"
run $((budget - 150)) build bash packaging/build-cuda.sh "${build_args[@]}" || { step "no CUDA build; stopping"; exit 1; }

step "engine tests with full offload"
export HEARTH_EXPECT_GPU=1  # a GPU that llama.cpp does not find fails the tests, not skips them
run 75 tests "$python" -m pytest tests/engine/test_gpu_offload.py tests/engine/test_device_backends.py \
    tests/engine/test_hardware.py tests/packaging/test_build_cuda.py tests/packaging/test_cuda_libs.py \
    tests/engine/test_runtime_check.py -k "not test_runtime_check or gpu or new_machine" -v -p no:cacheprovider

bench() {  # bench NAME MODEL DOCUMENT-TOKENS: both benchmarks, every layer on the GPU
    step "$1: chat answers and a $3-token document, Hearth vs plain llama-cpp-python CUDA"
    run 20 "chat-$1" "$python" bench/chat_bench.py -m "$2" --runs 3 --max-tokens 128 --gpu-layers -1 --threads 4
    run 30 "longctx-$1" "$python" bench/longctx_bench.py -m "$2" --tokens "$3" --kv f16,q8_0 --gpu-layers -1 \
        --max-tokens 128 --threads 4
}
bench smollm2 smollm2-135m 6000
if [ -n "${HEARTH_BENCH_SKELETON:-}" ]; then
    stand_in=$(mktemp -d)/qwen2.5-0.5b-same-shape.gguf
    run 40 stand-in "$python" bench/same_shape_model.py build "$HEARTH_BENCH_SKELETON" "$stand_in" --type Q4_K_M \
        && bench qwen-shape "$stand_in" 16000
fi
step "done$([ "$failed" = 1 ] && echo ", with failures above")"
exit "$failed"
