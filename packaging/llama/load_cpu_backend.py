
# --- Added by Hearth's portable build (packaging/build-llama.sh). -----------------------------
# This build keeps llama.cpp's CPU code in one library per CPU generation beside libllama
# (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS), as llama.cpp's own releases do. ggml looks for them
# only beside the Python executable and in the working directory, so llama_backend_init() loads
# the best one for this CPU from this package's folder, unless the process already chose one
# (Hearth's engine does, after its start-up self-check: desktop/engine/runtime_check.py).
_hearth_backend_init = llama_backend_init


def llama_backend_init():
    """Initialize the llama + ggml backend (first loading the CPU code this CPU runs best)."""
    _lib.ggml_backend_reg_count.restype = ctypes.c_size_t
    if _lib.ggml_backend_reg_count() == 0:
        _lib.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
        _lib.ggml_backend_load_all_from_path(os.fsencode(str(_base_path)))
    _hearth_backend_init()
