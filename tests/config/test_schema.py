"""config/schema.py: the detector config is validated on load, and every error names file, field, value and rule."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from groundswell.config.schema import ConfigError, DetectorConfig, default_config_path, format_errors, load_config
from groundswell.detectors.pipeline import IssueDetector

SECTIONS = sorted(DetectorConfig.model_fields)


def write(tmp_path: Path, text: str | bytes, name: str = "detector.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_error(path, overrides=None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    return str(info.value)


# ---------------------------------------------------------------- the shipped default


def test_default_loads_and_builds_a_detector():
    config = load_config()
    assert isinstance(config, DetectorConfig)
    assert load_config(default_config_path()) == config
    IssueDetector(config, tokenize=str.split)


def test_shipped_file_lists_every_setting_with_its_default():
    """config/detector.yaml says it holds every setting with its default: it must agree with the schema."""
    data = yaml.safe_load(default_config_path().read_text(encoding="utf-8")) or {}
    assert DetectorConfig.model_validate(data) == DetectorConfig()
    for section in SECTIONS:
        fields = set(type(getattr(DetectorConfig(), section)).model_fields)
        assert set(data.get(section) or {}) == fields, section


def test_empty_file_means_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == DetectorConfig()
    assert load_config(write(tmp_path, "# only comments\n")) == DetectorConfig()


def test_config_is_frozen():
    config = load_config()
    with pytest.raises(ValidationError):
        config.burst.window_s = 5


# ---------------------------------------------------------------- unknown fields


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_rejects_unknown_fields(tmp_path, section):
    path = write(tmp_path, f"{section}:\n  no_such_setting: 1\n")
    msg = load_error(path)
    assert str(path) in msg
    assert f"{section}.no_such_setting" in msg and "unknown field" in msg


def test_unknown_section_and_unknown_severity_field(tmp_path):
    path = write(tmp_path, "bursts:\n  window_s: 600\nissues:\n  severities:\n"
                           "    - {name: blue, min_voices: 0, colour: blue}\n")
    msg = load_error(path)
    assert f"{path}: bursts: unknown field" in msg
    assert "issues.severities.0.colour: unknown field" in msg


# ---------------------------------------------------------------- bad values


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("burst.false_alarms_per_day", 0, ("greater than", "0")),
    ("burst.false_alarms_per_day", -1, ("greater than", "0")),
    ("burst.background_share", 1.0, ("less than", "1")),
    ("burst.window_s", -5, ("greater than", "0")),
    ("burst.interval_s", 0, ("greater than or equal", "1")),
    ("burst.min_voices", 0, ("greater than or equal", "1")),
    ("near_duplicates.threshold", 1.5, ("less than or equal", "1")),
    ("near_duplicates.max_items", 10, ("greater than or equal", "100")),
    ("vocabulary.half_life_s", 0, ("greater than", "0")),
    ("vocabulary.half_life_s", float("nan"), ("finite number",)),
    ("clustering.assign_threshold", 0, ("greater than", "0")),
    ("clustering.max_clusters", 5, ("greater than or equal", "10")),
    ("clustering.everyday_weight", 0, ("greater than", "0")),
    ("clustering.everyday_weight", 1.5, ("less than or equal", "1")),
    ("clustering.everyday_zipf_from", 2, ("greater than or equal", "3")),
    ("clustering.everyday_languages", ["en", "xx"], ("no word list for xx", "known:", "zh")),
    ("text.segmenter", "spacy", ("pattern", "rjieba|jieba")),
    ("text.max_tokens", "many", ("valid integer",)),
    ("issues.sample_posts", 21, ("less than or equal", "20")),
    ("issues.anchor_threshold", 0, ("greater than", "0")),
    ("issues.anchor_threshold", 1.5, ("less than or equal", "1")),
    ("issues.cross_language_window_s", -1, ("greater than or equal", "0")),
    ("issues.cross_language_threshold", 0, ("greater than", "0")),
    ("issues.resolve_after_s", "6h", ("valid number",)),
    ("novelty.slow_half_life_s", 0, ("greater than", "0")),
    ("novelty.enabled", "maybe", ("valid boolean",)),
    ("input.min_year", 1900, ("greater than or equal", "1970")),
])
def test_bad_values_name_field_value_and_rule(tmp_path, field, value, rule):
    section, name = field.split(".")
    path = write(tmp_path, yaml.safe_dump({section: {name: value}}))
    msg = load_error(path)
    line = next((ln for ln in msg.splitlines() if field in ln), None)
    assert line is not None, msg
    assert line.startswith(str(path))
    assert repr(value) in line or str(value) in line
    for part in rule:
        assert part in line, (part, line)


def test_all_errors_are_reported_at_once(tmp_path):
    path = write(tmp_path, "burst:\n  window_s: -1\n  min_voices: 0\ntext:\n  max_tokens: 0\n")
    msg = load_error(path)
    assert len(msg.splitlines()) == 3
    for field in ("burst.window_s", "burst.min_voices", "text.max_tokens"):
        assert field in msg


@pytest.mark.parametrize(("text", "fields"), [
    ("input: {min_year: 2050, max_year: 2040}\n", ("input.min_year", "input.max_year")),
    ("burst: {window_s: 60, interval_s: 300}\n", ("burst.window_s", "burst.interval_s")),
    ("novelty: {fast_half_life_s: 86400, slow_half_life_s: 3600}\n",
     ("novelty.fast_half_life_s", "novelty.slow_half_life_s")),
    ("clustering: {everyday_zipf_from: 6, everyday_zipf_to: 5}\n",
     ("clustering.everyday_zipf_from", "clustering.everyday_zipf_to")),
])
def test_inconsistent_settings_are_named(tmp_path, text, fields):
    path = write(tmp_path, text)
    msg = load_error(path)
    assert str(path) in msg and all(f in msg for f in fields)


@pytest.mark.parametrize("section", ["burst", "issues"])
def test_a_section_that_is_not_a_mapping(tmp_path, section):
    path = write(tmp_path, f"{section}: 5\n")
    msg = load_error(path)
    assert str(path) in msg and section in msg and "5" in msg


# ---------------------------------------------------------------- severities


def sev(*levels) -> str:
    return "issues:\n  severities:\n" + "".join(f"    - {{name: {n}, min_voices: {v}}}\n" for n, v in levels)


def test_custom_rising_severities_load(tmp_path):
    config = load_config(write(tmp_path, sev(("calm", 0), ("loud", 20), ("very-loud", 90))))
    assert [(s.name, s.min_voices) for s in config.issues.severities] == [("calm", 0), ("loud", 20),
                                                                           ("very-loud", 90)]


@pytest.mark.parametrize(("levels", "rule"), [
    ((("blue", 0), ("yellow", 50), ("orange", 40)), "rising"),
    ((("blue", 10), ("yellow", 10)), "rising"),
    ((("blue", 0), ("blue", 10)), "unique"),
    ((), "at least one"),
])
def test_severities_must_rise(tmp_path, levels, rule):
    text = sev(*levels) if levels else "issues:\n  severities: []\n"
    msg = load_error(write(tmp_path, text))
    assert "issues.severities" in msg and rule in msg


@pytest.mark.parametrize(("name", "min_voices", "field"), [
    ("Red", 0, "name"), ("", 0, "name"), ("red alert", 0, "name"), ("red", -1, "min_voices"),
])
def test_severity_items_are_checked(tmp_path, name, min_voices, field):
    msg = load_error(write(tmp_path, sev((repr(name) if name == "" or " " in name else name, min_voices))))
    assert f"issues.severities.0.{field}" in msg


# ---------------------------------------------------------------- overrides


def test_overrides(tmp_path):
    path = write(tmp_path, "burst:\n  window_s: 1800\n")
    before = path.read_text()
    config = load_config(path, {"burst.window_s": 600})
    assert config.burst.window_s == 600
    assert load_config(path).burst.window_s == 1800 and path.read_text() == before   # the file is untouched
    config = load_config(path, {"issues.resolve_after_s": 60, "clustering.max_clusters": 100})   # new sections
    assert (config.burst.window_s, config.issues.resolve_after_s, config.clustering.max_clusters) == (1800, 60, 100)
    assert load_config(None, {"burst.window_s": 600}).burst.window_s == 600


def test_bad_override_is_named(tmp_path):
    path = write(tmp_path, "")
    msg = load_error(path, {"burst.window_s": -600})
    assert str(path) in msg and "burst.window_s = -600" in msg
    msg = load_error(path, {"burst.no_such_setting": 1})
    assert "burst.no_such_setting: unknown field" in msg


@pytest.mark.parametrize("text", ["burst:\n", "burst: 5\n"])
def test_override_into_an_empty_section(tmp_path, text):
    path = write(tmp_path, text)
    try:
        load_config(path, {"burst.window_s": 600})
    except ConfigError as e:
        assert str(path) in str(e)


# ---------------------------------------------------------------- unreadable and invalid files


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    msg = load_error(path)
    assert str(path) in msg and "cannot read" in msg


def test_directory_instead_of_file(tmp_path):
    msg = load_error(tmp_path)
    assert str(tmp_path) in msg


@pytest.mark.parametrize("text", ["burst: [1, 2\n", "burst:\n  window_s: 600\n bad_indent: 1\n", "a: b: c\n",
                                  "burst:\n  window_s: 600\x00\n"])
def test_invalid_yaml(tmp_path, text):
    path = write(tmp_path, text)
    msg = load_error(path)
    assert msg.startswith(f"{path}: ") and "YAML" in msg


@pytest.mark.parametrize("text", ["- burst\n- issues\n", "just a string\n", "42\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    msg = load_error(write(tmp_path, text))
    assert str(tmp_path) in msg and "mapping" in msg


def test_file_that_is_not_utf8(tmp_path):
    path = write(tmp_path, "burst:\n  window_s: 600   # 窗口\n".encode("gbk"))
    msg = load_error(path)
    assert str(path) in msg


# ---------------------------------------------------------------- format_errors


def test_format_errors_names_file_field_value_and_rule():
    with pytest.raises(ValidationError) as info:
        DetectorConfig.model_validate({"burst": {"false_alarms_per_day": -1}, "text": {"nope": 1}})
    lines = format_errors("x.yaml", info.value).splitlines()
    assert "x.yaml: burst.false_alarms_per_day = -1: Input should be greater than 0" in lines
    assert any(re.match(r"x\.yaml: text\.nope: unknown field", ln) for ln in lines)


def test_anchor_folding_can_be_turned_off(tmp_path):
    path = write(tmp_path, "issues:\n  anchor_threshold: null\n")
    assert load_config(path).issues.anchor_threshold is None
    assert DetectorConfig().issues.anchor_threshold == 0.4


def test_cross_language_folding_can_be_turned_off(tmp_path):
    path = write(tmp_path, "issues:\n  cross_language_window_s: 0\n")
    assert load_config(path).issues.cross_language_window_s == 0
    assert DetectorConfig().issues.cross_language_window_s == 6 * 3600
