"""Search answers with conversations: every one that matches, however many matches the others
have, with true counts; titles, folders and tags too; every branch; a page at a time."""
from __future__ import annotations

import pytest

from desktop.store import search


def _writers(store, count: int = 4, pairs: int = 40) -> list[int]:
    """The issue's shape: conversations "writer 1" … each with many questions holding 你好."""
    ids = []
    for n in range(1, count + 1):
        sid = store.create_session(title=f"writer {n}")
        for i in range(pairs):
            store.add_message(sid, "user", f"w{n} q{i} 你好, question")
            store.add_message(sid, "assistant", f"a{i} answer")
        ids.append(sid)
    return ids


@pytest.fixture(params=["indexed", "common"])
def path(request, monkeypatch) -> str:
    """Both ways a query runs: all matches read from an index, or (a common word) conversations
    walked newest first. They must give the same answers."""
    if request.param == "common":
        monkeypatch.setattr(search, "COMMON_MATCHES", 10)
    return request.param


def test_many_match_conversations_do_not_crowd_out_the_others(store, path):
    writers = _writers(store)
    few = store.create_session()
    store.add_message(few, "user", "只说一次你好 and one question")
    newest_first = [few, *writers[::-1]]
    for query in ("你好", "question"):
        hits = store.search(query, limit=3)
        assert [h.session.id for h in hits] == newest_first[:3], query
        assert [h.matches for h in hits] == [1, 40, 40], query
        hits = store.search(query)
        assert [h.session.id for h in hits] == newest_first and hits[-1].matches == 40
    assert [(h.session.id, h.matches) for h in store.search("w3 q")] == [(writers[2], 40)]
    assert [h.session.id for h in store.search("q1 ")] == writers[::-1]  # "q1" and a space: the word q1…
    assert [(h.session.id, h.matches) for h in store.search("q39")] == [(s, 1) for s in writers[::-1]]


def test_each_hit_has_its_newest_match_as_snippet_and_every_match_listed(store, path):
    [sid] = _writers(store, count=1, pairs=12)
    [hit] = store.search("你好")
    assert hit.snippet.startswith("w1 q11 «你好»") and hit.message_id == hit.message_ids[0]
    assert hit.message_ids == sorted(hit.message_ids, reverse=True) and len(hit.message_ids) == 12
    assert [store.get_message(m).content for m in hit.message_ids][-1] == "w1 q0 你好, question"


def test_title_folder_and_tags_are_searched_and_a_title_match_ranks_first(store, path):
    trip = store.create_session(title="Kyoto trip")
    store.add_message(trip, "user", "Which temples should I see?")
    mention = store.create_session(title="Day out")
    store.add_message(mention, "user", "Is Kyoto far from Osaka?")
    filed = store.create_session(title="Budget", folder="Work", tags=["travel", "北京"])
    [first, second] = store.search("kyoto")
    assert (first.session.id, first.title_match, first.message_id, first.matches) == (trip, True, None, 0)
    assert first.snippet == "«Kyoto» trip"
    assert (second.session.id, second.title_match, second.matches) == (mention, False, 1)
    assert [h.session.id for h in store.search("work")] == [filed]
    assert [h.session.id for h in store.search("北京")] == [filed]  # a two-character tag
    assert [h.session.id for h in store.search("travel budget")] == [filed]  # words from tags and title
    assert [h.session.id for h in store.search("kyoto temples")] == []  # all words in one place


def test_a_title_match_with_message_matches_counts_them(store, path):
    sid = store.create_session(title="天气 notes")
    store.add_message(sid, "user", "明天天气怎么样")
    store.add_message(sid, "assistant", "天气晴")
    other = store.create_session(title="Today")
    store.add_message(other, "user", "今天天气好")
    hits = store.search("天气")
    assert [(h.session.id, h.title_match, h.matches) for h in hits] == [(sid, True, 2), (other, False, 1)]
    assert "«天气»晴" in hits[0].snippet


def test_matches_in_other_branches_are_found_and_open_that_branch(store, path):
    sid = store.create_session()
    old = store.add_message(sid, "user", "Tell me about otters")
    store.add_message(sid, "assistant", "Otters are playful.")
    new = store.edit_message(old.id, "Tell me about beavers")  # the otter question leaves the active branch
    assert [m.id for m in store.active_path(sid)] == [new.id]
    [hit] = store.search("otter")
    assert hit.matches == 2 and hit.message_ids[-1] == old.id
    assert hit.message_id not in [m.id for m in store.active_path(sid)]
    shown = store.switch_branch(hit.message_id)
    assert hit.message_id in [m.id for m in shown] and shown[0].id == old.id


def test_pages_cover_every_conversation_once(store, path):
    ids = []
    for n in range(7):
        sid = store.create_session(title="天气 diary" if n in (2, 5) else f"day {n}")
        store.add_message(sid, "user", f"day {n}: 天气 note")
        ids.append(sid)
    everything = [h.session.id for h in store.search("天气", limit=50)]
    assert everything == [ids[5], ids[2], ids[6], ids[4], ids[3], ids[1], ids[0]]
    pages = [[h.session.id for h in store.search("天气", limit=3, offset=o)] for o in (0, 3, 6, 9)]
    assert pages == [everything[:3], everything[3:6], everything[6:], []]


def test_the_short_word_index_follows_edits_deletes_and_the_trash(store):
    conn = store._connection()

    def indexed(word: str) -> int:
        store.search("refresh the index")
        token = search.query_token(word)
        return conn.execute("SELECT count(*) FROM messages_short WHERE messages_short MATCH ?",
                            (f'"{token}"',)).fetchone()[0]

    sid = store.create_session()
    question = store.add_message(sid, "user", "北京天气")
    answer = store.begin_assistant(sid, question.id)
    assert indexed("天气") == 1
    store.save_partial(answer.id, "天气晴")
    store.finish_assistant(answer.id, "下雨", "stop")  # the partial text leaves the index
    assert indexed("天气") == 1 and indexed("下雨") == 1 and indexed("晴") == 0
    assert [h.message_id for h in store.search("雨")] == [answer.id]  # one character
    store.delete_session(sid)
    assert store.search("天气") == []
    store.restore_session(sid)
    assert len(store.search("天气")) == 1
    store.delete_session(sid)
    store.empty_trash()
    assert indexed("天气") == 0 and indexed("下雨") == 0
    assert conn.execute("SELECT count(*) FROM short_gone").fetchone()[0] == 0


def test_short_words_with_odd_characters_are_taken_literally(store):
    sid = store.create_session(title="odd")
    store.add_message(sid, "user", 'c++ and "quotes" (100%) -- 和"引号" * OR NEAR')
    store.create_session(title="plain")
    for query in ["c+", '"q', "%)", '和"', "*", "OR", "-", "(1"]:
        assert [h.session.id for h in store.search(query)] == [sid], query
    assert store.search("%%") == [] and store.search("和和") == []


def test_case_is_ignored_beyond_ascii_whichever_way_the_query_runs(store, path):
    sid = store.create_session(title="Été à Paris")
    store.add_message(sid, "user", "Привет, МИР! Ещё раз привет")
    store.add_message(sid, "assistant", "ПРИВЕТ")
    hits = store.search("привет")
    assert [(h.session.id, h.matches) for h in hits] == [(sid, 2)]
    assert [(h.session.id, h.matches) for h in store.search("Мир")] == [(sid, 1)]
    assert [(h.session.id, h.matches) for h in store.search("РА")] == [(sid, 1)]  # two characters
    assert [(h.title_match, h.matches) for h in store.search("ÉTÉ")] == [(True, 0)]
    assert [h.matches for h in store.search("привет мир")] == [1]
