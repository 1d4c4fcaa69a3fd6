"""The bundled `hearth` executable's entry point (PyInstaller runs this file as __main__).

A frozen executable has no Python interpreter to start children with. The engine copes on its own
(it starts its worker as `hearth --engine-worker FD`), but the converter's quantizer uses
multiprocessing's "spawn" method, which restarts this executable with multiprocessing's arguments;
`freeze_support()` must run first so that such a child does its work instead of opening Hearth.
"""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from desktop.cli.main import main

    sys.exit(main())
