#!/usr/bin/env bash
# Builds dist/hearth/: Hearth with its own Python, Qt and llama.cpp, so `dist/hearth/hearth` runs on
# a Linux machine that has no Python installed. Uses PyInstaller (pip install '.[bundle]') from the
# environment in $HEARTH_PYTHON (default .venv/bin/python); the llama.cpp in that environment is the
# one bundled, so build the CUDA one first (packaging/build-cuda.sh) for a GPU bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${HEARTH_PYTHON:-.venv/bin/python}
if ! "$python" -c "import PyInstaller" 2>/dev/null; then
    echo "build-bundle: PyInstaller is missing from $python; run: $python -m pip install '.[bundle]'" >&2
    exit 1
fi
"$python" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/hearth.spec
# PyInstaller copies llama.cpp's libraries twice: once as libX.so (the name llama_cpp loads) and once
# as libX.so.0 (the name they link each other by). One real file and a link to it is enough.
for lib in dist/hearth/_internal/llama_cpp/lib/lib*.so; do
    if cmp --silent "$lib" "$lib.0"; then ln -sf "$(basename "$lib").0" "$lib"; fi
done
# PyInstaller's own strip option also strips numpy's OpenBLAS, which then refuses to load; strip
# the rest here (CPython, extension modules: about 40 MB of symbols nobody reads).
if command -v strip >/dev/null; then
    find dist/hearth/_internal -name "*.so*" -type f ! -path "*/numpy.libs/*" -exec strip --strip-unneeded {} +
fi
echo "build-bundle: dist/hearth is $(du -sh dist/hearth | cut -f1); run dist/hearth/hearth"
