"""Seeded synthetic Weibo/Twitter-like stream with labelled emerging issues and traps.

``generate(seed)`` returns a :class:`SyntheticStream`: post dicts in the input
contract (sorted by ``created_at``), ``truth`` (post id -> event name or None),
``groups`` (post id -> ``topic:<name>`` / ``event:<name>`` / ``trap:<name>``),
and descriptions of the events and traps.  Defaults (24 h from
2026-03-02 00:00 +08:00, about 26,000 posts):

* background chatter, 60 % Chinese (weibo, ``+08:00`` second timestamps) and
  40 % English (twitter, ``Z`` millisecond timestamps), 42-45 everyday topics per
  language, following an hour-of-day profile in the start's local time;
* four emerging issues (:data:`DEFAULT_EVENTS`) that start with a few posts per
  hour and double every 20-35 minutes for 2-4 hours, then decay, with many
  distinct authors, reposts and near-copies;
* traps that must not alert: a promo copy-paste flood (150 posts from 3
  accounts within 50 minutes), a steady football-league topic (constant
  3 posts/min all day) and a commute rush that tracks the daily profile.

Deterministic for a seed: only ``random.Random(seed)``, no clock, no globals.
"""

from __future__ import annotations

import gzip
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import accumulate

import orjson

from .synthetic_corpus import (
    COMMUTE_EN, COMMUTE_ZH, EMOJI, EN_HANDLES, EN_ISSUE_COMMENTS, EN_QUOTE_COMMENTS, EN_SLOTS,
    EN_TOPICS, EVENT_TEXTS, FLOOD_ZH, LEAGUE_EN, LEAGUE_ZH, ZH_EMOTES, ZH_ISSUE_COMMENTS, ZH_NICKS,
    ZH_REPOST_COMMENTS, ZH_SLOTS, ZH_TOPICS, Topic,
)

#: Relative background activity by local hour (0..23), mean 1 after normalisation.
HOUR_PROFILE = (
    0.45, 0.30, 0.20, 0.15, 0.12, 0.18, 0.40, 0.80, 1.15, 1.20, 1.15, 1.15,
    1.30, 1.20, 1.05, 1.05, 1.10, 1.20, 1.35, 1.55, 1.70, 1.70, 1.45, 0.90,
)
_MEAN = sum(HOUR_PROFILE) / 24
HOUR_PROFILE = tuple(x / _MEAN for x in HOUR_PROFILE)

ZH_REGIONS = ("北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "河南", "陕西", "湖南")
FLOOD_AUTHORS = ("u99000001", "u99000002", "u99000003")


@dataclass(frozen=True)
class EventSpec:
    """An emerging issue: rate ``initial_per_hour * 2**(minutes/doubling_minutes)``
    for ``growth_hours`` after onset, then halving every ``half_life_minutes``."""

    name: str
    lang: str
    onset_hours: float  # after the stream start
    key_terms: tuple[str, ...]
    initial_per_hour: float = 3.0
    doubling_minutes: float = 30.0
    growth_hours: float = 3.0
    half_life_minutes: float = 60.0
    region: str | None = None
    description: str = ""
    text: Topic | None = None  # None: EVENT_TEXTS[name]

    def rate_per_hour(self, dt_hours: float) -> float:
        if dt_hours < 0:
            return 0.0
        if dt_hours < self.growth_hours:
            return self.initial_per_hour * 2 ** (dt_hours * 60 / self.doubling_minutes)
        peak = self.initial_per_hour * 2 ** (self.growth_hours * 60 / self.doubling_minutes)
        return peak * 2 ** (-(dt_hours - self.growth_hours) * 60 / self.half_life_minutes)


DEFAULT_EVENTS = (
    EventSpec("water_jiangchuan", "zh", 9.5, ("江川区", "停水", "自来水", "异味"),
              initial_per_hour=3, doubling_minutes=30, growth_hours=3.5, half_life_minutes=75,
              region="临江", description="tap water off / discoloured in 江川区 (fictional district)"),
    EventSpec("bridge_millbrook", "en", 12.5, ("Millbrook Bridge", "closed", "cracks"),
              initial_per_hour=2, doubling_minutes=35, growth_hours=4.0, half_life_minutes=90,
              region="Eastport", description="Millbrook Bridge closed after cracks found"),
    EventSpec("metro_line3", "zh", 17.75, ("3号线", "故障", "停运", "临江地铁"),
              initial_per_hour=4, doubling_minutes=20, growth_hours=2.0, half_life_minutes=45,
              region="临江", description="临江 metro line 3 breakdown in the evening rush"),
    EventSpec("spill_harlow", "en", 20.25, ("Harlow Creek", "chemical spill", "shelter in place"),
              initial_per_hour=3, doubling_minutes=25, growth_hours=3.0, half_life_minutes=60,
              region="Eastport", description="tanker chemical spill into Harlow Creek"),
)


@dataclass(frozen=True)
class EventInfo:
    name: str
    lang: str
    onset: str  # RFC 3339 in the start's offset
    onset_t: float
    key_terms: tuple[str, ...]
    doubling_minutes: float
    n_posts: int
    n_authors: int
    description: str


@dataclass(frozen=True)
class TrapInfo:
    name: str
    description: str
    n_posts: int
    n_authors: int


@dataclass(frozen=True)
class SyntheticStream:
    posts: list[dict]
    truth: dict[str, str | None]  # post id -> event name (None: not an emerging issue)
    groups: dict[str, str]  # post id -> topic:<x> | event:<x> | trap:<x>
    events: list[EventInfo]
    traps: list[TrapInfo]


# -- text -------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")
_ALNUM = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def fill(template: str, topic: Topic, lang: str, rng: random.Random) -> str:
    """Replace each ``{slot}`` with a random value (topic slots, then global)."""
    glob = ZH_SLOTS if lang == "zh" else EN_SLOTS
    return _SLOT.sub(lambda m: rng.choice(topic.slots.get(m[1]) or glob[m[1]]), template)


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


def _decorate(text: str, tag: str, lang: str, rng: random.Random, tag_p: float) -> str:
    r = rng.random
    if lang == "zh":
        if r() < tag_p:
            text = f"#{tag}# {text}" if r() < 0.5 else f"{text} #{tag}#"
        if r() < 0.08:
            text += f" @{rng.choice(ZH_NICKS)}"
        if r() < 0.25:
            text += rng.choice(ZH_EMOTES)
        if r() < 0.10:
            text += rng.choice(EMOJI)
        if r() < 0.05:
            text += f" http://t.cn/A6{_token(rng, 5)}"
    else:
        if r() < 0.12:
            text = f"@{rng.choice(EN_HANDLES)} {text}"
        if r() < 0.15:
            text += " " + rng.choice(EMOJI)
        if r() < tag_p:
            text += f" #{tag}"
        if r() < 0.08:
            text += f" https://t.co/{_token(rng, 10)}"
    return text


def _repost_text(target: dict, lang: str, issue: bool, rng: random.Random) -> str:
    u = rng.random()
    if lang == "zh":
        comments = ZH_ISSUE_COMMENTS if issue and rng.random() < 0.7 else ZH_REPOST_COMMENTS
        if u < 0.35:
            return "转发微博"
        if u < 0.45:
            return ""
        text = f"{rng.choice(comments)}//@{target['author']}:{target['text']}"
        return text if len(text) <= 200 else rng.choice(comments)
    comments = EN_ISSUE_COMMENTS if issue and rng.random() < 0.7 else EN_QUOTE_COMMENTS
    if u < 0.75:
        return f"RT @{target['author']}: {target['text']}"[:280]
    if u < 0.9:
        return rng.choice(comments)
    return "RT"


_ZH_TWEAKS = ("+1", "同问", "，我们这也是", "[怒]", "！！", "，求回复", "，真的假的")
_EN_TWEAKS = (" same here", "!!!", " omg", " this is so bad", " can confirm", "??")


def _near_copy(text: str, lang: str, rng: random.Random) -> str:
    if lang == "zh":
        return "同求：" + text if rng.random() < 0.15 else text + rng.choice(_ZH_TWEAKS)
    return "same - " + text if rng.random() < 0.15 else text + rng.choice(_EN_TWEAKS)


# -- schedule ---------------------------------------------------------------------

def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def hour_profile(h: float) -> float:
    """Background rate multiplier at local hour ``h`` (linear between hours)."""
    i = int(h) % 24
    f = h - math.floor(h)
    return HOUR_PROFILE[i] * (1 - f) + HOUR_PROFILE[(i + 1) % 24] * f


def _bump(h: float, centre: float, width: float) -> float:
    d = (h - centre + 12) % 24 - 12
    return math.exp(-0.5 * (d / width) ** 2)


def commute_profile(h: float) -> float:
    """Commute chatter multiplier: the daily profile times a morning/evening rush weight."""
    return hour_profile(h) * (0.3 + 0.7 * _bump(h, 8.0, 1.3) + 0.35 * _bump(h, 18.25, 1.2))


@dataclass(slots=True)
class _Draft:
    t: float
    seq: int
    group: str
    lang: str
    author: str
    topic: Topic | None = None
    event: EventSpec | None = None


def generate(
    seed: int = 7,
    *,
    hours: float = 24,
    start: str = "2026-03-02T00:00:00+08:00",
    background_rate_per_min: float = 12.0,
    zh_share: float = 0.6,
    repost_share: float = 0.05,
    league_rate_per_min: float = 3.0,
    commute_rate_per_min: float = 3.0,
    flood_posts: int = 150,
    flood_at_hours: float = 15.0,
    flood_minutes: float = 50.0,
    events: Sequence[EventSpec] | None = None,
) -> SyntheticStream:
    """Generate the stream; see the module docstring.  ``events=()`` disables
    the emerging issues; a zero rate or ``flood_posts=0`` disables a trap."""
    rng = random.Random(seed)
    events = DEFAULT_EVENTS if events is None else tuple(events)
    t0_dt = datetime.fromisoformat(start)
    if t0_dt.tzinfo is None:
        raise ValueError("start needs a UTC offset")
    tz = t0_dt.tzinfo
    t0 = t0_dt.timestamp()
    h0 = t0_dt.hour + t0_dt.minute / 60 + t0_dt.second / 3600
    end = t0 + hours * 3600
    minutes = math.ceil(hours * 60)
    drafts: list[_Draft] = []

    def add(t: float, group: str, lang: str, author: str, topic=None, event=None) -> None:
        if t0 <= t < end:
            t = math.floor(t) if lang == "zh" else round(t, 3)
            drafts.append(_Draft(t, len(drafts), group, lang, author, topic, event))

    def per_minute(rate_at) -> Iterable[float]:
        for m in range(minutes):
            for _ in range(_poisson(rng, rate_at(m + 0.5))):
                yield t0 + (m + rng.random()) * 60

    # background: topic weights vary by seed
    cum = {lang: list(accumulate(rng.uniform(0.4, 2.0) for _ in topics))
           for lang, topics in (("zh", ZH_TOPICS), ("en", EN_TOPICS))}
    for t in per_minute(lambda m: background_rate_per_min * hour_profile(h0 + m / 60)):
        lang = "zh" if rng.random() < zh_share else "en"
        topics = ZH_TOPICS if lang == "zh" else EN_TOPICS
        topic = rng.choices(topics, cum_weights=cum[lang])[0]
        add(t, f"topic:{topic.name}", lang, _bg_author(rng), topic)

    # trap: steady league chatter, flat all day
    for t in per_minute(lambda m: league_rate_per_min):
        lang = "zh" if rng.random() < 0.6 else "en"
        add(t, "trap:league", lang, f"u{70000 + int(3000 * rng.random() ** 2)}",
            LEAGUE_ZH if lang == "zh" else LEAGUE_EN)

    # trap: commute rush following the daily profile
    for t in per_minute(lambda m: commute_rate_per_min * commute_profile(h0 + m / 60)):
        lang = "zh" if rng.random() < zh_share else "en"
        add(t, "trap:commute", lang, _bg_author(rng), COMMUTE_ZH if lang == "zh" else COMMUTE_EN)

    # trap: copy-paste promo flood from three accounts
    fa = t0 + flood_at_hours * 3600
    for _ in range(flood_posts):
        add(fa + rng.random() * flood_minutes * 60, "trap:flood", "zh", rng.choice(FLOOD_AUTHORS), FLOOD_ZH)

    # emerging issues
    for ev in events:
        core = [f"u{10000 + rng.randrange(90000)}" for _ in range(5)]  # a few repeat reporters
        onset_m = ev.onset_hours * 60
        for t in per_minute(lambda m: ev.rate_per_hour((m - onset_m) / 60) / 60):
            if t < t0 + onset_m * 60:
                continue
            author = rng.choice(core) if rng.random() < 0.08 else f"u{10000 + rng.randrange(190000)}"
            add(t, f"event:{ev.name}", ev.lang, author, ev.text or EVENT_TEXTS[ev.name], ev)

    drafts.sort(key=lambda d: (d.t, d.seq))
    return _render(drafts, rng, tz, repost_share, events, t0)


def _bg_author(rng: random.Random) -> str:
    return f"u{10000 + int(40000 * rng.random() ** 3)}"  # skewed: a few very active users


def _render(drafts, rng, tz, repost_share, events, t0) -> SyntheticStream:
    posts: list[dict] = []
    truth: dict[str, str | None] = {}
    groups: dict[str, str] = {}
    history: dict[str, list[dict]] = {}
    originals: dict[str, list[dict]] = {}
    for n, d in enumerate(drafts, 1):
        zh = d.lang == "zh"
        pid = f"{'wb' if zh else 'tw'}{n:07d}"
        key = f"{d.group}/{d.lang}"  # reposts and copies stay within one language
        hist = history.setdefault(key, [])
        orig = originals.setdefault(key, [])
        topic, ev = d.topic, d.event
        u = rng.random()
        repost_of = None
        # cumulative thresholds on u: repost below p_repost, near-copy below p_copy
        if ev is not None:
            p_repost, p_copy = 0.18, 0.26
        elif d.group == "trap:flood":
            p_repost = p_copy = 0.0
        else:
            p_repost = p_copy = repost_share  # background: reposts, no near-copies
        if hist and u < p_repost:
            target = rng.choice(hist[-200:])
            repost_of, text = target["id"], _repost_text(target, d.lang, ev is not None, rng)
        elif orig and u < p_copy:
            text = _near_copy(rng.choice(orig[-100:])["text"], d.lang, rng)
        else:
            templates = topic.templates
            if ev is not None and topic.late:
                dt_h = (d.t - t0) / 3600 - ev.onset_hours
                p_late = min(0.85, max(0.0, (dt_h - 0.25 * ev.growth_hours) / (0.5 * ev.growth_hours)))
                if rng.random() < p_late:
                    templates = topic.late
            text = fill(rng.choice(templates), topic, d.lang, rng)
            if d.group == "trap:flood":
                text += rng.choice(("", "", "🔥", "！", " 速抢"))
            else:
                text = _decorate(text, topic.tag, d.lang, rng, 0.2 if ev else 0.12)
        post = {"id": pid, "text": text, "created_at": _format(d.t, tz if zh else None),
                "author": d.author, "source": "weibo" if zh else "twitter", "lang": d.lang}
        region = ev.region if ev is not None and rng.random() < 0.6 else (
            rng.choice(ZH_REGIONS) if zh and ev is None and rng.random() < 0.4 else None)
        if region:
            post["region"] = region
        if repost_of:
            post["repost_of"] = repost_of
        post["url"] = f"https://{'weibo' if zh else 'twitter'}.example/{d.author}/status/{pid}"
        posts.append(post)
        hist.append(post)
        if repost_of is None:
            orig.append(post)
        truth[pid] = ev.name if ev is not None else None
        groups[pid] = d.group
    return SyntheticStream(posts, truth, groups, _event_infos(events, posts, groups, t0, tz),
                           _trap_infos(posts, groups))


def _format(t: float, tz) -> str:
    """Weibo: local offset, seconds; twitter: UTC ``Z`` with milliseconds."""
    if tz is not None:
        return datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")
    dt = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=round(t * 1000))
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _members(posts, groups, group):
    return [p for p in posts if groups[p["id"]] == group]


def _event_infos(events, posts, groups, t0, tz) -> list[EventInfo]:
    out = []
    for ev in events:
        ps = _members(posts, groups, f"event:{ev.name}")
        onset_t = t0 + ev.onset_hours * 3600
        out.append(EventInfo(ev.name, ev.lang, datetime.fromtimestamp(onset_t, tz).isoformat(timespec="seconds"),
                             onset_t, ev.key_terms, ev.doubling_minutes, len(ps),
                             len({p["author"] for p in ps}), ev.description))
    return out


_TRAPS = {
    "trap:flood": "copy-paste promo flood: near-identical posts from 3 accounts within an hour",
    "trap:league": "steady football-league chatter at a constant rate all day (big, not growing)",
    "trap:commute": "commute chatter rising and falling with the daily profile (morning/evening rush)",
}


def _trap_infos(posts, groups) -> list[TrapInfo]:
    out = []
    for g, desc in _TRAPS.items():
        ps = _members(posts, groups, g)
        if ps:
            out.append(TrapInfo(g.split(":", 1)[1], desc, len(ps), len({p["author"] for p in ps})))
    return out


def write_jsonl(posts: Iterable[dict], path: str) -> int:
    """Write one JSON object per line (gzip when ``path`` ends with .gz); returns the count."""
    opener = gzip.open if path.endswith(".gz") else open
    n = 0
    with opener(path, "wb") as f:
        for p in posts:
            f.write(orjson.dumps(p) + b"\n")
            n += 1
    return n
