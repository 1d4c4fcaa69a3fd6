"""The bundled `hearth` executable's entry point (PyInstaller runs this file as __main__).

The engine runs llama.cpp in a worker process started with multiprocessing's "spawn" method. In a
frozen executable there is no Python interpreter to spawn, so the bundle starts itself again with
multiprocessing's arguments; `freeze_support()` must run first so that such a child becomes the
worker instead of opening a second Hearth.
"""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from desktop.cli.main import main

    sys.exit(main())
