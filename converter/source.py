"""Where a checkpoint comes from: a local folder, or a Hugging Face repo id fetched to the hub cache.

Only the files a conversion reads are downloaded (config, tokenizer, safetensors, model card), so
a repo that also ships .bin, .pth or gguf copies costs nothing extra. Without a network the cache
is tried first, and a miss is one line saying so.
"""
from __future__ import annotations

import re
from pathlib import Path

from converter.progress import ProgressCallback, Step
from desktop.errors import HearthError

NEEDED_FILES = [
    "config.json", "generation_config.json", "*.safetensors", "model.safetensors.index.json",
    "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "chat_template.jinja", "chat_template.json", "README.md", "LICENSE*",
]
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_source(src: str, progress: ProgressCallback) -> Path:
    """A local checkpoint folder for `src` (a path, or a repo id downloaded if needed)."""
    path = Path(src).expanduser()
    if path.exists():
        if not path.is_dir():
            raise HearthError(f"{src} is a file; give the checkpoint folder that holds config.json")
        return path
    if not REPO_ID.match(src):
        raise HearthError(f"{src} is neither a folder nor a Hugging Face repo id (owner/name)")
    return _download(src, progress)


def _download(repo_id: str, progress: ProgressCallback) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError)

    progress(Step("download", message=f"fetching {repo_id} from the Hugging Face hub"))
    try:
        return Path(snapshot_download(repo_id, allow_patterns=NEEDED_FILES))
    except GatedRepoError:
        raise HearthError(f"{repo_id} is gated; accept its license on huggingface.co and log in "
                          "(huggingface-cli login)") from None
    except RepositoryNotFoundError:
        raise HearthError(f"{repo_id} was not found on the Hugging Face hub (or is private)") from None
    except LocalEntryNotFoundError:
        raise HearthError(f"cannot reach the Hugging Face hub to fetch {repo_id} and it is not in the "
                          "local cache; connect to the network or give a local folder") from None
    except OSError as exc:
        raise HearthError(f"downloading {repo_id} failed: {exc}") from None
