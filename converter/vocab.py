"""The tokenizer half of a gguf: tokens, scores and types, plus special tokens and the chat template.

Two tokenizer kinds cover the supported families: byte-level BPE from tokenizer.json (Llama 3,
SmolLM, Qwen) and SentencePiece from tokenizer.model (Llama 2, Mistral, Gemma, Phi-3). Special
token ids, add_bos/add_eos, BPE merges and the chat template (tokenizer_config.json or
chat_template.jinja) come from `gguf.SpecialVocab`, which reads them the way llama.cpp expects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import gguf

from converter.pretokenizers import pre_tokenizer_name
from desktop.errors import HearthError


@dataclass
class Vocab:
    model: str  # tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece)
    pre: str | None  # tokenizer.ggml.pre, BPE only
    tokens: list[str]
    types: list[int]
    scores: list[float] | None = None
    add_space_prefix: bool | None = None
    merges: list[str] | None = None  # BPE merges as "left right", spaces spelled as in the vocabulary

    def write(self, folder: Path, writer: gguf.GGUFWriter) -> None:
        writer.add_tokenizer_model(self.model)
        if self.pre:
            writer.add_tokenizer_pre(self.pre)
        writer.add_token_list(self.tokens)
        if self.scores is not None:
            writer.add_token_scores(self.scores)
        writer.add_token_types(self.types)
        if self.add_space_prefix is not None:
            writer.add_add_space_prefix(self.add_space_prefix)
        if self.merges:
            writer.add_token_merges(self.merges)
        special = gguf.SpecialVocab(folder, load_merges=False, n_vocab=len(self.tokens))
        special.add_to_gguf(writer, quiet=True)


def looks_special(text: str) -> bool:
    """Added tokens some checkpoints forget to flag as special (<|im_start|>, <unused0>, ...)."""
    return (text.startswith("<|") and text.endswith("|>")) or (text.startswith("<unused") and text.endswith(">"))


def _added_tokens(folder: Path, tokenizer_json: dict | None) -> dict[int, tuple[str, bool]]:
    """id -> (content, special) from tokenizer.json's added_tokens and tokenizer_config.json's decoder.

    Added tokens past the model's vocab_size have no embedding row and are left out by the callers."""
    found: dict[int, tuple[str, bool]] = {}
    config = folder / "tokenizer_config.json"
    if config.is_file():
        for tid, entry in (json.loads(config.read_text(encoding="utf-8")).get("added_tokens_decoder") or {}).items():
            found[int(tid)] = (entry["content"], bool(entry.get("special")))
    for entry in (tokenizer_json or {}).get("added_tokens", []):
        found[int(entry["id"])] = (entry["content"], bool(entry.get("special")))
    return found


def _check_fits(n_tokens: int, vocab_size: int) -> None:
    """The gguf's token list must match the embedding's rows (config.json's vocab_size)."""
    if n_tokens > vocab_size:
        raise HearthError(f"the tokenizer has {n_tokens} tokens but the model's vocab_size is {vocab_size}; "
                          "the tokenizer does not belong to these weights")


def _type_of_added(content: str, special: bool) -> int:
    return gguf.TokenType.CONTROL if special or looks_special(content) else gguf.TokenType.USER_DEFINED


def bpe_vocab(folder: Path, data: dict, vocab_size: int) -> Vocab:
    """A byte-level BPE tokenizer.json (parsed as `data`): tokens keep their byte-to-unicode spelling."""
    pre = pre_tokenizer_name(data)
    by_id: dict[int, str] = {tid: tok for tok, tid in data["model"]["vocab"].items()}
    added = _added_tokens(folder, data)
    _check_fits(max(by_id) + 1, vocab_size)
    tokens, types = [], []
    for tid in range(vocab_size):
        if tid in added:
            content, special = added[tid]
            tokens.append(content)
            types.append(_type_of_added(content, special))
        elif tid in by_id:
            tokens.append(by_id[tid])
            types.append(gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{tid}]")
            types.append(gguf.TokenType.UNUSED)
    return Vocab("gpt2", pre, tokens, types, merges=_merges(data))


def _merges(tokenizer_json: dict) -> list[str]:
    """BPE merges as llama.cpp reads them: "left right", a space inside a part spelled U+0120."""
    merges = tokenizer_json["model"].get("merges") or []
    if merges and not isinstance(merges[0], str):  # the [left, right] form (transformers >= 4.45)
        merges = [f"{left.replace(' ', chr(0x120))} {right.replace(' ', chr(0x120))}" for left, right in merges]
    return merges


def spm_vocab(folder: Path, tokenizer_json: dict | None, vocab_size: int) -> Vocab:
    """A SentencePiece tokenizer.model: pieces with their scores and kinds, then added tokens."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    path = folder / "tokenizer.model"
    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
        processor = sentencepiece.SentencePieceProcessor(model_proto=proto.SerializeToString())
    except Exception as exc:  # the protobuf/sentencepiece errors name no file
        raise HearthError(f"{path} is not a valid SentencePiece model ({exc})") from None
    tokens, scores, types = [], [], []
    for tid in range(processor.vocab_size()):
        tokens.append(processor.id_to_piece(tid))
        scores.append(processor.get_score(tid))
        if processor.is_unknown(tid):
            types.append(gguf.TokenType.UNKNOWN)
        elif processor.is_control(tid):
            types.append(gguf.TokenType.CONTROL)
        elif processor.is_unused(tid):
            types.append(gguf.TokenType.UNUSED)
        elif processor.is_byte(tid):
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    added = {tid: entry for tid, entry in _added_tokens(folder, tokenizer_json).items() if tid < vocab_size}
    _check_fits(len(tokens), vocab_size)
    for tid in range(len(tokens), vocab_size):
        tokens.append(f"[PAD{tid}]")
        scores.append(-1000.0)
        types.append(gguf.TokenType.UNUSED)
    n_pieces = processor.vocab_size()
    for tid, (content, special) in added.items():
        if tid >= n_pieces:  # tokens added after training live only in the json files
            tokens[tid] = content
        if tid >= n_pieces or types[tid] in (gguf.TokenType.NORMAL, gguf.TokenType.UNUSED):
            types[tid] = _type_of_added(content, special)
            scores[tid] = -1000.0
    return Vocab("llama", None, tokens, types, scores,
                 add_space_prefix=bool(proto.normalizer_spec.add_dummy_prefix))


def load_vocab(folder: Path, vocab_size: int) -> Vocab:
    """The checkpoint's tokenizer, whichever kind it is, or a one-line error if there is none."""
    tok_json = folder / "tokenizer.json"
    data = None
    if tok_json.is_file():
        try:
            data = json.loads(tok_json.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HearthError(f"{tok_json} is not valid JSON ({exc}); download it again") from None
        if data.get("model", {}).get("type") == "BPE" and '"ByteLevel"' in json.dumps(data.get("pre_tokenizer")):
            return bpe_vocab(folder, data, vocab_size)
    if (folder / "tokenizer.model").is_file():
        return spm_vocab(folder, data, vocab_size)
    if data is not None:
        raise HearthError(f"{folder}: tokenizer.json is not a byte-level BPE tokenizer and there is no "
                          "tokenizer.model; add the SentencePiece model file")
    raise HearthError(f"{folder} has no tokenizer (tokenizer.json or tokenizer.model); copy it from the model's repository")
