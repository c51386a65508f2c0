"""Schema of the detector config (config/detector.yaml): every setting, validated on load.

Errors name the file, the field, the bad value and what is allowed:

>>> try:
...     DetectorConfig.model_validate({"burst": {"false_alarms_per_day": -1}})
... except Exception as e:
...     print(format_errors("x.yaml", e))
x.yaml: burst.false_alarms_per_day = -1: Input should be greater than 0
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .safe_yaml import MAX_BYTES, UnsafeYAMLError, load_yaml

DAY = 86400.0
YEAR = 365 * DAY
Share = Annotated[float, Field(gt=0, le=1)]
Seconds = Annotated[float, Field(gt=0, le=YEAR)]


class _Section(BaseModel):
    # strict: a YAML `true` or "64" is not silently an int; finite: `.inf` / `.nan` are not numbers here; every
    # string, number and list has an upper bound, so that what `groundswell check` accepts `run` can run
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, str_max_length=256)


class InputConfig(_Section):
    """What the ingest accepts; anything else goes to rejects with a reason."""
    max_text_chars: int = Field(10_000, ge=1, le=1_000_000)
    max_line_bytes: int = Field(262_144, ge=64, le=16 << 20)
    min_year: int = Field(2000, ge=1970, le=2100)
    max_year: int = Field(2100, ge=1970, le=9998)


class TextConfig(_Section):
    max_tokens: int = Field(64, ge=1, le=10_000, description="terms kept per post, in order")
    stem_english: bool = True
    fold_accents: bool = True
    segmenter: str = Field("rjieba", pattern="^(rjieba|jieba)$")


class NearDuplicateConfig(_Section):
    threshold: Share = 0.7
    horizon_s: Seconds = 6 * 3600
    max_items: int = Field(200_000, ge=100, le=50_000_000)
    min_tokens: int = Field(3, ge=1, le=10_000)


class VocabularyConfig(_Section):
    half_life_s: Seconds = 86400
    max_terms: int = Field(400_000, ge=100, le=50_000_000)


class ClusteringConfig(_Section):
    assign_threshold: Share = 0.25
    merge_threshold: Share = 0.35
    max_terms_per_cluster: int = Field(48, ge=4, le=10_000)
    max_clusters: int = Field(50_000, ge=10, le=10_000_000)
    max_clusters_per_term: int = Field(16, ge=2, le=10_000)
    idle_ttl_s: Seconds = 24 * 3600
    min_share: Share = Field(0.05, description="words used by fewer of a cluster's posts don't count toward overlap")
    everyday_weight: Share = Field(0.35, description="weight of the most common everyday words ('time', 'work') in a "
                                   "post's overlap with a cluster; 1: off")
    everyday_zipf_from: float = Field(4.75, ge=3, le=8, description="words more common than this (Zipf: log10 of uses "
                                      "per billion words) start to count less")
    everyday_zipf_to: float = Field(6.25, ge=3, le=8, description="... down to everyday_weight at this")
    everyday_languages: tuple[str, ...] = Field(("en", "zh", "es", "pt", "fr", "it", "de"), strict=False,
                                                max_length=100,
                                                description="languages whose everyday words count less")

    @field_validator("everyday_languages")
    @classmethod
    def _known_languages(cls, v):
        import wordfreq
        known = wordfreq.available_languages()
        unknown = [lang for lang in v if lang not in known]
        if unknown:
            raise ValueError(f"no word list for {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return v

    @model_validator(mode="after")
    def _zipf_ordered(self):
        if self.everyday_zipf_from >= self.everyday_zipf_to:
            raise ValueError("clustering.everyday_zipf_from must be below clustering.everyday_zipf_to")
        return self


class BurstConfig(_Section):
    false_alarms_per_day: float = Field(2.0, gt=0, le=1_000_000, description="expected chatter clusters flagged "
                                        "per day")
    background_share: Annotated[float, Field(gt=0, lt=1)] = 0.01
    window_s: float = Field(3600, gt=0, le=7 * DAY)
    interval_s: int = Field(300, ge=1, le=int(DAY), description="bucket width of growth curves")
    min_voices: int = Field(5, ge=1, le=1_000_000_000)
    min_recent_fraction: float = Field(0.0, ge=0, le=1, description="share of an issue's voices that must be recent")
    min_growth: float = Field(1.0, ge=1, le=1_000_000, description="times its own past share of the stream an "
                              "issue must exceed")
    warmup_s: float = Field(0, ge=0, le=YEAR, description="no alerts this long after the first post (0: none; the false-alarm "
                            "budget already allows for a young stream)")
    slow_window_s: float = Field(0, ge=0, le=86400, description="a second, longer window for slow-onset issues; 0: off")


class NoveltyConfig(_Section):
    enabled: bool = Field(True, description="a flagged cluster opens an issue only if one of its core words is used "
                          "more than its long-run share of the stream")
    fast_half_life_s: Seconds = 1800
    slow_half_life_s: Seconds = 7 * 86400
    max_gap_s: Seconds = 300
    min_history_s: float = Field(10800, ge=0, le=YEAR, description="active time of history before the test applies")

    @model_validator(mode="after")
    def _ordered(self):
        if self.fast_half_life_s >= self.slow_half_life_s:
            raise ValueError("novelty.fast_half_life_s must be below novelty.slow_half_life_s")
        return self


class EventTimeConfig(_Section):
    reorder_s: float = Field(60, ge=0, le=DAY, description="how far out of time order a post may arrive and still "
                             "be used")
    max_future_s: float = Field(DAY, gt=0, le=YEAR, description="a post this far ahead of its input's recent median "
                                "time (or of the wall clock, on Kafka) is rejected as future")


class ShardingConfig(_Section):
    by: Literal["none", "lang", "source", "region"] = Field(
        "none", description="one detector for the whole stream, or one per language/source/region")


class Severity(_Section):
    name: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")
    min_voices: int = Field(ge=0, le=1_000_000_000)


class IssuesConfig(_Section):
    severities: tuple[Severity, ...] = Field((
        Severity(name="blue", min_voices=0), Severity(name="yellow", min_voices=50),
        Severity(name="orange", min_voices=200), Severity(name="red", min_voices=1000)), strict=False, max_length=20)
    resolve_after_s: Seconds = 6 * 3600
    reopen_threshold: Share = 0.3
    refire_threshold: Share = 0.5
    anchor_threshold: Share | None = Field(0.4, description="fold a flagged cluster into a firing issue that owns "
                                           "its core words (null: fold on overlap only)")
    cross_language_window_s: float = Field(6 * 3600, ge=0, le=YEAR, description="fold a flagged cluster into a firing issue in "
                                             "another language, opened at most this long ago, that owns one of its "
                                             "core words (0: off)")
    cross_language_threshold: Share = 0.3
    memory_s: float = Field(30 * 86400, gt=0, le=10 * YEAR)
    max_open_issues: int = Field(5_000, ge=1, le=10_000_000)
    sample_posts: int = Field(3, ge=0, le=20)
    top_terms: int = Field(8, ge=1, le=50)
    growth_intervals: int = Field(12, ge=1, le=288)
    begin_at_burst: bool = Field(True, description="an issue flagged in a cluster that had voices before the burst "
                                 "begins at the burst (its id, size, first post and samples are the burst's)")

    @field_validator("severities")
    @classmethod
    def _rising(cls, v):
        if not v:
            raise ValueError("at least one severity is needed")
        if [s.min_voices for s in v] != sorted({s.min_voices for s in v}):
            raise ValueError("severities must have strictly rising min_voices")
        if len({s.name for s in v}) != len(v):
            raise ValueError("severity names must be unique")
        return v


class DetectorConfig(_Section):
    input: InputConfig = InputConfig()
    text: TextConfig = TextConfig()
    near_duplicates: NearDuplicateConfig = NearDuplicateConfig()
    vocabulary: VocabularyConfig = VocabularyConfig()
    clustering: ClusteringConfig = ClusteringConfig()
    burst: BurstConfig = BurstConfig()
    novelty: NoveltyConfig = NoveltyConfig()
    issues: IssuesConfig = IssuesConfig()
    event_time: EventTimeConfig = EventTimeConfig()
    sharding: ShardingConfig = ShardingConfig()

    @model_validator(mode="after")
    def _consistent(self):
        if self.input.min_year >= self.input.max_year:
            raise ValueError("input.min_year must be below input.max_year")
        if self.burst.window_s < self.burst.interval_s:
            raise ValueError("burst.window_s must be at least burst.interval_s")
        return self


class ConfigError(ValueError):
    """A config file failed validation; the message names file, field, value and what is allowed."""


def format_errors(path: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            lines.append(f"{path}: {loc}: unknown field (allowed fields are listed in config/detector.yaml)")
        elif e["type"] == "missing":
            lines.append(f"{path}: {loc}: required field is missing")
        else:
            lines.append(f"{path}: {loc} = {_short(e.get('input'))}: {msg}")
        if len(lines) >= 50:
            lines.append(f"{path}: ... and {len(err.errors()) - 50} more problems")
            break
    return "\n".join(lines)


def _short(value: Any, limit: int = 80) -> str:
    """repr() of a bad value, cut: an error message must stay a message whatever the file held."""
    if isinstance(value, (dict, list, tuple)) and len(value) > 20:
        return f"<{type(value).__name__} of {len(value)} items>"
    s = repr(value)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def default_config_path() -> Path:
    return Path(__file__).with_name("detector.yaml")


def read_yaml_file(path: Path) -> Any:
    """A config file's data through the safe loader (:mod:`.safe_yaml`): {} when empty; errors name the file."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        data = load_yaml(raw)
    except UnsafeYAMLError as e:
        raise ConfigError(f"{path}: {e}") from None
    return {} if data is None else data


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> DetectorConfig:
    """Load and validate a detector config; ``None`` loads the shipped default."""
    path = Path(path) if path is not None else default_config_path()
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for p in parents:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        node[leaf] = value
    try:
        return DetectorConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_errors(str(path), e)) from None
