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
set -euo pipefail
cd "$(dirname "$0")/.."
command -v qemu-x86_64 >/dev/null || { echo "prove-portable: qemu-x86_64 is missing (apt-get install qemu-user)" >&2; exit 1; }
model=${1:-$(.venv/bin/hearth models path smollm2-135m | tail -n 1)}
[ -x dist/hearth/hearth ] || packaging/build-bundle.sh >&2
status=0
for cpu in ${CPUS:-Haswell-noTSX SandyBridge Westmere}; do
    start=$(date +%s)
    if out=$(HEARTH_CACHE=$(mktemp -d) qemu-x86_64 -cpu "$cpu" dist/hearth/hearth --engine-probe "$model" as-built 2>&1); then
        variant=$(tail -n 1 <<<"$out" | sed -n 's/.*"variant": "\([^"]*\)".*/\1/p')
        echo "$cpu: ok, CPU code '$variant', $(grep '^decoded:' <<<"$out") ($(( $(date +%s) - start )) s)"
    else
        echo "$cpu: FAILED (exit $?): $(tail -n 3 <<<"$out")"
        status=1
    fi
done
exit $status
