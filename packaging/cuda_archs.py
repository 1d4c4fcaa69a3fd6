"""Print this machine's NVIDIA GPU architectures for CMAKE_CUDA_ARCHITECTURES ("90", "86;89"),
read through NVML (nvidia-ml-py) rather than nvidia-smi's text; exit 1 with one line without one.
Used by packaging/build-cuda.sh --archs auto."""
from __future__ import annotations

import sys


def main() -> int:
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - no library, no driver: one line either way
        print(f"build-cuda: cannot read this machine's GPUs through NVML ({exc}); name them with --archs",
              file=sys.stderr)
        return 1
    try:
        caps = {"{}{}".format(*pynvml.nvmlDeviceGetCudaComputeCapability(pynvml.nvmlDeviceGetHandleByIndex(i)))
                for i in range(pynvml.nvmlDeviceGetCount())}
    finally:
        pynvml.nvmlShutdown()
    if not caps:
        print("build-cuda: NVML lists no GPU on this machine; name the architectures with --archs", file=sys.stderr)
        return 1
    print(";".join(sorted(caps, key=int)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
