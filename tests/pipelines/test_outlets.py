"""Outlet registry: canonical names, registry validation, boilerplate stripping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.outlets import OUTLET_TYPES, read_registry, strip_boilerplate

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


@pytest.fixture(scope="module")
def registry():
    return read_registry()


# Every outlet spelling of the four real corpora, and the name it must map to.
CORPUS_OUTLETS = [
    # ruwa_ukraine_war_2022 (outlet_domain)
    ("ukrinform.net", "Ukrinform"),
    ("censor.net", "Censor.net"),
    ("reuters.com", "Reuters"),
    ("rt.com", "RT"),
    ("aljazeera.com", "Al Jazeera English"),
    ("bbc.co.uk", "BBC News"),
    ("www.msnbc.com", "MSNBC"),
    ("en.news-front.info", "News-Front"),
    ("tass.com", "TASS"),
    # rss_world_news_2023 (outlet)
    ("RT", "RT"),
    ("Al Jazeera English", "Al Jazeera English"),
    ("BBC News", "BBC News"),
    ("The Guardian", "The Guardian"),
    ("New York Times", "New York Times"),
    ("Wall Street Journal", "Wall Street Journal"),
    ("Sky News", "Sky News"),
    ("NBC News", "NBC News"),
    ("Washington Post", "Washington Post"),
    ("CNN", "CNN"),
    ("South China Morning Post", "South China Morning Post"),
    ("The Epoch Times", "The Epoch Times"),
    ("Fox News", "Fox News"),
    ("ABC News (US)", "ABC News (US)"),
    ("NPR", "NPR"),
    ("The Hill", "The Hill"),
    ("Time", "Time"),
    ("The Intercept", "The Intercept"),
    ("Times of India", "Times of India"),
    ("Pakistan Observer", "Pakistan Observer"),
    ("Japan Today", "Japan Today"),
    ("AllAfrica", "AllAfrica"),
    ("Reuters", "Reuters"),
    ("The Brazilian Report", "The Brazilian Report"),
    # kcna_2024
    ("KCNA", "KCNA"),
    # cn_state_vs_bbc_headlines_2022
    ("CGTN", "CGTN"),
    ("China Daily", "China Daily"),
    ("Global Times", "Global Times"),
    ("Xinhua", "Xinhua"),
]

OTHER_SPELLINGS = [
    ("https://www.rt.com/news/1/", "RT"),
    ("  bbc  ", "BBC News"),
    ("BBC", "BBC News"),
    ("Russia Today", "RT"),
    ("RT.com", "RT"),
    ("rt", "RT"),
    ("Al Jazeera", "Al Jazeera English"),
    ("https://www.aljazeera.com/news/2023/10/16/x", "Al Jazeera English"),
    ("edition.cnn.com", "CNN"),
    ("https://edition.cnn.com/2023/01/01/world/x", "CNN"),
    ("WWW.BBC.CO.UK", "BBC News"),
    ("feeds.bbci.co.uk", "BBC News"),
    ("Korean Central News Agency", "KCNA"),
    ("People’s Daily", "People's Daily"),  # curly apostrophe
    ("people's   daily", "People's Daily"),  # case and inner spaces
    ("Xinhua News Agency", "Xinhua"),
    ("english.news.cn", "Xinhua"),
    ("Press TV", "Press TV"),
    ("presstv.ir", "Press TV"),
    ("Associated Press", "AP"),
    ("Radio Free Europe/Radio Liberty", "RFE/RL"),
    ("Kyiv Independent", "The Kyiv Independent"),
    ("thehuffingtonpost", "HuffPost"),
    ("rodong.rep.kp", "Rodong Sinmun"),
]


@pytest.mark.parametrize(("raw", "expected"), CORPUS_OUTLETS + OTHER_SPELLINGS)
def test_canonical_known_spellings(registry, raw, expected):
    assert registry.canonical(raw) == (expected, True)


@pytest.mark.parametrize(
    ("raw", "url", "expected"),
    [
        ("Example Times", None, ("Example Times", False)),
        ("  Example Times ", None, ("Example Times", False)),
        ("example-times.test", None, ("example-times.test", False)),
        (None, None, (None, False)),
        ("", None, (None, False)),
        ("   ", None, (None, False)),
        ("", "https://www.rt.com/russia/5/", ("RT", True)),
        (None, "https://abcnews.go.com/International/x", ("ABC News (US)", True)),
        (None, "https://www.example-times.test/a/1", ("example-times.test", False)),
        ("Example Times", "https://www.rt.com/news/1/", ("Example Times", False)),
        ("BBC News", "https://www.rt.com/news/1/", ("BBC News", True)),
        (None, "not a url", (None, False)),
    ],
)
def test_canonical_unknown_and_url_fallback(registry, raw, url, expected):
    assert registry.canonical(raw, url) == expected


def test_canonical_does_not_match_parent_of_a_domain(registry):
    # "co.uk" is the parent of bbc.co.uk, not the other way round
    assert registry.canonical("co.uk") == ("co.uk", False)


def test_canonical_is_cached_and_stable(registry):
    first = registry.canonical("Russia Today")
    assert registry.canonical("Russia Today") == first == ("RT", True)


def test_info(registry):
    assert registry.info("KCNA") == {"country": "KP", "type": "state-controlled"}
    assert registry.info("BBC News") == {"country": "GB", "type": "public broadcaster"}
    assert registry.info("Example Times") == {"country": None, "type": None}
    assert registry.info(None) == {"country": None, "type": None}


def test_builtin_registry_is_complete(registry):
    assert len(registry) >= 60
    for outlet in registry.outlets.values():
        assert outlet.type in OUTLET_TYPES, outlet.name
        assert outlet.country and re.fullmatch(r"[A-Z]{2}", outlet.country), outlet.name
    analysts_outlets = [
        "Press TV", "Sputnik", "TASS", "Xinhua", "CGTN", "People's Daily", "Global Times",
        "KCNA", "Rodong Sinmun", "Yonhap", "AP", "AFP", "Reuters", "BBC News",
        "Al Jazeera English", "Deutsche Welle", "France 24", "NHK World", "Voice of America",
        "RFE/RL", "TRT World", "Al Arabiya", "IRNA", "Tasnim", "Fars", "Anadolu Agency",
        "The Kyiv Independent", "Ukrinform", "Meduza", "Novaya Gazeta Europe", "Haaretz",
        "The Times of Israel",
    ]
    missing = [name for name in analysts_outlets if name not in registry]
    assert missing == []


@pytest.mark.skipif(not (CORPORA / "rss_world_news_2023").is_dir(), reason="corpus not present")
def test_every_rss_corpus_row_maps_by_name_and_by_url(registry):
    import pandas as pd
    rows = pd.read_csv(CORPORA / "rss_world_news_2023" / "rss_world_news_2023.csv",
                       usecols=["outlet", "url"])
    by_name = {registry.canonical(o) for o in rows["outlet"].unique()}
    assert all(known for _, known in by_name)
    assert {name for name, _ in by_name} == set(rows["outlet"].unique())
    by_url = [registry.canonical(None, u)[0] for u in rows["url"]]
    agree = sum(a == b for a, b in zip(by_url, rows["outlet"]))
    assert agree / len(rows) > 0.99


# --- user registries --------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "my_outlets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_registry_adds_and_overrides(tmp_path):
    path = write(tmp_path, """
outlets:
  - name: Example Times
    aliases: [ET]
    domains: [example-times.test]
    country: GB
    type: synthetic
  - name: RT
    aliases: [Russia Today]
    domains: [rt.com]
    country: RU
    type: state-affiliated
""")
    registry = read_registry([path])
    assert registry.canonical("et") == ("Example Times", True)
    assert registry.canonical("https://news.example-times.test/a") == ("Example Times", True)
    assert registry.info("RT") == {"country": "RU", "type": "state-affiliated"}
    # the override replaces the entry whole: aliases not repeated are gone
    assert registry.canonical("RT News") == ("RT News", False)


def test_alias_claimed_by_two_outlets(tmp_path):
    path = write(tmp_path, """
outlets:
  - name: Example Times
    aliases: [Russia Today]
""")
    with pytest.raises(ConfigError) as caught:
        read_registry([path])
    message = str(caught.value)
    assert "alias claimed by two outlets" in message
    assert str(path) in message
    assert "'Example Times'" in message and "'RT'" in message
    assert "'Russia Today'" in message
    assert "outlets.yaml" in message


def test_domain_claimed_by_two_outlets(tmp_path):
    path = write(tmp_path, """
outlets:
  - name: Example Times
    domains: [www.bbc.co.uk]
""")
    with pytest.raises(ConfigError, match=r"domain claimed by two outlets.*'bbc\.co\.uk' in "
                                          r"'Example Times'.*'BBC News'"):
        read_registry([path])


def test_bad_regex_names_the_pattern(tmp_path):
    path = write(tmp_path, """
outlets:
  - name: Example Times
    boilerplate:
      - pattern: '^(read more'
""")
    with pytest.raises(ConfigError) as caught:
        read_registry([path])
    message = str(caught.value)
    assert message.startswith(f"{path}, outlet 0 ('Example Times'), boilerplate entry 0, "
                              "field 'pattern': invalid boilerplate pattern")
    assert "'^(read more'" in message
    assert "Fix:" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  - aliases: [X]\n", "outlet 0, field 'name': outlet without a name"),
        ("  - name: X\n    type: state media\n",
         "outlet 0 ('X'), field 'type': unknown outlet type; expected one of state-affiliated"),
        ("  - name: X\n    country: Russia\n", "field 'country': invalid country"),
        ("  - name: X\n    alias: [Y]\n", "unknown outlet field; expected only name"),
        ("  - name: X\n    domains: ['https://x.test/']\n", "field 'domains': invalid domain"),
        ("  - name: X\n  - name: X\n", "outlet 1 ('X'): outlet listed twice"),
    ],
)
def test_invalid_entries(tmp_path, entry, expected):
    path = write(tmp_path, "outlets:\n" + entry)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        read_registry([path])


def test_invalid_yaml_names_line(tmp_path):
    path = write(tmp_path, "outlets:\n  - name: [X\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: outlet registry is not valid YAML"):
        read_registry([path])


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read outlet registry"):
        read_registry([tmp_path / "absent.yaml"])


# --- boilerplate ------------------------------------------------------------------------

BODY = (
    "The naval exercise off the northern coast ended on Tuesday after five days, "
    "the defence ministry said.\n"
    "Fishing boats were asked to stay clear of the area until Wednesday morning.\n"
)


@pytest.mark.parametrize(
    "footer",
    [
        "This report is also available at the following mirror addresses: "
        "mirror-one.example, mirror-two.example",
        "This article can also be reached at the following alternate addresses: "
        "mirror-one.example/a/77, mirror-two.example/a/77",
        "Read more: Regime stages fresh war games",
        "READ MORE",
        "Related stories",
        "Most read",
        "© 2026 Example Times",
        "Copyright 2023 Reuters. All rights reserved.",
        "Read Full Article at RT.com",
    ],
)
def test_footer_lines_are_removed(registry, footer):
    patterns = registry.boilerplate_patterns("Example Times")
    assert strip_boilerplate(BODY + footer + "\n", patterns) == BODY
    assert strip_boilerplate(BODY + footer, patterns) == BODY
    assert strip_boilerplate(BODY + footer + "\n\n", patterns) == BODY


def test_case_c04_both_footers(registry):
    text = (
        BODY
        + "Read more: Regime stages fresh war games\n"
        + "This article can also be reached at the following alternate addresses: "
          "mirror-one.example/a/77, mirror-two.example/a/77\n"
        + "This report is also available at the following mirror addresses: "
          "mirror-one.example, mirror-two.example\n"
        + "© 2026 Example Times\n"
    )
    assert strip_boilerplate(text, registry.boilerplate_patterns(None)) == BODY


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials urged citizens to read more widely before the vote.",
        "Read more carefully, the statement accuses the imperialists of aggression.",
        "The most read newspaper in the country backed the decision.",
        "Related stories appeared in other outlets on Monday.",
        "Copyright law was the subject of the talks.",
        "The report is available at the embassy.",
        "The score was 1-0.",
    ],
)
def test_real_sentences_are_kept(registry, sentence):
    text = BODY + sentence + "\n"
    assert strip_boilerplate(text, registry.boilerplate_patterns("KCNA")) == text


def test_kcna_end_marker_suffix_is_cut(registry):
    text = ("Pyongyang, December 24 (KCNA) -- Japan continues discharging water.\n"
            "Japan can never evade its responsibility for the heinous crime. -0-")
    assert strip_boilerplate(text, registry.boilerplate_patterns("KCNA")) == (
        "Pyongyang, December 24 (KCNA) -- Japan continues discharging water.\n"
        "Japan can never evade its responsibility for the heinous crime.")


def test_kcna_end_marker_line_is_removed(registry):
    text = "The meeting closed.\n-0-\n"
    assert strip_boilerplate(text, registry.boilerplate_patterns("KCNA")) == "The meeting closed.\n"


def test_rss_summary_footer_suffix_is_cut(registry):
    text = "China has reportedly saved $10 billion this year Read Full Article at RT.com"
    assert strip_boilerplate(text, registry.boilerplate_patterns("RT")) == (
        "China has reportedly saved $10 billion this year")


def test_no_match_returns_the_same_object(registry):
    text = "Line one.\r\nLine two.\n\n  Line three with trailing spaces  \n\n"
    assert strip_boilerplate(text, registry.boilerplate_patterns("KCNA")) is text
    assert strip_boilerplate("", registry.boilerplate_patterns("KCNA")) == ""


def test_kept_lines_are_byte_for_byte(registry):
    text = "First line.\r\nRead more: something\r\nSecond line.\r\n"
    assert strip_boilerplate(text, registry.boilerplate_patterns(None)) == (
        "First line.\r\nSecond line.\r\n")


def test_outlet_patterns_add_to_global(registry):
    global_only = registry.boilerplate_patterns("Example Times")
    kcna = registry.boilerplate_patterns("KCNA")
    assert kcna[: len(global_only)] == global_only
    assert len(kcna) > len(global_only)
    assert all(isinstance(p, re.Pattern) for p in kcna)


@pytest.mark.skipif(not (CORPORA / "kcna_2024").is_dir(), reason="corpus not present")
def test_kcna_corpus_loses_only_the_marker(registry):
    import pandas as pd
    texts = pd.read_csv(CORPORA / "kcna_2024" / "kcna_articles.csv")["story_text"].dropna()
    patterns = registry.boilerplate_patterns("KCNA")
    for text in texts.head(300):
        stripped = strip_boilerplate(text, patterns)
        assert "-0-" not in stripped[-10:]
        assert text.startswith(stripped)
        assert len(text) - len(stripped) <= 6


@pytest.mark.parametrize("text, pattern, expected", [
    # A line ending in another break (U+2028, NEL, form feed, lone CR) keeps it in its body: a text holding one
    # is never taken as unmatched from its "\n"-lines alone.
    ("keep\u2028end marker", r"\u2028$", "end marker"),
    ("a\x0cb", r"^a\x0c$", "b"),
    ("a\x85Read more", r"(?i)^read more$", "a\x85"),
    ("x\rRead more\n", r"(?i)^read more$", "x\r"),
    ("a\r\nREAD MORE\r\nb", r"(?i)^read more$", "a\r\nb"),
    ("Read more\n\nbody", r"(?i)^read more$", "\nbody"),
    ("body\nnothing here\n", r"(?i)^read more$", "body\nnothing here\n"),
])
def test_strip_boilerplate_line_breaks(text, pattern, expected):
    assert strip_boilerplate(text, [re.compile(pattern)]) == expected
