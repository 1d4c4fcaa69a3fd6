#!/usr/bin/env bash
# Rebuilds llama-cpp-python with CUDA so Hearth runs models on an NVIDIA GPU, then checks that the
# result can offload to the GPU and prints the devices llama.cpp itself sees. The default
# architectures cover laptop GPUs from Turing to Blackwell: 75 (RTX 20xx, GTX 16xx), 86 (RTX 30xx),
# 89 (RTX 40xx), 120 (RTX 50xx). One architecture builds several times faster: `--archs auto`
# builds for the GPUs in this machine only (their compute capability, read through NVML).
# The CPU part is portable (GGML_NATIVE off): a build made here also runs on another CPU.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: packaging/build-cuda.sh [--archs "75;86;89;120" | --archs auto] [--python PATH] [--sdist FILE] [--dry-run]

  --archs LIST   CUDA architectures, ';'-separated, or auto: this machine's GPUs
                 (env HEARTH_CUDA_ARCHS; default 75;86;89;120)
  --python PATH  the Python environment to install into (env HEARTH_PYTHON; default .venv/bin/python)
  --sdist FILE   build from this llama-cpp-python source archive instead of fetching it
                 (env HEARTH_LLAMA_SDIST; for a machine without a package index)
  --dry-run      check the toolchain and print the build command without running it

Needs the CUDA toolkit's nvcc (on PATH, in $CUDACXX, or in $CUDA_HOME/bin); 12.8 or newer for 120.
EOF
}

fail() { echo "build-cuda: $*" >&2; exit 1; }

cd "$(dirname "$0")/.."
archs=${HEARTH_CUDA_ARCHS:-75;86;89;120}
python=${HEARTH_PYTHON:-.venv/bin/python}
sdist=${HEARTH_LLAMA_SDIST:-}
dry_run=false
while [ $# -gt 0 ]; do
    case $1 in
        --archs) [ $# -ge 2 ] || { usage >&2; exit 2; }; archs=$2; shift 2 ;;
        --python) [ $# -ge 2 ] || { usage >&2; exit 2; }; python=$2; shift 2 ;;
        --sdist) [ $# -ge 2 ] || { usage >&2; exit 2; }; sdist=$2; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-cuda: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

if [ "$archs" = auto ]; then
    [ -x "$python" ] || fail "no Python at $python to read the GPUs with; pass --python or name the --archs"
    # NVML (nvidia-ml-py, a Hearth dependency) rather than nvidia-smi's text: works without it on PATH.
    archs=$("$python" packaging/cuda_archs.py) || exit 1
fi

if ! [[ $archs =~ ^[0-9]{2,3}(\;[0-9]{2,3})*$ ]]; then
    echo "build-cuda: --archs must be numbers separated by ';', like 86;89, or auto (got '$archs')" >&2
    exit 2
fi

nvcc=${CUDACXX:-$(command -v nvcc || true)}
if [ -z "$nvcc" ] && [ -n "${CUDA_HOME:-}" ] && [ -x "$CUDA_HOME/bin/nvcc" ]; then nvcc=$CUDA_HOME/bin/nvcc; fi
[ -n "$nvcc" ] && [ -x "$nvcc" ] || fail "nvcc not found: install the NVIDIA CUDA toolkit and put its bin/ on PATH (or set CUDA_HOME)"

cuda_version=$("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
supported=$("$nvcc" --list-gpu-arch 2>/dev/null | tr '\n' ' ')
for arch in ${archs//;/ }; do
    [[ " $supported " == *" compute_$arch "* ]] \
        || fail "CUDA $cuda_version's nvcc cannot build for architecture $arch; use a newer CUDA toolkit or leave it out with --archs"
done

[ -x "$python" ] || fail "no Python at $python; create the environment first (see README) or pass --python"
pin=$(grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml) || fail "pyproject.toml does not pin llama-cpp-python"
if [ -n "$sdist" ]; then
    expected=llama_cpp_python-${pin#llama-cpp-python==}
    [ -f "$sdist" ] || fail "no source archive at $sdist"
    case $(basename "$sdist") in
        "$expected".tar.gz|"$expected".tar.xz) ;;
        *) fail "$sdist is not $pin (pyproject.toml's pin): expected $expected.tar.gz" ;;
    esac
    export HEARTH_LLAMA_SDIST=$sdist
fi

# The portable build (packaging/build-llama.sh: every CPU variant, chosen at run time) with CUDA as
# one more backend file beside them, so the CPU part runs on any x86-64 CPU and the self-check
# applies; its wheel is cached apart from the CPU-only one (the flags are part of the key).
# cuBLAS and libcuda by full path where the toolkit lacks them (packaging/cuda_libs.py says why).
libs=$("$python" packaging/cuda_libs.py "$nvcc") || exit 1
export CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$archs${libs:+ ${libs//$'\n'/ }}"
export CUDACXX=$nvcc
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
echo "build-cuda: CUDA $cuda_version, architectures $archs"
echo "build-cuda: CMAKE_ARGS=\"$CMAKE_ARGS\" packaging/build-llama.sh $python${sdist:+ (from $sdist)}"
if $dry_run; then exit 0; fi

wheel=$(packaging/build-llama.sh "$python")
"$python" -m pip install -q --force-reinstall --no-deps "$wheel"
[ "$python" = .venv/bin/python ] && echo "$wheel" > .venv/.hearth-llama-wheel

"$python" - <<'EOF'
import sys

from desktop.engine import device_backends, runtime_check
from desktop.engine.cpu_backends import backend_name
from desktop.engine.hardware import llama_devices

# As the engine runs it: the CPU code this machine's self-check chose (as built if none yet),
# then the CUDA backend file beside it (a portable build loads it only this way).
runtime_check.apply(runtime_check.remembered())
if "cuda" not in [backend_name(path.name) for path in device_backends.backend_files()]:
    sys.exit("build-cuda: the build finished but has no CUDA backend (libggml-cuda.so); read the build log above")
print("build-cuda: CUDA: yes, the build has llama.cpp's CUDA backend")
devices = llama_devices()
for device in devices:
    print(f"build-cuda: device: {device.backend}: {device.name}, {device.total_bytes / 2**30:.1f} GiB "
          f"({device.free_bytes / 2**30:.1f} GiB free)")
if not devices:
    print("build-cuda: llama.cpp sees no GPU here (no NVIDIA driver?); the GPU is used where one is")
EOF
