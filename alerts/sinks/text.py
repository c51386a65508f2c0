"""Readable chat messages in Chinese or English, in the Markdown dialect of each bot.

Everything taken from posts (titles, terms, sample texts) is *untrusted*: it is put on one line, shortened,
and its markup characters are swapped for full-width look-alikes (``*`` → ``＊``, ``[`` → ``［``, ``<`` → ``＜``,
``@`` → ``＠`` ...), and ``://`` becomes ``：//``, so a post cannot inject links, mentions (``@all``,
``<!channel>``) or formatting into a message officials read. The live links are the dashboard link and, after
a sample, a link with a fixed label ("原帖" / "post") to the sample's post when the input gave its ``url`` as a plain
http(s) URL (no markup characters: ``_post_link``).

    >>> _post_link("https://weibo.example/u1/status/1", words("zh"), MARKDOWN)
    ' [原帖](https://weibo.example/u1/status/1)'
    >>> _post_link("javascript:alert(1)", words("en"), MARKDOWN), _post_link("http://x.example/a)[b](c", words("en"), SLACK)
    ('', '')

    >>> clean("see [this](http://evil) @all <!channel>", 80)
    'see ［this］（http：//evil） ＠all ＜!channel＞'
    >>> without_handles_text("RT @cnn: bridge closed //@路人甲: 堵死了, mail me at a@b.org")
    'RT @…: bridge closed //@…: 堵死了, mail me at a@b.org'

Third parties' ``@handles`` quoted in titles and sample posts are replaced by ``@…`` for receivers with
``redact_handles`` (by default chat bots, which people read: issues, not people).
    >>> growth_line({"interval_s": 300, "counts": [1, 3, 8]}, "en")
    '1 → 3 → 8 per 5 min'
    >>> growth_line({"interval_s": 300, "counts": [1, 3, 8, 2], "current_s": 40.0}, "en")
    '1 → 3 → 8 per 5 min; 2 so far in the current 5 min'
    >>> growth_line({"interval_s": 300, "counts": [1, 3, 8, 2], "current_s": 40.0}, "zh")
    '1 → 3 → 8（每 5 分钟）；当前 5 分钟（未结束）已有 2'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from ..config import AlertingConfig
from ..dispatcher import Notification
from ..durations import format_duration, parse_time

_FULLWIDTH = str.maketrans({
    "*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞",
    "#": "＃", "~": "～", "|": "｜", "@": "＠", "&": "＆", "\\": "＼",
})


_HANDLE_RE = re.compile(r"(?<![\w.@＠])[@＠][\w\-]{1,30}")


def without_handles_text(text: str) -> str:
    """``text`` with every @handle (Twitter ``@name``, Weibo ``@昵称``; not e-mail addresses) as ``@…``."""
    return _HANDLE_RE.sub("@…", text) if ("@" in text or "＠" in text) else text


def without_handles(n: Notification) -> Notification:
    """A copy of ``n`` whose alerts' titles and sample posts name no @handle (see :func:`without_handles_text`)."""
    alerts = []
    for a in n.alerts:
        ann = a.get("annotations")
        if not isinstance(ann, dict):
            alerts.append(a)
            continue
        ann = dict(ann)
        if isinstance(ann.get("title"), str):
            ann["title"] = without_handles_text(ann["title"])
        if isinstance(ann.get("sample_posts"), list):
            ann["sample_posts"] = [{**p, "text": without_handles_text(p["text"])}
                                   if isinstance(p, dict) and isinstance(p.get("text"), str) else p
                                   for p in ann["sample_posts"]]
        alerts.append({**a, "annotations": ann})
    return replace(n, alerts=alerts)


def clean(text: object, limit: int) -> str:
    """One line of untrusted text, markup neutralised, at most ``limit`` characters."""
    s = " ".join(str(text or "").split()).translate(_FULLWIDTH).replace("://", "：//")
    return s if len(s) <= limit else s[: max(1, limit - 1)] + "…"


def fit_bytes(text: str, limit: int) -> str:
    """``text`` cut (on a character boundary, with an ellipsis) so its UTF-8 form is at most ``limit`` bytes."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    cut = raw[: max(0, limit - 3)].decode("utf-8", "ignore")
    return cut + "…"


_WORDS = {
    "en": {
        "firing": "Firing", "resolved": "Resolved", "escalated": "escalated from {0}", "reminder": "still firing, reminder {0}",
        "status": "Status", "size": "Size", "size_v": "{0} posts · {1} distinct authors", "growth": "Growth",
        "per": "per {0}", "first_seen": "First seen", "terms": "Top terms", "languages": "Languages", "samples": "Sample posts",
        "link": "Open in dashboard", "more": "…and {0} more alerts in this group", "issues": "{0} alerts",
        "resolved_at": "Resolved at {0}", "alert": "ALERT", "sep": ", ", "ended": "RESOLVED",
        "merged": "MERGED", "merged_into": "Merged into issue {0} (same story; it continues there)",
        "merged_at": "at {0}", "post": "post", "now": "{0} so far in the current {1}",
    },
    "zh": {
        "firing": "预警中", "resolved": "已解除", "escalated": "由{0}升级", "reminder": "仍在持续，第 {0} 次提醒",
        "status": "状态", "size": "规模", "size_v": "{0} 条帖子 · {1} 位独立作者", "growth": "增长",
        "per": "每 {0}", "first_seen": "首次出现", "terms": "热词", "languages": "语言", "samples": "样例帖子",
        "link": "在看板中查看", "more": "……本组另有 {0} 条预警", "issues": "{0} 条预警",
        "resolved_at": "解除于 {0}", "alert": "预警", "sep": "、", "ended": "已解除",
        "merged": "已合并", "merged_into": "已并入事件 {0}（同一事件，后续在该事件中继续）",
        "merged_at": "于 {0}", "post": "原帖", "now": "当前 {1}（未结束）已有 {0}",
    },
}
_ZH_UNITS = {"d": "天", "h": "小时", "m": "分钟", "s": "秒", "ms": "毫秒"}
_PARTS = re.compile(r"(\d+)(ms|d|h|m|s)")


def words(language: str) -> dict[str, str]:
    return _WORDS.get(language, _WORDS["en"])


def interval_text(seconds: int, language: str) -> str:
    d = format_duration(seconds)
    if language == "zh":
        return " ".join(f"{n}{' '}{_ZH_UNITS[u]}" for n, u in _PARTS.findall(d)) or d
    if d.endswith("m") and d[:-1].isdigit():
        return d[:-1] + " min"
    return d


def growth_line(growth: dict, language: str, last: int = 6) -> str:
    """Posts per interval, oldest first; the current interval (``current_s`` into it) is told apart, as a count so
    far, so that an issue does not look as if it were collapsing."""
    counts = list(growth.get("counts") or [])
    current = growth.get("current_s") is not None and bool(counts)
    now = counts.pop() if current else None
    counts = counts[-(last - 1 if current else last):]
    if not counts and now is None:
        return "—"
    interval = interval_text(int(growth.get("interval_s") or 0), language)
    per = words(language)["per"].format(interval)
    line = " → ".join(str(int(c)) for c in counts)
    out = (f"{line} {per}" if language == "en" else f"{line}（{per}）") if counts else ""
    if now is not None:
        tail = words(language)["now"].format(int(now), interval)
        out = f"{out}; {tail}" if out and language == "en" else (f"{out}；{tail}" if out else tail)
    return out


def local_time(value: object, tz: str) -> str:
    if not value:
        return "—"
    try:
        t = parse_time(value)
    except ValueError:
        return clean(value, 40)
    return datetime.fromtimestamp(t, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") + f" ({tz})"


@dataclass(frozen=True)
class Dialect:
    """How one bot writes bold text, links, quotes and headings."""
    bold: str = "**{0}**"
    link: str = "[{0}]({1})"
    quote: str = "> {0}"
    heading: str = "### {0}"
    subheading: str = "#### {0}"
    line_break: str = "\n\n"


MARKDOWN = Dialect()                                              # DingTalk
WECOM = Dialect(line_break="\n")
LARK_MD = Dialect(quote="• {0}", heading="**{0}**", subheading="**{0}**", line_break="\n")  # Feishu card markdown
SLACK = Dialect(bold="*{0}*", link="<{1}|{0}>", heading="*{0}*", subheading="*{0}*", line_break="\n")


_SAFE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~/%?=&+#:,;!$'-]*)?")


def _post_link(url: object, w: dict[str, str], d: Dialect) -> str:
    """A link to a sample's post (a fixed label): only for an http(s) URL with no markup characters in it."""
    if not isinstance(url, str) or len(url) > 500 or not _SAFE_URL.fullmatch(url):
        return ""
    return " " + d.link.format(w["post"], url)


def one_per_issue(alerts: list[dict]) -> list[dict]:
    """The first (most severe) alert of each issue fingerprint: an escalated issue's lower severities, which
    resolve with it, are not shown again to people (the webhook body still lists them all)."""
    seen: set[str] = set()
    out = []
    for a in alerts:
        fp = a.get("fingerprint") or a["labels"].get("issue_id", "")
        if fp not in seen:
            seen.add(fp)
            out.append(a)
    return out


def headline(n: Notification, config: AlertingConfig, language: str, *, with_icon: bool = True) -> str:
    """One-line title: ``🔴 RED · <title>`` / ``🔴【红色预警】<title>``; resolved ones say so."""
    w = words(language)
    a = n.alerts[0]
    sev = config.severity(a["labels"].get("severity", ""))
    title = clean(a["annotations"].get("title", ""), 60)
    count = len(one_per_issue(n.alerts)) + n.truncated_alerts
    extra = f" (+{count - 1})" if count > 1 else ""
    icon = ("✅" if n.status == "resolved" else sev.icon) + " " if with_icon else ""
    if n.status == "resolved":
        label = w["ended"]
        into = a["annotations"].get("merged_into")
        if into:
            icon = "🔀 " if with_icon else ""
            label = w["merged"]
            title = f"{title} → {clean(into, 40)}"
        return f"{icon}【{label}】{title}{extra}" if language == "zh" else f"{icon}{label} · {title}{extra}"
    if language == "zh":
        return f"{icon}【{sev.display('zh')}{w['alert']}】{title}{extra}"
    return f"{icon}{sev.display('en').upper()} · {title}{extra}"


def alert_block(a: dict, n: Notification, config: AlertingConfig, language: str, tz: str, d: Dialect,
                *, samples: int = 3) -> list[str]:
    """The lines describing one alert: status, size, growth, first seen, terms, languages, samples, link."""
    w = words(language)
    ann = a.get("annotations", {})
    colon = "：" if language == "zh" else ":"
    sev = config.severity(a["labels"].get("severity", ""))

    def field(label: str, value: str) -> str:
        return f"{d.bold.format(label + colon)} {value}"

    if a.get("status") == "resolved" and ann.get("merged_into"):
        status = (w["merged_into"].format(clean(ann["merged_into"], 40)) + " · "
                  + w["merged_at"].format(local_time(a.get("ends_at"), tz)))
    elif a.get("status") == "resolved":
        status = f"{w['resolved']} · " + w["resolved_at"].format(local_time(a.get("ends_at"), tz))
    else:
        status = f"{w['firing']} · {sev.display(language)}"
        if a.get("escalated_from"):
            prev = config.severity(a["escalated_from"]).display(language)
            status += ("（" + w["escalated"].format(prev) + "）") if language == "zh" else f" ({w['escalated'].format(prev)})"
        if n.repeat:
            status += ("（" + w["reminder"].format(n.repeat) + "）") if language == "zh" else f" ({w['reminder'].format(n.repeat)})"
    lines = [
        field(w["status"], status),
        field(w["size"], w["size_v"].format(ann.get("posts", 0), ann.get("authors", 0))),
        field(w["growth"], growth_line(ann.get("growth") or {}, language)),
        field(w["first_seen"], local_time(ann.get("first_seen"), tz)),
    ]
    terms = [clean(t, 20) for t in (ann.get("terms") or [])[:6]]
    if terms:
        lines.append(field(w["terms"], w["sep"].join(terms)))
    languages = [clean(x, 8) for x in (ann.get("languages") or [])[:8]]
    if languages:
        lines.append(field(w["languages"], w["sep"].join(languages)))
    posts = [p for p in (ann.get("sample_posts") or [])[:samples] if p.get("text")]
    if posts:
        lines.append(d.bold.format(w["samples"] + colon))
        lines.extend(d.quote.format(clean(p["text"], 140) + _post_link(p.get("url"), w, d)) for p in posts)
    url = ann.get("dashboard_url")
    if url:
        lines.append(d.link.format(w["link"], url))
    return lines


def render_markdown(n: Notification, config: AlertingConfig, language: str, tz: str, d: Dialect,
                    *, heading: bool = True, max_alerts: int = 5) -> str:
    """The whole message body in dialect ``d``: headline, then one block per alert (first ``max_alerts``)."""
    w = words(language)
    tz = config.display_timezone(n.route, tz)
    parts: list[str] = []
    if heading:
        parts.append(d.heading.format(headline(n, config, language)))
    issues = one_per_issue(n.alerts)
    many = len(issues) > 1
    shown = issues[:max_alerts]
    for a in shown:
        block = alert_block(a, n, config, language, tz, d, samples=2 if many else 3)
        if many:
            sev = config.severity(a["labels"].get("severity", ""))
            block.insert(0, d.subheading.format(f"{sev.icon} {clean(a['annotations'].get('title', ''), 60)}"))
        parts.append(d.line_break.join(block) if d.line_break == "\n\n" else "\n".join(block))
    hidden = len(issues) - len(shown) + n.truncated_alerts
    if hidden > 0:
        parts.append(w["more"].format(hidden))
    return d.line_break.join(parts) if d.line_break == "\n\n" else "\n\n".join(parts)
