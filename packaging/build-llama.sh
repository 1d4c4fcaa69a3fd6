#!/usr/bin/env bash
# Builds llama-cpp-python (the version pyproject.toml pins) the portable way, once per set of build
# flags, and prints the wheel's path. hearth-setup (and so CI and the bundle) install this wheel.
#
#   packaging/build-llama.sh [PYTHON]          PYTHON: the interpreter to build for (default .venv/bin/python)
#   packaging/build-llama.sh --where [PYTHON]  only print the cache folder these flags build into
#
# Portable: no GGML_NATIVE (which compiles for the build machine's CPU alone: a build made on an
# AVX-512 machine dies with SIGILL on an AVX2 laptop, and on some AMX machines it segfaults).
# Instead, as llama.cpp's own release builds do, every CPU generation gets its own copy of the CPU
# code (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS: x86-64, SSE4.2, AVX, AVX2, AVX-VNNI, AVX-512 in
# five flavours, AMX) and the best one this CPU can run is loaded at run time
# (packaging/llama/load_cpu_backend.py is added to llama-cpp-python for that).
#
# The wheel is kept in ~/.cache/hearth/wheels/<key>/, the key being the version, the flags, the
# loader and the platform: pip's own wheel cache keys llama-cpp-python on its version only, so a
# machine that once built it natively would keep installing that build. Extra CMake flags may come
# in CMAKE_ARGS (they become part of the key): packaging/build-cuda.sh adds CUDA's, the README's
# Vulkan build adds Vulkan's; the GPU backend then becomes one more loadable backend file.
#
# HEARTH_LLAMA_SDIST=FILE builds from that llama-cpp-python source archive (.tar.gz or .tar.xz,
# its top folder llama_cpp_python-<version>) instead of fetching it, for a machine without a
# package index; the build then uses the environment's own scikit-build-core (no build isolation).
set -euo pipefail
cd "$(dirname "$0")/.."
where=0
[ "${1:-}" = --where ] && { where=1; shift; }
python=${1:-.venv/bin/python}
say() { printf 'build-llama: %s\n' "$*" >&2; }

version=$(sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
[ -n "$version" ] || { say "pyproject.toml pins no llama-cpp-python version"; exit 1; }
flags="-DGGML_NATIVE=OFF"
if [ "$(uname -s)" = Linux ]; then  # llama.cpp builds CPU variants for x86-64 and arm64 Linux
    flags="$flags -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_BACKEND_DIR:STRING=llama_cpp/lib"
fi
flags="$flags ${CMAKE_ARGS:-}"
hook=packaging/llama/load_cpu_backend.py
platform=$("$python" -c 'import sys, sysconfig; print(sysconfig.get_platform(), sys.implementation.cache_tag)')
key=$( { echo "$version"; echo "$flags"; cat "$hook"; echo "$platform"; } | sha256sum | cut -c1-16)
cache=${HEARTH_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth/wheels}/$key
[ "$where" = 1 ] && { echo "$cache"; exit 0; }
if wheel=$(ls "$cache"/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n 1) && [ -n "$wheel" ]; then
    echo "$wheel"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "building llama-cpp-python $version for any CPU ($flags); this takes a while, once"
isolation=()
if [ -n "${HEARTH_LLAMA_SDIST:-}" ]; then
    [ -f "$HEARTH_LLAMA_SDIST" ] || { say "no source archive at $HEARTH_LLAMA_SDIST"; exit 1; }
    "$python" -c 'import scikit_build_core' 2>/dev/null \
        || { say "building offline from $HEARTH_LLAMA_SDIST needs scikit-build-core in $python's environment"; exit 1; }
    tar -xf "$HEARTH_LLAMA_SDIST" -C "$work"
    isolation=(--no-build-isolation)
else
    "$python" -m pip download -q --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$version" >&2
    tar -xzf "$work"/llama_cpp_python-"$version".tar.gz -C "$work"
fi
src="$work/llama_cpp_python-$version"
[ -f "$src/llama_cpp/llama_cpp.py" ] || { say "the source archive holds no llama_cpp_python-$version/ folder"; exit 1; }
cat "$hook" >> "$src/llama_cpp/llama_cpp.py"
CMAKE_ARGS="$flags" "$python" -m pip wheel -q --no-deps --no-cache-dir "${isolation[@]}" -w "$work/wheel" "$src" >&2
mkdir -p "$(dirname "$cache")"
rm -rf "$cache.tmp" && mkdir "$cache.tmp" && mv "$work"/wheel/*.whl "$cache.tmp"/
rm -rf "$cache" && mv "$cache.tmp" "$cache"
ls "$cache"/llama_cpp_python-"$version"-*.whl
