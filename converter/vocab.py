"""The tokenizer half of a gguf: tokens, scores and types, plus special tokens and the chat template.

Four tokenizer forms cover the supported families, as llama.cpp's converter accepts them and beyond:
byte-level BPE from tokenizer.json (Llama 3, SmolLM, Qwen) -> llama.cpp's "gpt2" tokenizer;
SentencePiece from tokenizer.model (Llama 2, Mistral, Gemma, Phi-3) -> "llama", or "t5" for a
Unigram model; a SentencePiece model given only as tokenizer.json (BPE over `▁` pieces with byte
fallback) -> "llama" too, with scores that make llama.cpp's highest-score-first merging follow the
BPE merge order; and a Unigram model given only as tokenizer.json (T5-style: `▁` pieces with
log-probability scores) -> "t5". "t5" is llama.cpp's Unigram tokenizer, which searches for the best
split as SentencePiece does (its "llama" tokenizer merges greedily and would disagree).
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
from converter.unigram import SPACE, UnigramText, byte_fallback_refused, unigram_text
from desktop.errors import HearthError


@dataclass
class Vocab:
    model: str  # tokenizer.ggml.model: "gpt2" (byte-level BPE), "llama" (SentencePiece BPE), "t5" (Unigram)
    pre: str | None  # tokenizer.ggml.pre, BPE and Unigram
    tokens: list[str]
    types: list[int]
    scores: list[float] | None = None
    add_space_prefix: bool | None = None
    merges: list[str] | None = None  # BPE merges as "left right", spaces spelled as in the vocabulary
    unigram: UnigramText | None = None  # a Unigram tokenizer's text handling
    unk_id: int | None = None  # written when the tokenizer files name no unknown token (llama.cpp assumes 2)

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
        if self.unigram is not None:
            writer.add_remove_extra_whitespaces(self.unigram.remove_extra_whitespaces)
            if self.unigram.precompiled_charsmap:
                writer.add_precompiled_charsmap(self.unigram.precompiled_charsmap)
            # llama.cpp's t5 tokenizer appends EOS unless told otherwise; transformers adds only what
            # the post-processor or tokenizer_config.json asks for
            special.add_special_token.setdefault("bos", False)
            special.add_special_token.setdefault("eos", False)
        if self.unk_id is not None:
            special.special_token_ids.setdefault("unk", self.unk_id)
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
    unigram = None
    if proto.trainer_spec.model_type == sentencepiece_model_pb2.TrainerSpec.UNIGRAM:
        # llama.cpp's "llama" tokenizer would merge greedily; its "t5" one searches as Unigram does
        if proto.trainer_spec.byte_fallback:
            raise byte_fallback_refused(str(path))
        unigram = UnigramText(bool(proto.normalizer_spec.add_dummy_prefix), bool(proto.normalizer_spec.remove_extra_whitespaces),
                              proto.normalizer_spec.precompiled_charsmap or None)
    return Vocab("t5" if unigram else "llama", "default" if unigram else None, tokens, types, scores,
                 add_space_prefix=bool(proto.normalizer_spec.add_dummy_prefix), unigram=unigram,
                 unk_id=processor.unk_id() if unigram and processor.unk_id() >= 0 else None)


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


def unigram_json_vocab(folder: Path, data: dict, vocab_size: int) -> Vocab:
    """A Unigram tokenizer given only as tokenizer.json: its pieces and scores as llama.cpp's "t5" tokenizer."""
    model = data["model"]
    if model.get("byte_fallback"):
        raise byte_fallback_refused(str(folder / "tokenizer.json"))
    text = unigram_text(data)
    pieces = model.get("vocab")
    if not isinstance(pieces, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                               and isinstance(p[1], (int, float)) for p in pieces):
        raise HearthError(f"{folder}: tokenizer.json's Unigram vocabulary is not a list of [piece, score]; download it again")
    added = _added_tokens(folder, data)
    _check_fits(max([len(pieces) - 1, *(tid for tid in added if tid < vocab_size)]) + 1, vocab_size)
    unk = model.get("unk_id") if isinstance(model.get("unk_id"), int) and model["unk_id"] < len(pieces) else None
    tokens, scores, types = [], [], []
    for tid in range(vocab_size):
        if tid == unk:
            tokens.append(pieces[tid][0])
            scores.append(float(pieces[tid][1]))
            types.append(gguf.TokenType.UNKNOWN)
        elif tid in added:
            content, special = added[tid]
            kind = _type_of_added(content, special)
            # llama.cpp matches user-defined tokens in the raw text, so their `▁` must be a space again
            tokens.append(content if kind == gguf.TokenType.CONTROL else content.replace(SPACE, " "))
            scores.append(float(pieces[tid][1]) if tid < len(pieces) else -1000.0)
            types.append(kind)
        elif tid < len(pieces):
            tokens.append(pieces[tid][0])
            scores.append(float(pieces[tid][1]))
            types.append(gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{tid}]")
            scores.append(-1000.0)
            types.append(gguf.TokenType.UNUSED)
    return Vocab("t5", "default", tokens, types, scores, add_space_prefix=text.add_space_prefix, unigram=text, unk_id=unk)


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
    if data is not None and (data.get("model") or {}).get("type") == "Unigram":
        return unigram_json_vocab(folder, data, vocab_size)
    if data is not None:
        kind = (data.get("model") or {}).get("type", "?")
        raise HearthError(f"{folder}: tokenizer.json holds a {kind} tokenizer that is neither byte-level BPE, "
                          "SentencePiece BPE nor Unigram, which llama.cpp would tokenize differently; "
                          "add the model's tokenizer.model")
    raise HearthError(f"{folder} has no tokenizer (tokenizer.json or tokenizer.model); copy it from the model's repository")
