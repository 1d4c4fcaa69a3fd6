#!/usr/bin/env bash
# Proves that the bundle's llama.cpp runs on CPUs that lack what the build machine has: under QEMU's
# user-mode emulator, with CPU models that truly withhold instructions (Haswell: AVX2 but no AVX-512;
# SandyBridge: AVX but no AVX2/FMA; Westmere: no AVX at all), the bundled executable runs its
# start-up probe: it picks the CPU code that CPU can run, loads the model and decodes a few tokens.
# (The probe runs in one process; a full `hearth chat` starts a worker process, which QEMU's user
# mode would run natively, unemulated.)
#
#   packaging/prove-portable.sh [MODEL.gguf]     needs qemu-user (apt-get install qemu-user)
#   CPUS="Haswell Westmere" packaging/prove-portable.sh
#   RUN=".venv/bin/python -m desktop.engine.runtime_check" packaging/prove-portable.sh   (the same
#       llama.cpp build from the virtualenv instead of the bundle)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v qemu-x86_64 >/dev/null || { echo "prove-portable: qemu-x86_64 is missing (apt-get install qemu-user)" >&2; exit 1; }
model=${1:-$(.venv/bin/hearth models path smollm2-135m | tail -n 1)}
run=${RUN:-dist/hearth/hearth --engine-probe}
# PyInstaller's bootloader re-executes itself once to set LD_LIBRARY_PATH, and QEMU's user mode runs
# a re-executed program natively (unemulated, with this machine's CPU). Giving it what its first
# stage would pass on makes it run in one process, all of it under QEMU.
internal=$(pwd)/dist/hearth/_internal
bootloader_env=(LD_LIBRARY_PATH="$internal" _PYI_APPLICATION_HOME_DIR="$internal" _PYI_PARENT_PROCESS_LEVEL=1
                _PYI_ARCHIVE_FILE="$(pwd)/dist/hearth/hearth")
[ -n "${RUN:-}" ] || [ -x dist/hearth/hearth ] || packaging/build-bundle.sh >&2
status=0
for cpu in ${CPUS:-Haswell-noTSX SandyBridge Westmere}; do
    start=$(date +%s)
    if out=$(env "${bootloader_env[@]}" HEARTH_CACHE="$(mktemp -d)" qemu-x86_64 -cpu "$cpu" $run "$model" as-built 2>&1); then
        variant=$(tail -n 1 <<<"$out" | sed -n 's/.*"variant": "\([^"]*\)".*/\1/p')
        echo "$cpu: ok, CPU code '$variant', $(grep '^decoded:' <<<"$out") ($(( $(date +%s) - start )) s)"
    else
        echo "$cpu: FAILED (exit $?): $(tail -n 3 <<<"$out")"
        status=1
    fi
done
exit $status
