"""Finding 8: records that vanished. `iter_jsonl` split lines with str.splitlines, which also splits at U+2028,
U+2029 and U+0085 (JSON keeps them unescaped inside strings): an official's feedback containing one was stored
(201) and never read back; dead letters were read the same way. JSON Lines are now read by "\\n" only."""
from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry

from groundswell.alerts import (AlertMetrics, FeedbackService, FeedbackStore, FileDeadLetters, load_feedback,
                                make_feedback_app, read_dead_letters)
from tests.alerts.helpers import ThreadedApp

TOKEN = "feedback0token0for0the0hardening0tests0x"
SEPARATORS = {"LS": "\u2028", "PS": "\u2029", "NEL": "\u0085", "VT": "\x0b", "FF": "\x0c", "FS": "\x1c",
              "GS": "\x1d", "RS": "\x1e"}


def test_feedback_with_unicode_line_separators_is_read_back(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.jsonl")
    service = FeedbackService(store, AlertMetrics.for_registry(CollectorRegistry()))
    with ThreadedApp(lambda: make_feedback_app(service, token=TOKEN)) as srv:
        url = f"http://127.0.0.1:{srv.port}/api/v1/feedback"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for name, sep in SEPARATORS.items():
            r = httpx.post(url, json={"issue_id": f"c-{name}", "action": "ack", "comment": f"line one{sep}two"},
                           headers=auth)
            assert r.status_code == 201, r.text
        listed = httpx.get(url, headers=auth).json()["feedback"]
    assert sorted(x["issue_id"] for x in listed) == sorted(f"c-{n}" for n in SEPARATORS)
    assert {x["comment"] for x in load_feedback(store.path)} == {f"line one{s}two" for s in SEPARATORS.values()}


def test_dead_letters_with_unicode_line_separators_are_read_back(tmp_path):
    letters = FileDeadLetters(tmp_path / "dead_letter.jsonl", fsync=False)
    for i, sep in enumerate(SEPARATORS.values()):
        letters.write({"notification_id": f"n{i}", "last_error": f"HTTP 400: bad{sep}request", "attempts": 1})
    assert [r["notification_id"] for r in read_dead_letters(letters.path)] == [f"n{i}" for i in range(len(SEPARATORS))]
