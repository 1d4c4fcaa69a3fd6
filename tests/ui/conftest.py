"""Qt widgets under test run offscreen: no display needed, same widgets and event loop."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
