"""No secret in any log line: chat-bot URLs, signing secrets and tokens are redacted from every log record.

Chat bots authenticate by their URL (DingTalk's ``access_token`` and live ``sign``, WeCom's ``key=``, the
Feishu hook token, Slack's hook path), and httpx logs every request URL at INFO. So, once
:func:`install_log_redaction` has run (the ``groundswell`` command does it first thing), every log record made in
the process, by any library, is scrubbed as it is created:

* the secrets registered with :func:`register_secret` (the notifier registers every receiver URL and secret it
  resolves, the feedback API its token, the receiver its secret, the pseudonymiser its key) are replaced by
  ``[redacted]``;
* every ``http(s)://`` URL keeps its scheme and host and loses its path and query (``https://oapi.dingtalk.com/…``),
  registered or not, and ``user:password@`` is dropped;
* ``access_token=``, ``key=``, ``sign=``, ``token=``, ``secret=`` ... values and ``Bearer`` tokens elsewhere in the text.

Exception tracebacks attached to records are formatted and scrubbed the same way. :func:`redact` is also applied to
delivery errors before they are logged or written to a dead letter.

>>> register_secret("SECdemo0123456789")
>>> redact("POST https://oapi.dingtalk.com/robot/send?access_token=abc&sign=x%2By failed; secret SECdemo0123456789")
'POST https://oapi.dingtalk.com/… failed; secret [redacted]'
"""
from __future__ import annotations

import logging
import re
import threading
import traceback
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "[redacted]"
MIN_SECRET_CHARS = 6            # shorter strings would redact ordinary words; such secrets are refused elsewhere
_LOCK = threading.Lock()
_SECRETS: set[str] = set()
_ORDERED: list[str] = []        # longest first, so that a secret containing another is replaced whole

_URL_RE = re.compile(r"(?i)\b(https?|wss?)://([^\s/?#'\"<>]+)([^\s'\"<>]*)")
_PARAM_RE = re.compile(r"(?i)\b(access_token|token|key|sign|signature|secret|password|passwd|apikey|api_key)"
                       r"=([^&\s'\"<>]+)")
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")

__all__ = ["install_log_redaction", "redact", "register_secret", "register_url", "MASK"]


def register_secret(value: str | None) -> None:
    """Never let ``value`` reach a log line (nor its URL-quoted form)."""
    if not value or len(value) < MIN_SECRET_CHARS:
        return
    forms = {value, unquote(value)}
    try:
        from urllib.parse import quote, quote_plus
        forms |= {quote(value, safe=""), quote_plus(value)}
    except Exception:           # pragma: no cover (quote never fails on str)
        pass
    with _LOCK:
        new = {f for f in forms if len(f) >= MIN_SECRET_CHARS} - _SECRETS
        if new:
            _SECRETS.update(new)
            _ORDERED[:] = sorted(_SECRETS, key=len, reverse=True)


def register_url(url: str | None) -> None:
    """A URL that is a credential: the whole of it, its path, and each long path segment and query value."""
    if not url:
        return
    register_secret(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if len(parts.path) > 1:
        register_secret(parts.path + (f"?{parts.query}" if parts.query else ""))
    for seg in parts.path.split("/"):
        if len(seg) >= 16:      # tokens are long; "robot", "send", "services" are not secrets
            register_secret(seg)
    for _, v in parse_qsl(parts.query, keep_blank_values=False):
        register_secret(v)
    if parts.password:
        register_secret(parts.password)


def _url(m: re.Match) -> str:
    scheme, host, rest = m.group(1), m.group(2), m.group(3)
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    return f"{scheme}://{host}" + ("/…" if rest not in ("", "/") else rest)


def redact(text: str) -> str:
    """``text`` with registered secrets, URL paths and queries, token parameters and bearer tokens masked."""
    if not text:
        return text
    if "://" in text:                   # first: a URL keeps its host, whatever secret its path holds
        text = _URL_RE.sub(_url, text)
    for s in _ORDERED:
        if s in text:
            text = text.replace(s, MASK)
    if "=" in text:
        text = _PARAM_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        msg = record.getMessage()
    except Exception:            # a record whose arguments do not fit its format: keep what can be shown
        msg = f"{record.msg!s} {record.args!r}"
    clean = redact(msg)
    if clean != msg:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_log_redaction() -> None:
    """Scrub every log record made from now on in this process (idempotent)."""
    with _LOCK:
        current = logging.getLogRecordFactory()
        if getattr(current, "groundswell_redacts", False):
            return

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = current(*args, **kwargs)
            _scrub(record)
            return record

        factory.groundswell_redacts = True          # type: ignore[attr-defined]
        factory.groundswell_previous = current      # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)


def uninstall_log_redaction() -> None:
    """Undo :func:`install_log_redaction` (tests)."""
    with _LOCK:
        current = logging.getLogRecordFactory()
        if getattr(current, "groundswell_redacts", False):
            logging.setLogRecordFactory(current.groundswell_previous)
