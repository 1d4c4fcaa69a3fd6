"""Full-text search finds words, parts of words and Chinese, and shows where."""
from __future__ import annotations


def _session_with(store, *texts: str) -> int:
    sid = store.create_session()
    for n, text in enumerate(texts):
        store.add_message(sid, "user" if n % 2 == 0 else "assistant", text)
    return sid


def test_search_returns_sessions_with_highlighted_snippets(store):
    paris = _session_with(store, "What is the capital of France?", "The capital of France is Paris.")
    _session_with(store, "Tell me about whales")
    [hit] = store.search("paris")
    assert hit.session.id == paris and "«Paris»" in hit.snippet
    hits = store.search("capital")
    assert [h.session.id for h in hits] == [paris] and hits[0].matches == 2
    assert hits[0].message_id == max(hits[0].message_ids)  # the newest match is shown


def test_every_word_must_match_and_marks_can_be_chosen(store):
    both = _session_with(store, "red apples and green pears")
    _session_with(store, "red cars")
    hits = store.search("pears red", mark=("<b>", "</b>"))
    assert [h.session.id for h in hits] == [both]
    assert "<b>red</b>" in hits[0].snippet and "<b>pears</b>" in hits[0].snippet


def test_chinese_is_found_with_three_or_two_characters(store):
    weather = _session_with(store, "今天天气很好，我们去公园散步吧")
    _session_with(store, "我喜欢喝茶")
    assert [h.session.id for h in store.search("天气很好")] == [weather]
    [hit] = store.search("天气")  # two characters: below a trigram, found with LIKE
    assert hit.session.id == weather and "«天气»" in hit.snippet
    assert [h.session.id for h in store.search("公园 天气")] == [weather]  # mixed lengths
    assert store.search("咖啡") == []


def test_parts_of_words_and_odd_characters_do_not_break_the_query(store):
    sid = _session_with(store, 'He said "don\'t panic" (NEAR: 100%) -- c++ AND_OR')
    for query in ['"don\'t', 'panic"', "100%)", "c++", "AND_OR", "(NEAR:", "anic"]:
        assert [h.session.id for h in store.search(query)] == [sid], query
    assert store.search("") == [] and store.search("   ") == []
    _session_with(store, "plain words")  # LIKE's wildcards are taken literally:
    assert [h.session.id for h in store.search("%")] == [sid]
    assert [h.session.id for h in store.search("_")] == [sid]


def test_edits_and_streamed_answers_are_searchable_and_trash_is_not(store):
    sid = store.create_session()
    question = store.add_message(sid, "user", "hello")
    answer = store.begin_assistant(sid, question.id)
    store.save_partial(answer.id, "streaming zebra")
    assert [h.message_id for h in store.search("zebra")] == [answer.id]
    store.finish_assistant(answer.id, "final giraffe", "stop")
    assert store.search("zebra") == [] and len(store.search("giraffe")) == 1
    store.delete_session(sid)
    assert store.search("giraffe") == []
    store.restore_session(sid)
    assert len(store.search("giraffe")) == 1
    store.delete_session(sid)
    store.empty_trash()
    count = store._connection().execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'giraffe'")
    assert count.fetchone()[0] == 0


def test_the_limit_counts_sessions(store):
    ids = [_session_with(store, f"common words number {n}") for n in range(5)]
    hits = store.search("common", limit=3)
    assert [h.session.id for h in hits] == ids[::-1][:3]


def test_new_messages_wait_for_the_index_in_small_batches(store):
    """Appends stay fast: the index catches up every INDEX_BATCH messages and before a search."""
    from desktop.store.store import INDEX_BATCH

    conn = store._connection()
    sid = store.create_session()
    for n in range(INDEX_BATCH + 10):
        store.add_message(sid, "user", f"note number {n}")
    assert conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] < INDEX_BATCH
    assert len(store.search("number 5")[0].message_ids) >= 1
    assert conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    indexed = conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'number'").fetchone()[0]
    assert indexed == INDEX_BATCH + 10
