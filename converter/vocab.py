"""The tokenizer half of a gguf: tokens, scores and types, plus special tokens and the chat template.

Three tokenizer forms cover the supported families, as llama.cpp's converter accepts them:
byte-level BPE from tokenizer.json (Llama 3, SmolLM, Qwen) -> llama.cpp's "gpt2" tokenizer;
SentencePiece from tokenizer.model (Llama 2, Mistral, Gemma, Phi-3) -> "llama"; and a SentencePiece
model given only as tokenizer.json (BPE over `▁` pieces with byte fallback) -> "llama" too, with
scores that make llama.cpp's highest-score-first merging follow the BPE merge order. A Unigram
tokenizer.json without tokenizer.model is refused: llama.cpp's SentencePiece tokenizer merges
greedily where Unigram searches for the best split, so the two would disagree.
Special token ids, add_bos/add_eos, BPE merges and the chat template (tokenizer_config.json or
chat_template.jinja) come from `gguf.SpecialVocab`, which reads them the way llama.cpp expects.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import gguf

from converter.pretokenizers import pre_tokenizer_name
from desktop.errors import HearthError


@dataclass
class Vocab:
    model: str  # tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece, either file)
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
    except Exception as exc:  # noqa: BLE001 - the protobuf/sentencepiece errors name no file
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


SPACE = "\u2581"  # SentencePiece's visible space
BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")


def is_sentencepiece_json(data: dict) -> bool:
    """A SentencePiece BPE model exported as tokenizer.json: BPE over `▁` pieces (not byte-level)."""
    model = data.get("model") or {}
    sections = json.dumps([data.get("normalizer"), data.get("pre_tokenizer"), data.get("decoder")], ensure_ascii=False)
    return model.get("type") == "BPE" and '"ByteLevel"' not in sections and SPACE in sections


def _space_prefix(data: dict) -> bool:
    """Whether the tokenizer puts a `▁` before the text: Metaspace's prepend scheme or a Prepend normalizer."""
    sections = [data.get("normalizer"), data.get("pre_tokenizer")]
    steps: list[dict] = []
    while sections:
        step = sections.pop()
        if isinstance(step, dict):
            steps.append(step)
            sections.extend(step.get("normalizers") or step.get("pretokenizers") or [])
    for step in steps:
        if step.get("type") == "Metaspace":
            return step.get("prepend_scheme", "always" if step.get("add_prefix_space", True) else "never") != "never"
        if step.get("type") == "Prepend" and step.get("prepend") == SPACE:
            return True
    return False


def _bpe_scores(model: dict, by_id: dict[int, str]) -> dict[int, float]:
    """Scores that rank every merge result by its merge's rank: llama.cpp merges highest score first."""
    rank_of: dict[str, int] = {}
    for rank, merge in enumerate(model.get("merges") or []):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        rank_of.setdefault(left + right, rank)
    unreachable = -float(len(rank_of) + 1)  # pieces no merge builds: after every real merge
    return {tid: -float(rank_of[piece]) if piece in rank_of else (0.0 if len(piece) == 1 else unreachable)
            for tid, piece in by_id.items()}


def sentencepiece_json_vocab(folder: Path, data: dict, vocab_size: int) -> Vocab:
    """A SentencePiece tokenizer given only as tokenizer.json: its pieces as llama.cpp's "llama" tokenizer."""
    model = data["model"]
    by_id = {tid: piece for piece, tid in model["vocab"].items()}
    score_of = _bpe_scores(model, by_id)
    unk = model["vocab"].get(model.get("unk_token") or "<unk>")
    added = _added_tokens(folder, data)
    _check_fits(max([*by_id, *(tid for tid in added if tid < vocab_size)]) + 1, vocab_size)
    tokens, scores, types = [], [], []
    for tid in range(vocab_size):
        if tid == unk:  # listed among the added tokens too, but llama.cpp wants it typed UNKNOWN
            tokens.append(by_id[tid])
            scores.append(0.0)
            types.append(gguf.TokenType.UNKNOWN)
        elif tid in added:
            content, special = added[tid]
            kind = _type_of_added(content, special)
            # llama.cpp matches user-defined tokens in raw text, so their `▁` must be a space again
            tokens.append(content if kind == gguf.TokenType.CONTROL else content.replace(SPACE, " "))
            scores.append(-1000.0)
            types.append(kind)
        elif tid in by_id:
            piece = by_id[tid]
            tokens.append(piece)
            scores.append(score_of[tid])
            if model.get("byte_fallback") and BYTE_PIECE.fullmatch(piece):
                types.append(gguf.TokenType.BYTE)
            else:
                types.append(gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{tid}]")
            scores.append(-1000.0)
            types.append(gguf.TokenType.UNUSED)
    return Vocab("llama", None, tokens, types, scores, add_space_prefix=_space_prefix(data))


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
    if data is not None and is_sentencepiece_json(data):
        return sentencepiece_json_vocab(folder, data, vocab_size)
    if data is not None:
        kind = (data.get("model") or {}).get("type", "?")
        raise HearthError(f"{folder}: tokenizer.json holds a {kind} tokenizer that is neither byte-level BPE nor "
                          "SentencePiece BPE, which llama.cpp would tokenize differently; add the model's tokenizer.model")
    raise HearthError(f"{folder} has no tokenizer (tokenizer.json or tokenizer.model); copy it from the model's repository")
