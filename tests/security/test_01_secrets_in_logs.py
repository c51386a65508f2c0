"""Finding 1: chat-bot credentials in logs. httpx logs every request URL at INFO; DingTalk's access_token and live
sign, WeCom's key, the Feishu hook token and Slack's hook path are in those URLs. Every log line of a run (and of a
worker: test_kafka_hardening.py) is grepped for every configured secret."""
from __future__ import annotations

from tests.alerts.helpers import ThreadedApp
from tests.security.helpers import (CHAT_ALERTING, CHAT_SECRETS, CaptureLogs, FakeVendors, chat_env, leaked,
                                    read_jsonl, restore_log_record_factory, run_cli, small_stream, write_lines)


def test_a_run_with_chat_bots_logs_no_secret(tmp_path, monkeypatch):
    vendors = FakeVendors()
    with ThreadedApp(vendors.app) as srv:
        for k, v in chat_env(srv.port).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("GROUNDSWELL_PSEUDONYM_KEY", "pseudonym0key0for0the0log0test0x")
        (tmp_path / "alerting.yaml").write_text(CHAT_ALERTING)
        posts = write_lines(tmp_path / "posts.jsonl", small_stream())
        with restore_log_record_factory(), CaptureLogs() as logs:
            rc, out, err = run_cli(["run", str(posts), "--alerts-out", str(tmp_path / "alerts.jsonl"),
                                    "--alerting", str(tmp_path / "alerting.yaml"), "--no-progress", "-v"])
    assert rc == 0, err
    assert read_jsonl(tmp_path / "alerts.jsonl"), "the stream must alert (else nothing was sent)"
    paths = {p.split("/")[1] for p, _ in vendors.requests}
    assert {"robot", "cgi-bin", "open-apis", "services", "hook"} <= paths, vendors.requests   # every bot was called
    assert any("HTTP Request" in line for line in logs.lines), "httpx's own request lines must be in the capture"
    everything = logs.text + out + err
    assert not leaked(everything), leaked(everything)[:5]
    assert "pseudonym0key0for0the0log0test0x" not in everything
    # delivery errors are redacted too (they go to logs and dead letters): none here, every bot answered ok
    assert set(CHAT_SECRETS)                                                # (the list the grep used)
