"""Index tokens for words of one or two characters, which the trigram index cannot find.

Two-character words are the usual way to search in Chinese (天气, 你好, 北京), and one-character
ones are common too (猫, 雨). A message is indexed under every pair of neighbouring characters and
every single non-ASCII character it contains (lower-cased, never across whitespace, since a query
word has none), so a short word is found with one index lookup instead of reading every message.
Single ASCII letters and digits are left out: they occur in nearly every message, so an index
entry for them would be as long as the table, and LIKE finds them as quickly.

FTS5 has no tokenizer that splits this way, so the tokens are made here and handed to FTS5 as
plain words: each character as six hex digits, which every FTS5 tokenizer keeps whole.
"""
from __future__ import annotations

SHORT = 2  # the longest word this index answers; longer ones go to the trigram index
WORD_CACHE = 200_000  # distinct words remembered with their tokens (a few tens of MB at most)


class _Codes(dict):
    """token -> its hex form, made on first use; a few thousand distinct pairs in practice."""

    def __missing__(self, chars: str) -> str:
        code = self[chars] = "".join(f"{ord(c):06x}" for c in chars)
        return code


class _WordTokens(dict):
    """word -> the hex forms of its tokens. Words repeat from message to message far more than
    they differ, so each is split once: salvage indexes a million messages in one go."""

    def __missing__(self, word: str) -> frozenset[str]:
        if len(self) >= WORD_CACHE:
            self.clear()
        tokens = set(map(str.__add__, word, word[1:]))
        if not word.isascii():
            tokens.update(c for c in word if not c.isascii())
        codes = self[word] = frozenset(map(_codes.__getitem__, tokens))
        return codes


_codes = _Codes()
_word_tokens = _WordTokens()


def index_tokens(text: str) -> str:
    """The message's tokens, each once, as FTS5 input. (A word that recurs is looked up again
    rather than the words being made a set first: a dictionary hit is the cheaper of the two.)"""
    return " ".join(set().union(*map(_word_tokens.__getitem__, text.lower().split())))


def query_token(word: str) -> str | None:
    """The token that finds `word`, or None when this index cannot answer for it (a longer word,
    or one ASCII character)."""
    folded = word.lower()
    if not folded or len(folded) > SHORT or (len(folded) == 1 and folded.isascii()) or \
            any(c.isspace() for c in folded):
        return None
    return _codes[folded]
