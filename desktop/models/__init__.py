"""Models: the catalog of known models, fetching them, and reading GGUF files.

`resolve(name_or_path)` is what every command calls: a catalog name or alias (fetched if missing)
or a path to a local .gguf file.
"""
from desktop.models.fetch import ensure_model, resolve

__all__ = ["ensure_model", "resolve"]
