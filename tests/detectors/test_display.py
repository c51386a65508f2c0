"""Alerts people read: terms as people write them, substantive samples that link to their posts."""
from groundswell.config.schema import DetectorConfig
from groundswell.detectors.pipeline import IssueDetector, PostIn
from groundswell.detectors.text.segment import Tokenizer


def _first_alert(posts):
    det = IssueDetector(DetectorConfig.model_validate({"burst": {"warmup_s": 0}}), tokenize=Tokenizer().tokens)
    for p in posts:
        _, out = det.learn_one(p)
        if out:
            return out[0]
    raise AssertionError("no alert")


def test_english_terms_are_words_and_samples_are_substantive_with_urls():
    posts = []
    for i in range(40):
        text = "RT" if i % 3 == 0 else f"Millbrook bridge closed, chemical smell near the river {i}"
        posts.append(PostIn(f"p{i}", text, t=60.0 * i, author=f"a{i}", url=f"https://x.example/p{i}"))
    alert = _first_alert(posts)
    assert "bridge" in alert["terms"] and "chemical" in alert["terms"]
    assert not {"bridg", "chemic"} & set(alert["terms"])
    assert alert["sample_posts"] and all(s["text"] != "RT" for s in alert["sample_posts"])
    assert all(s["url"] == f"https://x.example/{s['id']}" for s in alert["sample_posts"])


def test_chinese_terms_are_whole_words():
    teams = ["山城", "岭南", "临江", "北国"]
    posts = [PostIn(f"p{i}", f"江川区停水了，{teams[i % 4]}队一比零小胜 {i}", t=60.0 * i, author=f"a{i}")
             for i in range(40)]
    terms = _first_alert(posts)["terms"]
    assert "队一比" not in terms and "零小胜" not in terms and "区" not in terms
    assert "江川区" in terms
