"""The PySide6 desktop application: main window, panels, dialogs, themes and translations."""
