"""Finding 7: the HTTP services answered 500 where they should refuse: the feedback API on an Authorization header
with byte 0xff (before authentication) and on deeply nested JSON; the receiver on full-width digits or "²" in the
timestamp, byte 0xff in the signature, deeply nested bodies. The receiver ran unverified when its secret variable
was missing (and accepted a forged notification); a 1-character feedback token was accepted. Now both answer
400/401/413 (never 500) to any request, the receiver refuses to start without a secret unless --insecure, and the
token has at least 32 bytes."""
from __future__ import annotations

import os
import subprocess
import time

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from groundswell.alerts import AlertMetrics, FeedbackService, FeedbackStore, WebhookReceiver, make_feedback_app
from groundswell.alerts.sinks.webhook import sign_body
from tests.alerts.helpers import ThreadedApp
from tests.security.helpers import PY, free_port, http_request, raw_http

TOKEN = "feedback0token0for0the0hardening0tests0x"
SECRET = "receiver0secret0for0the0hardening0tests"
NEVER = {0, 500, 502, 503}          # 0: the connection closed without an answer
FEEDBACK = "/api/v1/feedback"


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feedback")
    service = FeedbackService(FeedbackStore(tmp / "feedback.jsonl"), AlertMetrics.for_registry(CollectorRegistry()))
    with ThreadedApp(lambda: make_feedback_app(service, token=TOKEN)) as srv:
        yield srv.port


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    rx = WebhookReceiver(SECRET, tmp_path_factory.mktemp("rx") / "received.jsonl")
    with ThreadedApp(rx.app) as srv:
        yield srv.port


def _auth(token: bytes = TOKEN.encode()) -> tuple[bytes, bytes]:
    return b"Authorization", b"Bearer " + token


def _signed(body: bytes, ts: bytes | None = None, sig: bytes | None = None) -> list[tuple[bytes, bytes]]:
    t = int(time.time())
    return [(b"X-Groundswell-Timestamp", ts if ts is not None else str(t).encode()),
            (b"X-Groundswell-Signature", sig if sig is not None else sign_body(SECRET, t, body).encode()),
            (b"Idempotency-Key", b"n1"), (b"Content-Type", b"application/json")]


NESTED = b"[" * 5000 + b"]" * 5000
NESTED_OBJ = b'{"a":' * 3000 + b"1" + b"}" * 3000


FEEDBACK_CASES = {
    "0xff-token": ("POST", FEEDBACK, [(b"Authorization", b"Bearer \xff\xfe")], b"{}", {401}),
    "utf8-token": ("POST", FEEDBACK, [(b"Authorization", b"Bearer " + "令牌".encode())], b"{}", {401}),
    "nested-list": ("POST", FEEDBACK, [_auth()], NESTED, {400}),
    "nested-object": ("POST", FEEDBACK, [_auth()], NESTED_OBJ, {400}),
    "lone-surrogate": ("POST", FEEDBACK, [_auth()], b'{"issue_id": "c1", "action": "ack", "comment": "\\ud800"}',
                       {400}),
    "too-big": ("POST", FEEDBACK, [_auth()], b"x" * 70_000, {413}),
    **{f"query-{i}": ("GET", f"{FEEDBACK}?{q}", [_auth()], b"", {200, 400}) for i, q in enumerate((
        "since=0001-01-01T00:00:00+23:59", "since=9999-12-31T23:59:59-23:59", "since=%FF", "limit=" + "9" * 5000,
        "since=２０２４-01-01", "since=1e400", "limit=-" + "9" * 30))},
}
RECEIVER_CASES = {
    "superscript-ts": (_signed(b"{}", ts="²".encode()), b"{}", 401),
    "fullwidth-ts": (_signed(b"{}", ts="１７００００００００".encode()), b"{}", 401),
    "0xff-signature": (_signed(b"{}", sig=b"v1=\xff\xfe"), b"{}", 401),
    "nested-list": (_signed(NESTED), NESTED, 400),
    "nested-object": (_signed(NESTED_OBJ), NESTED_OBJ, 400),
    "not-object": (_signed(b"[1, 2]"), b"[1, 2]", 400),
    "lone-surrogate": (_signed(b'{"version": "1", "notification_id": "n1", "alerts": "\\ud800"}'),
                       b'{"version": "1", "notification_id": "n1", "alerts": "\\ud800"}', 400),
}


def test_feedback_api_answers_malformed_requests_with_4xx(feedback):
    got = {name: raw_http(feedback, http_request(method, path, headers, body))
           for name, (method, path, headers, body, _) in FEEDBACK_CASES.items()}
    wrong = {name: status for name, status in got.items() if status not in FEEDBACK_CASES[name][4]}
    assert not wrong, wrong


def test_receiver_answers_malformed_requests_with_4xx(receiver):
    got = {name: raw_http(receiver, http_request("POST", "/hook", headers, body))
           for name, (headers, body, _) in RECEIVER_CASES.items()}
    wrong = {name: status for name, status in got.items() if status != RECEIVER_CASES[name][2]}
    assert not wrong, wrong


header_names = st.sampled_from([b"Authorization", b"X-Groundswell-Timestamp", b"X-Groundswell-Signature",
                                b"Idempotency-Key", b"Content-Type", b"Content-Encoding", b"Transfer-Encoding",
                                b"X-Other"])
header_values = st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")) | st.sampled_from(
    [b"Bearer " + TOKEN.encode(), "²".encode(), "１２３".encode(), b"v1=\xff", b"gzip", b"chunked", b""])
json_like = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                         lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                         max_leaves=10).map(lambda v: orjson.dumps(v))
bodies = st.binary(max_size=300) | json_like | st.sampled_from([NESTED, NESTED_OBJ, b"\xff" * 10, b"{" * 100])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(headers=st.lists(st.tuples(header_names, header_values), max_size=5), body=bodies,
       authed=st.booleans(), method=st.sampled_from(["POST", "GET", "PUT"]))
def test_feedback_api_never_answers_500(feedback, headers, body, authed, method):
    if authed:
        headers = [_auth()] + [h for h in headers if h[0] != b"Authorization"]
    status = raw_http(feedback, http_request(method, FEEDBACK, headers, body))
    assert status not in NEVER, status


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(headers=st.lists(st.tuples(header_names, header_values), max_size=5), body=bodies, signed=st.booleans())
def test_receiver_never_answers_500(receiver, headers, body, signed):
    if signed:      # get past verification, to the body's handling
        names = {b"X-Groundswell-Timestamp", b"X-Groundswell-Signature"}
        headers = _signed(body)[:2] + [h for h in headers if h[0] not in names]
    status = raw_http(receiver, http_request("POST", "/hook", headers, body))
    assert status not in NEVER, status


def test_receiver_refuses_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GROUNDSWELL_WEBHOOK_SECRET"}
    port = free_port()
    proc = subprocess.Popen([PY, "-m", "groundswell.streams.cli", "receiver", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        rc = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # still serving: it started without verification. A forged notification would be accepted:
        forged = b'{"version": "1", "notification_id": "forged", "alerts": []}'
        status = raw_http(port, http_request("POST", "/", [(b"Idempotency-Key", b"forged")], forged))
        proc.kill()
        proc.wait()
        pytest.fail(f"the receiver started without a secret and answered a forged notification with {status}")
    assert rc == 2
    assert b"--insecure" in proc.stderr.read()


@pytest.mark.parametrize("token", ["x", "short-token", "a" * 31, "令牌令牌令牌令牌令牌"])   # the last: 30 bytes
def test_feedback_token_has_at_least_32_bytes(tmp_path, token):
    service = FeedbackService(FeedbackStore(tmp_path / "f.jsonl"), AlertMetrics.for_registry(CollectorRegistry()))
    with pytest.raises(ValueError, match="32 bytes"):
        make_feedback_app(service, token=token)
