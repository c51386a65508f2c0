"""Text normalising and segmenting: detectors/text/ (no shared data is read here)."""

from __future__ import annotations

import doctest
import time

import jieba
import pytest
import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.detectors.text import normalize as normalize_module
from groundswell.detectors.text import segment as segment_module
from groundswell.detectors.text.normalize import clean, extract_hashtags, normalize
from groundswell.detectors.text.segment import Tokenizer, load_stopwords

# Sentences written for these tests (news-like Weibo phrasing).
ZH_SENTENCES = [
    "北京地铁今天早上发生故障",
    "上海浦东机场航班大面积延误，旅客滞留",
    "河南郑州暴雨导致地铁五号线停运",
    "四川发生六点八级地震，救援队伍已经赶到震中",
    "这家医院被曝出售过期疫苗，卫生部门介入调查",
    "台风山竹登陆广东，沿海地区停工停课",
    "高考作文题目公布后引发网友热议",
    "新冠疫情期间口罩价格暴涨",
    "外卖骑手在暴雨中送餐的视频感动了很多人",
    "杭州一小区发生火灾，消防员及时赶到扑救",
    "苹果公司发布新款手机，售价比去年更高",
    "央行宣布下调存款准备金率",
    "某高校学生宿舍楼突然停电停水",
    "长江流域多地出现严重干旱",
    "一名男子在高速公路上逆行被交警拦下",
    "食品安全问题再次引发公众关注",
    "多地气温突破历史极值，电力供应紧张",
    "演唱会门票遭黄牛高价倒卖",
    "地震发生后，当地政府迅速启动应急预案",
    "春运期间火车票一票难求",
    "王大锤和李小龙今天在微博上吵架了",
    "这波操作太离谱了家人们谁懂啊yyds绝绝子",
]


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


# ---------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # full-width -> half-width (NFKC), lowercase, ideographic space, whitespace collapsed
        ("ＡＢＣ１２３！　Ｈｅｌｌｏ\t\n  World", "abc123! hello world"),
        ("北京，上海：（测试）", "北京,上海:(测试)"),
        ("①㎡ﬁ", "1m2fi"),
        # URLs, with and without a scheme, glued to Chinese text
        ("look http://example.com/a?b=1 now", "look now"),
        ("HTTPS://WWW.Example.COM/X done", "done"),
        ("看这个http://t.cn/A6abcd看这个", "看这个 看这个"),
        ("see www.example.org and t.co/AbC123", "see and"),
        ("新闻 news.sina.com.cn/c/2024/x.shtml 来源", "新闻 来源"),
        # mentions: English, Weibo, retweet chains; e-mail addresses are not mentions
        ("@cnn @BBC_World hello", "hello"),
        ("@人民日报 发布消息", "发布消息"),
        ("转发理由//@张三:原文内容//@李四_2024:哈哈", "转发理由// 原文内容// 哈哈"),
        ("write to a.b@example.com", "write to a.b@example.com"),
        # retweet markers
        ("RT @cnn: Breaking news", "breaking news"),
        ("so true RT @user: quoted", "so true quoted"),
        ("start @bob", "start"),
        # Weibo topics and hashtags are kept as text
        ("#北京暴雨# 注意安全", "北京暴雨 注意安全"),
        ("#Sandy is here", "sandy is here"),
        ("#BostonMarathon", "bostonmarathon boston marathon"),
        ("#iPhone #MH370 #SANDY", "iphone mh370 sandy"),
        ("#Boston #Marathon", "boston marathon"),
        # Weibo emoticons: short bracketed tokens only
        ("好开心[哈哈][doge][允悲]", "好开心"),
        ("[this is not an emoticon]", "[this is not an emoticon]"),
        # emoji and other symbols, ZWJ sequences, variation selectors, zero-width space
        ("好😀开心👍🏻", "好 开心"),
        ("family 👨\u200d👩\u200d👧 ❤\ufe0f love", "family love"),
        ("敏\u200b感词", "敏感词"),
        ("★重磅★", "重磅"),
        # HTML entities and tags
        ("&amp; &lt;3 &quot;hi&quot;", '& <3 "hi"'),
        ("Tom &amp;amp; Jerry", "tom & jerry"),
        ("<a href='x'>链接文字</a>", "链接文字"),
        # Weibo boilerplate
        ("今天下雨了 展开全文", "今天下雨了"),
        ("转发微博 O网页链接", "o"),
        # nothing left
        ("", ""),
        ("   \t\n ", ""),
        ("😀😀", ""),
    ],
)
def test_normalize_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_camelcase_whole_without_split() -> None:
    assert normalize("#BostonMarathon", split_hashtags=False) == "bostonmarathon"
    assert normalize("#北京暴雨#", split_hashtags=False) == "北京暴雨"


def test_clean_is_normalize_before_collapsing() -> None:
    raw = "RT @x: Ｆｌｏｏｄ   #BostonMarathon [哈哈]"
    assert " ".join(clean(raw).split()) == normalize(raw)
    # symbols=False leaves printable symbols for a word tokenizer to skip, removes invisible ones
    assert "😀" in clean("好😀开心", symbols=False)
    assert clean("敏\u200b感😀", symbols=False) == "敏感 "


def test_extract_hashtags() -> None:
    assert extract_hashtags("#北京暴雨# 注意安全 #StaySafe #北京暴雨#") == ["北京暴雨", "staysafe", "北京暴雨"]
    assert extract_hashtags("no tags here") == []
    assert extract_hashtags("＃全角话题＃") == ["全角话题"]


def test_normalize_lone_surrogates_and_controls() -> None:
    assert normalize("a\ud800b\x00c\x7fd") == "a b c d"


# ---------------------------------------------------------------- Chinese segmentation


def test_chinese_accurate_mode(tok: Tokenizer) -> None:
    assert tok.tokens("北京地铁今天早上发生故障") == ["北京地铁", "早上", "发生", "故障"]
    assert {"河南", "郑州", "暴雨", "地铁", "停运"} <= set(tok.tokens("河南郑州暴雨导致地铁五号线停运"))
    assert {"四川", "地震", "救援", "震中"} <= set(tok.tokens("四川发生六点八级地震，救援队伍已经赶到震中"))
    assert {"疫苗", "过期", "调查"} <= set(tok.tokens("这家医院被曝出售过期疫苗，卫生部门介入调查"))


def test_chinese_search_mode_adds_parts_of_long_words() -> None:
    words = Tokenizer(mode="search").tokens("北京地铁今天早上发生故障")
    assert {"北京", "地铁", "北京地铁", "故障"} <= set(words)


def test_hmm_joins_unknown_words() -> None:
    assert "绝绝子" in Tokenizer().tokens("yyds绝绝子")
    assert "绝绝子" not in Tokenizer(hmm=False).tokens("yyds绝绝子")


@pytest.mark.parametrize("hmm", [True, False])
def test_rjieba_equals_jieba(hmm: bool) -> None:
    for s in ZH_SENTENCES:
        for text in (s, normalize(s)):
            assert rjieba.cut(text, hmm) == jieba.lcut(text, HMM=hmm), text
            assert rjieba.cut_for_search(text, hmm) == jieba.lcut_for_search(text, HMM=hmm), text


@pytest.mark.parametrize("mode", ["accurate", "search"])
def test_tokenizer_backends_agree(mode: str) -> None:
    a = Tokenizer(mode=mode)
    b = Tokenizer(mode=mode, segmenter="jieba")
    assert a.backend == "rjieba" and b.backend == "jieba"
    texts = ZH_SENTENCES + ["iPhone 15发布会在北京举行，售价5999元", "RT @x: 郑州暴雨 #StaySafe 2021"]
    assert a.tokens_many(texts) == b.tokens_many(texts)


def test_search_mode_matches_jieba_lcut_for_search() -> None:
    t = Tokenizer(mode="search")
    stop = load_stopwords("zh")
    for s in ZH_SENTENCES:
        expected = [w for w in jieba.lcut_for_search(normalize(s)) if w not in stop and w.strip(",!")]
        assert [w for w in t.tokens(s) if not w.isascii()] == [w for w in expected if not w.isascii()], s


def test_chinese_stopwords_and_punctuation_dropped(tok: Tokenizer) -> None:
    words = tok.tokens("外卖骑手在暴雨中送餐的视频感动了很多人！！！。、")
    for w in ("的", "了", "在", "视频", "很多", "！", "。"):
        assert w not in words
    assert {"外卖", "骑手", "暴雨", "感动"} <= set(words)
    # single characters: function words go, others stay
    assert tok.tokens("演唱会门票遭黄牛高价倒卖") == ["演唱会", "门票", "遭", "黄牛", "高价", "倒卖"]
    assert tok.tokens("转发微博 展开全文 网页链接 查看图片") == []


# ---------------------------------------------------------------- English


def test_english_stemming_and_stopwords(tok: Tokenizer) -> None:
    assert tok.tokens("Flooding floods flooded the city") == ["flood", "flood", "flood", "citi"]
    assert Tokenizer(stem_english=False).tokens("Flooding floods flooded the city") == [
        "flooding", "floods", "flooded", "city",
    ]  # fmt: skip
    assert tok.tokens("RT @cnn: it's via the amp and we don't know http://t.co/x") == []


def test_function_words_of_other_latin_languages_dropped() -> None:
    plain = Tokenizer(stem_english=False)
    # Spanish, Italian, Portuguese, French, Tagalog: only what the post is about is left
    assert plain.tokens("El terremoto de Guatemala: la gente está en las calles") == [
        "terremoto", "guatemala", "gente", "calles"]
    assert plain.tokens("Alluvione in Sardegna, il ciclone che ha colpito l'isola") == [
        "alluvione", "sardegna", "ciclone", "colpito", "l'isola"]
    assert plain.tokens("Incêndio na boate Kiss em Santa Maria, não há") == [
        "incendio", "boate", "kiss", "santa", "maria", "ha"]
    assert plain.tokens("Baha sa Maynila ang mga tao ay nasa bubong") == ["baha", "sa", "maynila", "tao", "nasa",
                                                                          "bubong"]
    # English content words spelled like foreign function words, and place abbreviations, stay
    assert plain.tokens("pray for boston ma, the man will die, his son, mit") == [
        "pray", "boston", "ma", "man", "die", "son", "mit"]


def test_accents_folded_in_latin_script_only(tok: Tokenizer) -> None:
    # a place typed with and without its accents is one term (then stemmed like any ASCII word)
    assert tok.tokens("Explosion à Lac-Mégantic") == tok.tokens("explosion a lac-megantic") == [
        "explos", "lac-megantic"]   # (a hyphenated word is not stemmed)
    assert tok.tokens("#LacMégantic") == ["lacmegant"]
    assert Tokenizer(stem_english=False).tokens("Québec São Paulo Zürich Łódź") == [
        "quebec", "paulo", "zurich", "łodz"]   # (ł has no decomposition: kept; são is a stopword)
    # stopwords match typed without their accents too ("nao", "tambem")
    assert tok.tokens("nao tambem está esta") == []
    # other scripts untouched: Cyrillic й stays й, Chinese as segmented
    assert tok.tokens("Челябинск метеорит й 地震") == ["челябинск", "метеорит", "地震"]
    assert tok.tokens("район") == ["район"]
    # off: accents kept, and their stopwords only as written
    off = Tokenizer(fold_accents=False, stem_english=False)
    assert off.tokens("Incêndio não nao") == ["incêndio", "nao"]
    assert off.settings()["fold_accents"] is False and tok.fold_accents is True


def test_english_apostrophes_and_hyphens(tok: Tokenizer) -> None:
    plain = Tokenizer(stem_english=False)
    words = plain.tokens("Boston's mayor O'Brien isn't well-known")
    assert words == ["boston", "mayor", "o'brien", "well-known"]
    assert plain.tokens("Boston’s streets") == ["boston", "streets"]  # curly apostrophe
    assert tok.tokens("covid-19 cases") == ["covid-19", "case"]


def test_english_numbers(tok: Tokenizer) -> None:
    assert tok.tokens("MH370 5G G20 in 2013 with 12 of 100 people") == ["mh370", "5g", "g20", "2013", "peopl"]
    assert tok.tokens("3rd floor at 10am, 5km away, 2013-2014 season, 3-0 win") == [
        "floor", "2013", "2014", "season", "win",
    ]  # fmt: skip
    assert tok.tokens("call 12306 or 110") == ["call", "12306"]


def test_english_hashtags(tok: Tokenizer) -> None:
    assert tok.tokens("#BostonMarathon #PrayForBoston") == [
        "bostonmarathon", "boston", "marathon", "prayforboston", "pray", "boston",
    ]  # fmt: skip
    assert Tokenizer(split_hashtags=False).tokens("#BostonMarathon") == ["bostonmarathon"]
    assert tok.tokens("#Sandy #iPhone") == ["sandi", "iphon"]


def test_min_token_chars(tok: Tokenizer) -> None:
    assert tok.tokens("a b c ok go x-ray") == ["x-ray"]
    assert Tokenizer(min_token_chars=1, stem_english=False).tokens("b c x") == ["b", "c", "x"]
    assert Tokenizer(min_token_chars=4, stem_english=False).tokens("bus train 地铁") == ["train", "地铁"]


def test_other_scripts_kept_as_words(tok: Tokenizer) -> None:
    assert tok.tokens("café привет 안녕하세요") == ["cafe", "привет", "안녕하세요"]   # (Latin folded, see above)


# ---------------------------------------------------------------- mixed, edge cases


def test_mixed_text_keeps_order(tok: Tokenizer) -> None:
    assert tok.tokens("iPhone 15发布会在北京举行，售价5999元") == ["iphon", "发布会", "北京", "举行", "售价", "5999"]
    assert tok.tokens("地震 earthquake 救援 rescue 2023") == ["地震", "earthquak", "救援", "rescu", "2023"]
    words = tok.tokens("【突发】#郑州暴雨# @河南日报 郑州地铁5号线停运 http://t.cn/x [泪] #StaySafe")
    assert words == ["突发", "郑州", "暴雨", "郑州", "地铁", "号线", "停运", "staysaf", "stay", "safe"]


def test_repeats_kept(tok: Tokenizer) -> None:
    assert tok.tokens("地震 地震 地震") == ["地震", "地震", "地震"]


@pytest.mark.parametrize("text", ["", " ", "\t\n\u3000 ", "😀", "！？。", "的了吗", "the of and", "12 34"])
def test_empty_results(tok: Tokenizer, text: str) -> None:
    assert tok.tokens(text) == []


def test_very_long_text_is_bounded(tok: Tokenizer) -> None:
    text = "地震救援正在进行 earthquake rescue " * 20_000  # 600k chars
    t0 = time.perf_counter()
    words = tok.tokens(text)
    assert time.perf_counter() - t0 < 1.0
    assert len(words) == tok.max_tokens
    assert Tokenizer(max_tokens=3).tokens(text) == ["地震", "救援", "进行"]
    # only the first max_chars characters are read
    assert Tokenizer(max_chars=4).tokens("地震救援正在进行") == ["地震", "救援"]
    assert len(tok.tokens("中国" * 100_000)) == tok.max_tokens


def test_results_are_fresh_lists(tok: Tokenizer) -> None:
    texts = ["RT @a: Floods! #BostonMarathon", "北京地铁今天早上发生故障", "Flooding floods"]
    first = tok.tokens_many(texts)
    first[0].append("junk")  # results are fresh lists: mutating one changes nothing later
    first[2].clear()
    assert tok.tokens_many(texts) == Tokenizer().tokens_many(texts) == [
        ["flood", "bostonmarathon", "boston", "marathon"],
        ["北京地铁", "早上", "发生", "故障"],
        ["flood", "flood"],
    ]


def test_extra_stopwords_are_normalised() -> None:
    t = Tokenizer(extra_stopwords=["Marathon", "ＢＯＳＴＯＮ", "地铁"], stem_english=False)
    assert t.tokens("Boston marathon runners 北京地铁 地铁") == ["runners", "北京地铁"]
    assert t.extra_stopwords == frozenset({"marathon", "boston", "地铁"})


def test_word_cache_is_bounded() -> None:
    t = Tokenizer(cache_size=10)
    for i in range(100):
        t.tokens(f"word{i}x flood")
    assert len(t._words) <= 10
    assert t.tokens("flooding") == ["flood"]
    assert Tokenizer(cache_size=0).tokens("flooding floods") == ["flood", "flood"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_token_chars": 0},
        {"min_token_chars": 65},
        {"min_token_chars": True},
        {"max_tokens": 0},
        {"max_tokens": 1.5},
        {"stem_english": 1},
        {"fold_accents": "no"},
        {"extra_stopwords": "abc"},
        {"extra_stopwords": [1, 2]},
        {"extra_stopwords": 5},
        {"segmenter": "pkuseg"},
        {"mode": "all"},
        {"hmm": None},
        {"split_hashtags": "yes"},
        {"max_chars": 0},
        {"cache_size": -1},
    ],
)
def test_settings_validated(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Tokenizer(**kwargs)


def test_settings_public_and_read_only(tok: Tokenizer) -> None:
    assert tok.min_token_chars == 2 and tok.max_tokens == 64 and tok.stem_english is True   # (text.max_tokens)
    assert tok.segmenter == "rjieba" and tok.extra_stopwords == frozenset()
    with pytest.raises(AttributeError):
        tok.max_tokens = 5
    assert "Tokenizer(" in repr(tok)


def test_stopword_lists_shipped() -> None:
    zh, en = load_stopwords("zh"), load_stopwords("en")
    assert len(zh) >= 300 and len(en) >= 300
    assert {"的", "了", "转发微博", "网页链接", "展开全文", "全文"} <= zh
    assert {"the", "rt", "via", "amp", "don't"} <= en
    intl = load_stopwords("intl")
    assert {"de", "la", "que", "il", "che", "não", "ng", "der", "und"} <= intl
    assert not {"die", "son", "come", "ma", "mi", "sa", "aus", "mit", "van", "pour", "plus"} & intl
    with pytest.raises(ValueError):
        load_stopwords("fr")


def test_docstring_examples() -> None:
    for module in (normalize_module, segment_module):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# ---------------------------------------------------------------- properties

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
POST_LIKE = st.text(
    alphabet=st.sampled_from(list("北京地铁故障暴雨的了是在#@[]:/ .,!？，。😀\u200d\ufe0fabcXYZ'-_0123456789&;h")),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, st.text(max_size=300), POST_LIKE))
def test_tokens_total_on_any_text(text: str) -> None:
    tok = _TOK
    before = text
    words = tok.tokens(text)
    assert text == before
    assert isinstance(words, list) and len(words) <= tok.max_tokens
    for w in words:
        assert isinstance(w, str) and w and not any(c.isspace() for c in w)
    assert tok.tokens(text) == words


# Adversarial for the fast path: apostrophes, lone hyphens, c# (an ASCII dictionary word), letters
# of other scripts, decimals next to letters (jieba cuts 1.5cm as 1.5|cm).
SEGMENTER_TRAPS = st.text(
    alphabet=st.sampled_from(list("北京地铁故障暴雨的了人民法院江南打印店号 .,-'_%+#&:/abcsxyz0159éпр한か!？，。😀")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(SEGMENTER_TRAPS, POST_LIKE, ANY_TEXT))
def test_fast_path_equals_token_walk(text: str) -> None:
    for tok in (_TOK, _TOK_SEARCH, _TOK_TINY_CACHE):
        reference = tok._walk(tok._cut(clean(text, symbols=False)))[: tok.max_tokens]
        assert tok.tokens(text) == reference


@settings(max_examples=150, deadline=None)
@given(SEGMENTER_TRAPS)
def test_backends_agree_on_any_text(text: str) -> None:
    assert _TOK.tokens(text) == _TOK_JIEBA.tokens(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, POST_LIKE))
def test_normalize_total_and_tidy(text: str) -> None:
    out = normalize(text)
    assert out == " ".join(out.split())
    assert normalize(out) == out  # idempotent
    assert isinstance(extract_hashtags(text), list)


_TOK = Tokenizer()
_TOK_SEARCH = Tokenizer(mode="search")
_TOK_TINY_CACHE = Tokenizer(cache_size=3, min_token_chars=1)
_TOK_JIEBA = Tokenizer(segmenter="jieba")


@pytest.mark.parametrize(("tag", "words"), [
    ("#NSWfire", {"nsw", "fire"}), ("#LAXshooting", {"lax", "shooting"}), ("#NYCMarathon", {"nyc", "marathon"}),
    ("#NYCmarathon", {"nyc", "marathon"}), ("#PrayForBoston", {"pray", "boston"}),
])
def test_acronym_hashtags_keep_the_acronym_and_the_word(tag, words):
    out = normalize(tag).split()
    assert out[0] == tag[1:].lower() and words <= set(out)
