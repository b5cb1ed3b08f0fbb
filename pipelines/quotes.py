"""Whose voice is it: direct quotations and reported speech in article text.

A loaded word inside quotation marks, or inside "X said that ...", belongs to the speaker,
not to the outlet. :func:`find_quotes` finds the spans (it only finds; it annotates
nothing); :func:`voice_of` and :func:`count_words_by_voice` read them. All offsets are
Python ``str`` indices into the canonical ``articles.text``; nothing is rewritten.

Method (rules applied in this order)
------------------------------------
1. **Candidate marks.** One scan of the text with a compiled character class finds every
   quotation-mark character (``" “ ” „ « » ‹ › ‘ ’ ' ‚ 「 」``). ``″`` is never a quote.
   Apostrophes are dropped at once: ``’``/``'`` between two letters or digits
   (``regime’s``, ``don't``, ``5'11``), elisions (``’90s``, ``'em``, ``rock 'n' roll``).
2. **Positions.** An opening mark is preceded by the start of the paragraph, whitespace,
   ``([{—–-/`` or another opening mark, and followed by a non-space. A closing mark is
   preceded by a non-space and followed by the end, whitespace, ``.,;:!?)]}—–-…`` or another
   closing mark. ``„`` only opens, ``”`` and ``’`` only close; ``“`` opens, or closes a ``„``;
   ``«»`` / ``‹›`` pair either way, but the German order (``»…«``) is kept only when closed.
   CJK ``「」`` ignore spacing. Weak closers -- a ``"``/``'`` right after a digit (inch/foot
   marks: ``12" pipe``) and a plural possessive ``s’``/``s'`` (``imperialists’ lackeys``) --
   close only a matching open quote, and only when no ordinary closer for it follows in the
   same sentence; they never open.
3. **Pairing**, per paragraph (text between ``"\\n"``), with a stack, so nesting works
   (double in single or the reverse). A closer with no matching opener is ignored; inner
   openers left open when an outer quote closes are dropped (textacy-style: do not guess).
4. **Continued quotations.** When paragraph *i* ends with an open quote and paragraph *i+1*
   starts (after whitespace) with an opening mark of the same family, paragraph *i*'s segment
   is a closed Quote running to the end of the paragraph; the segments share one speaker.
5. **Unclosed quotes.** Otherwise the outermost opener left open gives a Quote from after the
   mark to the end of its paragraph (trailing whitespace excluded) with ``closed=False``;
   the next paragraph starts clean.
6. **Speaker and cue of a direct quote.** First right after the closing mark
   (``,” said X`` / ``,” X said`` / ``,” X told reporters`` / ``” — X``), skipped when the
   quotation ends a sentence and the next word starts a new one; then right before the
   opening mark (``X said: “`` / ``X said, “`` / ``X told Reuters: “`` /
   ``X wrote on Telegram: “`` / ``According to X, “``). Short quotes without a cue (scare
   quotes: ``the “elections”``) get speaker and cue ``None``.
7. **Reported speech.** One scan of the text for reporting cues (case-insensitive, inflected:
   said, told, claimed, insisted, warned, according to, in the words of, quoted ... as
   saying, accused ... of, described/dismissed/branded/labelled ... as, called ... a/the,
   ...). Cues inside a direct quotation are skipped (the quoted speaker owns that text).
   The sentence of a cue is that of :func:`sentence_spans`, found only when a cue is outside
   direct quotes (by splitting the whole text when cues are dense, otherwise by scanning for
   the boundaries on either side of the cue). For each cue:

   * ``X said (on Monday) that CLAUSE`` / ``X told reporters that CLAUSE`` -> after "that";
   * ``CLAUSE, X said.`` / ``CLAUSE, said X.`` / ``CLAUSE, X told reporters.`` /
     ``CLAUSE, X has said.`` / ``CLAUSE, X says`` (a headline) -> the clause from the
     sentence start to the comma. X fills the stretch between the comma and the cue and may
     carry a lower-case role ("foreign ministry spokeswoman Maria Zakharova", "Russian OSCE
     envoy", "tech mogul Elon Musk", "a senior US official");
   * ``CLAUSE, X said, CLAUSE`` (a parenthetical cue) -> the whole sentence;
   * ``X said CLAUSE`` (a subject must be found; "X who asked not to be named said" gives
     X) -> after the cue to the sentence end;
   * ``According to X, CLAUSE.`` / ``CLAUSE, according to X.`` -> the clause, only when X is
     a speaker: a pronoun, a proper noun, a person or organisation noun ("officials",
     "Western sources", "the ministry", "analyst Priya Halden", "media reports"), or a
     document of someone ("a statement by the ministry", "data from the UN", "a schedule seen
     by reporters"). "according to whether / the right / the law / the plan / reports /
     international law / our judgment" is no attribution;
   * headlines: ``CLAUSE – Name`` / ``CLAUSE - Name`` (1-4 capitalised words, optionally
     one role noun: "– British intelligence", ending the sentence or the line) -> the
     clause, cue the dash; a news agency or outlet there ("— Ukrinform.", "- Reuters") is a
     byline, not a speaker. ``Name: CLAUSE`` at the start of a paragraph -> the clause, cue
     ``:``, unless Name is a headline label or place ("Factbox:", "Mariupol:");
   * ``X accused Y of Z``, ``X described/dismissed/branded/labelled Y as Z``,
     ``X called Y a/an/the Z`` -> from the object to the sentence end;
   * ``..., insisting/adding/saying that CLAUSE`` -> after "that"; speaker = the sentence's
     earlier speaker, or its simple subject, else ``None``;
   * passives (``was told``, ``was described as``) and cues directly followed by a quotation
     mark (``X said: “…”``, the direct quote covers it) give no reported span.

   Spans end at the sentence end, without its final ``.!?``; a sentence always ends at a
   paragraph break (even after "U.S."), and "U.S." / "etc." end one before "The", "It",
   "They", ... . The outlet's own narrative without a cue ("The army attacked the
   village.") is never a span.
9. **The outlet's own voice.** A reported span whose speaker is the article's own outlet
   (``find_quotes(text, outlet_names=("KCNA",))``: "KCNA reported that", "The KCNA in a
   commentary says") or a self-reference ("this news agency", "this newspaper") is dropped:
   those words are the outlet's.
8. **Speakers** are a proper-noun sequence (Title Case words, initials, ``of``/``the``
   inside: "Minister of Foreign Affairs Sergey Lavrov"), a short description ("the
   ministry", "a spokesman for the ministry", "the KCNA commentary"), a bare plural
   ("officials", "US officials") or a pronoun ("he"), with trailing punctuation stripped.
   A name stops at the verb ("The Foreign Ministry of the DPRK | strongly denounces"); a
   participle opening the sentence is never a speaker ("Noting that ..., he denounced ...,
   branding ..." -> "he").

Voice precedence: the innermost (shortest) span containing a stretch of text wins; a direct
quote beats a reported span of equal length. Everything else is the outlet's voice.

Not handled: speakers resolved across sentences (pronouns are kept as written), quotes
whose marks are not paired inside one paragraph (beyond the continuation rule), indirect
speech without any cue, languages other than English for cues.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick_rs

from .text import scan_overlapping, word_mask

try:   # compiled by `pip install [-e] .` (setup.py); without it sentence_spans and _tokens run in Python
    from ._match import sentence_spans as _native_spans
    from ._match import tokens as _native_tokens
except ImportError:   # pragma: no cover - the tests assert the module is built
    _native_spans = _native_tokens = None

__all__ = [
    "Quote",
    "Voices",
    "WORD_RE",
    "count_words_by_voice",
    "find_quotes",
    "sentence_spans",
    "voice_of",
]

WORD_RE = re.compile(r"\w+")
"""A word, for every word count of the project: a run of ``\\w`` characters."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation or a reported-speech span.

    Attributes
    ----------
    start : int
        Character offset of the span in the text. For a direct quote, the first character
        after the opening mark.
    end : int
        Exclusive end offset. For a direct quote, the offset of the closing mark; for an
        unclosed one, the end of its paragraph (trailing whitespace excluded).
    kind : str
        ``"direct"`` (inside quotation marks) or ``"reported"`` (reported speech).
    speaker : str or None
        Who speaks, as written ("Kim Yo Jong", "the ministry", "he"); ``None`` when not found.
    cue : str or None
        Reporting verb or phrase as written ("said", "according to", "insisting");
        ``None`` for a bare or scare quote.
    closed : bool
        ``False`` when a quotation mark was never closed in its paragraph.
    """

    start: int
    end: int
    kind: str
    speaker: str | None
    cue: str | None
    closed: bool


# --------------------------------------------------------------------------------------
# Module constants: compiled once.

_MARK_RE = re.compile("[\"“”„«»‹›‘’'‚「」]")
_MARK_SCAN_RE = re.compile(
    "[\"“”„«»‹›‘’'‚「」](?:(?<=[\"“”„«»‹›‘‚「」])|(?<![^\\W_]['’])|(?![^\\W_]))"
)
"""The marks of ``_MARK_RE`` except an apostrophe between two letters or digits (regime’s,
don't, 5'11): ``[^\\W_]`` is exactly ``str.isalnum``. The character class comes first so
``re`` can skip ahead to candidate characters."""
_MARK_CHARS = "\"“”„«»‹›‘’'‚「」"
"""The characters of ``_MARK_RE``: the only possible starts of a ``_MARK_SCAN_RE`` match."""
_NONSPACE_RE = re.compile(r"\S")
_ELISION_RE = re.compile(r"(?:\d\ds\b|em\b|til\b|cause\b|tis\b|twas\b|n['’](?=\s))", re.IGNORECASE)

_FAMILY = {'"': "d", "“": "d", "„": "d", "«": "d", "»": "d",
           "'": "s", "‘": "s", "‚": "s", "‹": "s", "›": "s", "「": "c"}
# opening mark -> closing marks that close it
_CLOSES = {
    '"': '"”“', "“": '”"', "„": '“”"', "«": "»", "»": "«",
    "'": "'’‘", "‘": "’'", "‚": "‘’'", "‹": "›", "›": "‹", "「": "」",
}
_CAN_OPEN = frozenset('"“„«»\'‘‚‹›「')
_CAN_CLOSE = frozenset('"“”«»\'’‘‹›」')
_OPEN_BEFORE = frozenset("([{—–-/") | _CAN_OPEN
_CLOSE_AFTER = frozenset(".,;:!?)]}—–-…") | _CAN_CLOSE | frozenset("”’»›」")
_TENTATIVE = frozenset("»›")  # German-order openers: kept only when closed

_CUE_FORMS = tuple("""
according to|in the words of|quoted|said|says|say|saying|told|tells|tell|telling|stated|stating|
added|adds|adding|claimed|claims|claiming|insisted|insists|insisting|argued|argues|arguing|
noted|notes|noting|warned|warns|warning|declared|declares|declaring|asserted|asserts|asserting|
alleged|alleges|alleging|stressed|stresses|stressing|emphasised|emphasises|emphasising|
emphasized|emphasizes|emphasizing|explained|explains|explaining|wrote|writes|writing|
tweeted|tweets|tweeting|posted|reported|reports|reporting|announced|announces|announcing|
accused|accuses|accusing|denied|denies|denying|dismissed|dismisses|dismissing|
described|describes|describing|called|calls|calling|branded|brands|branding|
labelled|labeled|labels|labelling|labeling|urged|urges|urging|maintained|maintains|maintaining|
suggested|suggests|suggesting|believes|believe|thinks|think|charged|charges|charging
""".replace("\n", "").split("|"))
"""Every reporting cue, as lower-case word forms (matching ignores the case)."""

_CUE_WORDS = "|".join(sorted((f.replace(" ", r"\s+") for f in _CUE_FORMS), key=len, reverse=True))
_CUE_RE = re.compile(r"(?<![\w\-’'])(?:" + _CUE_WORDS + r")(?![\w\-])", re.IGNORECASE)
"""Reference pattern of every cue (the fast path of :func:`_find_cues` falls back to it)."""


def _build_cue_index() -> tuple[dict[str, str], dict[str, re.Pattern]]:
    """Map ``str.split`` tokens that hold a cue word to a key, and each key to a pattern.

    Patterns start with their literal word so ``re`` can use its fast literal search; the
    word-boundary check comes after the literal as a look-behind.
    """
    token_to_key: dict[str, str] = {}
    patterns: dict[str, re.Pattern] = {}
    for form in _CUE_FORMS:
        for variant in (form, form[0].upper() + form[1:]):
            words = variant.split(" ")
            if words[0] in ("in", "In"):  # "in the words of": found by its rarer word
                anchor, key = words[2], "in the words of"
                pat = re.compile(r"(?<![\w\-’'])[Ii]n\s+the\s+words\s+of(?![\w\-])")
            else:
                anchor, key = words[0], variant
                pat = re.compile(re.escape(anchor) + r"(?<![\w\-’']" + re.escape(anchor) + r")"
                                 + "".join(r"\s+" + re.escape(w) for w in words[1:]) + r"(?![\w\-])")
            patterns[key] = pat
            for lead in ("", "(", "“", '"', "—", "‘", "'"):
                for tail in ("", ",", ".", ":", ";", "!", "?", ")", ",”", ".”", ',"', '."', "”", '"', "’", "'"):
                    token_to_key.setdefault(lead + anchor + tail, key)
    return token_to_key, patterns


_CUE_TOKENS, _CUE_PATTERNS = _build_cue_index()


_CUE_LEADS = frozenset(lead for lead in ("(", "“", '"', "—", "‘", "'"))
_CUE_TAILS1 = frozenset((",", ".", ":", ";", "!", "?", ")", "”", '"', "’", "'"))
_CUE_TAILS2 = frozenset((",”", ".”", ',"', '."'))
"""The leads and tails of :func:`_build_cue_index`'s tokens (one character; one or two)."""


def _anchor_index() -> tuple[list[str], list[str]]:
    """The anchor words of the cue keys and the key of each (the inverse of ``_CUE_TOKENS``
    on tokens without lead or tail)."""
    anchors = sorted({t for t in _CUE_TOKENS if t and t[0].isalpha() and t[-1].isalpha()})
    return anchors, [_CUE_TOKENS[a] for a in anchors]


_CUE_ANCHORS, _ANCHOR_KEY = _anchor_index()
_CUE_AC = ahocorasick_rs.AhoCorasick(_CUE_ANCHORS, implementation=ahocorasick_rs.Implementation.DFA)
_CUE_AC_BYTES = ahocorasick_rs.BytesAhoCorasick([a.encode() for a in _CUE_ANCHORS],
                                                implementation=ahocorasick_rs.Implementation.DFA)
"""Every anchor word (lower-case and capitalised), for one overlapping scan of a text. Built as
a DFA (the same matches; about half the scan time of the default contiguous NFA on 4,000-character
articles, and the 207 anchors make a small table)."""


def _find_cues(text: str) -> list[tuple[int, int, str]]:
    """All reporting cues as ``(start, end, text as written)``, in text order.

    A cue form is searched for when one of the text's whitespace-separated chunks is its
    anchor word with at most a lead and a tail of ``_CUE_TOKENS`` ("said,", "(According");
    then every occurrence with the pattern's word boundaries is a cue. One overlapping
    Aho-Corasick scan (ahocorasick-rs; bytes for an ASCII text, where byte and character
    offsets agree) finds every anchor occurrence; each is checked for a chunk of that shape
    (``str.split`` chunks: whitespace is ``str.isspace``) and for the boundaries of its single
    word (``\\w`` is ``str.isalnum`` or "_"); multi-word keys run their pattern. ALL-CAPS texts
    fall back to the reference pattern.
    """
    if text.isupper():
        return [(m.start(), m.end(), m.group()) for m in _CUE_RE.finditer(text)]
    hits = scan_overlapping(text, _CUE_AC, _CUE_AC_BYTES)
    if not hits:
        return []
    n = len(text)
    present = set()
    valid = []
    for idx, s, e in hits:
        key = _ANCHOR_KEY[idx]
        c = text[s - 1] if s else " "
        if key not in present:
            # the chunk holding the hit: lead + anchor + tail of _build_cue_index
            if c.isspace() or (c in _CUE_LEADS and (s == 1 or text[s - 2].isspace())):
                t = text[e:e + 3]
                if not t or t[0].isspace() or (t[0] in _CUE_TAILS1 and (len(t) == 1 or t[1].isspace())) \
                        or (t[:2] in _CUE_TAILS2 and (len(t) == 2 or t[2].isspace())):
                    present.add(key)
        if key in _MULTIWORD_KEYS:
            continue
        if s and (c.isalnum() or c in "_-’'"):
            continue
        if e < n:
            c = text[e]
            if c.isalnum() or c in "_-":
                continue
        valid.append((s, e, key))
    if not present:
        return []
    out = [v for v in valid if v[2] in present]
    for k in present:
        if k in _MULTIWORD_KEYS:
            out += [(m.start(), m.end(), m.group()) for m in _CUE_PATTERNS[k].finditer(text)]
    out.sort()
    return out


_MULTIWORD_KEYS = frozenset(k for k in _CUE_PATTERNS if " " in k)


# cue classes (keys are lower-cased, whitespace-normalised cue text)
_OBJECT_VERBS = ("accus", "describ", "dismiss", "call", "brand", "label")
_NEEDS_AS = ("describ", "dismiss", "label")
_NOUNISH = frozenset({"claims", "reports", "notes", "charges", "say", "think", "believe",
                      "calls", "posted", "tweets", "states"})
_PASSIVE = frozenset({"was", "were", "been", "being", "be", "is", "are", "get", "got", "gets"})
_SKIP_BEFORE_CUE = frozenset({
    "also", "later", "earlier", "again", "further", "recently", "previously", "repeatedly",
    "reportedly", "then", "once", "publicly", "openly", "has", "have", "had", "would", "will",
    "firmly", "strongly", "clearly", "flatly", "angrily", "only", "just", "allegedly",
    "explicitly", "bluntly", "furthermore", "subsequently", "frequently", "often", "always",
    "never", "not", "even", "has", "did", "does", "do", "could", "may", "might", "should",
})
_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it", "you"})
_DETS = frozenset({"the", "a", "an", "its", "his", "her", "their", "this", "one", "our",
                   "some", "many", "several", "two", "three", "another", "each", "both", "that"})
_CONNECT = frozenset({"of", "the", "for", "and", "de", "al", "bin", "ibn", "von", "van",
                      "der", "la", "le", "du", "da", "di", "el"})
_DESC_LINK = frozenset({"for", "of", "from", "at", "with", "in"})
_LEAD_STOP = frozenset({
    "in", "on", "at", "but", "and", "however", "meanwhile", "yesterday", "today", "also",
    "then", "so", "earlier", "later", "last", "this", "that", "according", "as", "while",
    "when", "after", "before", "speaking", "addressing", "if", "although", "though",
    "since", "because", "moreover", "furthermore", "still", "yet", "now", "here", "there",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "for",
    "to", "by", "with", "from", "of", "it", "he", "she", "they", "we", "i", "a", "an",
})
_STOP_IN_DESC = frozenset({
    "who", "which", "that", "on", "in", "at", "during", "after", "when", "while", "adding",
    "told", "said", "says", "according", "and", "or", "as", "to", "with", "is", "was",
    "were", "are", "be", "been", "has", "have", "had", "not", "but", "if", "by", "than",
    "also", "later", "earlier", "would", "will", "could", "can", "this", "it", "he", "she",
    "they", "we", "i", "his", "her", "its", "their",
})
_BARE_PLURALS = frozenset({
    "officials", "experts", "analysts", "critics", "residents", "witnesses", "sources",
    "observers", "diplomats", "protesters", "protestors", "authorities", "people", "media",
    "lawmakers", "activists", "locals", "scientists", "researchers", "economists",
    "investigators", "prosecutors", "police", "doctors", "commentators", "legislators",
    "leaders", "ministers", "politicians", "spokesmen", "spokespeople", "militants",
    "rebels", "troops", "soldiers", "journalists", "reporters", "participants", "speakers",
    "delegates", "scholars", "organizers", "organisers", "reports", "statements",
})

_ROLE_NOUNS = frozenset({
    "spokesman", "spokeswoman", "spokesperson", "spokespeople", "spokesmen", "envoy", "envoys",
    "official", "officials", "minister", "ministers", "ambassador", "ambassadors", "diplomat",
    "diplomats", "president", "chief", "head", "leader", "leaders", "commander", "commanders",
    "adviser", "advisers", "advisor", "advisors", "aide", "aides", "representative",
    "representatives", "secretary", "deputy", "chairman", "chairwoman", "chairperson", "director",
    "mogul", "billionaire", "founder", "officer", "officers", "negotiator", "negotiators",
    "correspondent", "journalist", "journalists", "reporter", "reporters", "columnist", "blogger",
    "ombudsman", "commissioner", "premier", "governor", "mayor", "senator", "lawmaker",
    "commentator", "historian", "writer", "author", "editor", "lawyer", "attorney", "veteran",
    "survivor", "eyewitness", "executive", "ceo", "manager", "owner", "strategist", "pundit",
    "campaigner", "candidate", "chancellor", "premier", "king", "queen", "prince", "pope",
    "cleric", "priest", "bishop", "imam", "rabbi", "physician", "doctor", "nurse", "teacher",
    "student", "worker", "workers", "farmer", "farmers", "citizen", "citizens", "voters",
    "secretary-general", "vice-president", "vice-chairman", "press-secretary", "ambassador",
    "consul", "attaché", "delegate", "delegation", "mission", "spokesperson", "insider",
    "insiders", "advocate", "advocates", "specialist", "specialists", "engineer", "engineers",
    "lawmakers", "legislator", "general", "prosecutor", "prosecutors", "investigator",
    "investigators", "analyst", "analysts", "expert", "experts", "source", "sources", "witness",
    "witnesses", "observer", "observers", "critic", "critics", "resident", "residents",
    "activist", "activists", "scholar", "scholars", "researcher", "researchers", "scientist",
    "scientists", "economist", "economists", "politician", "politicians", "professor",
    "ministry", "ministries", "government", "governments", "authorities", "administration",
    "office", "department", "agency", "embassy", "kremlin", "military", "army", "police",
    "command", "committee", "council", "parliament", "court", "union", "party", "bureau",
    "headquarters", "staff", "intelligence", "service", "services", "institute", "newspaper",
    "daily", "paper", "media", "statement", "statements", "communique", "editorial",
    "commentary", "article", "message", "letter", "report", "people", "locals", "troops",
    "soldiers", "militants", "rebels", "protesters", "protestors", "delegates", "participants",
    "speakers", "doctors", "organizers", "organisers", "commentators", "team", "operator",
})
"""Nouns of people and organisations that speak ("the ministry", "Russian OSCE envoy")."""
_SPEAKER_VERBISH = frozenset({
    "who", "which", "that", "is", "was", "were", "are", "be", "been", "being", "will", "would",
    "could", "can", "should", "must", "may", "might", "not", "but", "if", "when", "while", "as",
    "to", "than", "because", "so", "where", "whom", "whose", "what", "how", "why", "there",
    "and", "or", "nor", "yet", "then", "it", "its", "these", "those", "them", "him", "her",
    "us", "me", "my", "your", "our", "on", "in", "by", "after", "before", "during", "into",
    "over", "under", "about", "against", "without", "since", "said", "says", "told", "get",
    "got", "gets", "getting",
})
_SPEAKER_STRETCH_RE = re.compile(r"[\w \t’'.\-]{1,100}")
"""Characters a speaker between a comma and its cue can hold (a cheap check before tokens)."""
"""Words that never sit inside a speaker phrase between a comma and the cue."""
_NEWS_AGENCIES = frozenset({
    "ukrinform", "reuters", "ap", "afp", "tass", "xinhua", "kcna", "ria novosti", "ria", "interfax",
    "yonhap", "associated press", "agence france-presse", "upi", "dpa", "efe", "ansa", "bloomberg",
    "censor.net", "unian", "sputnik", "itar-tass", "interfax-ukraine", "anadolu", "kyodo",
})
"""Wire agencies and news outlets: a trailing "— Ukrinform." or "- Reuters" is a byline."""
_HEADLINE_LABELS = frozenset({
    "update", "updates", "updated", "live", "video", "videos", "photo", "photos", "watch",
    "breaking", "exclusive", "analysis", "opinion", "editorial", "comment", "commentary",
    "explainer", "factbox", "timeline", "interview", "transcript", "correction", "summary",
    "report", "poll", "podcast", "gallery", "infographic", "map", "maps", "latest", "day",
    "highlights", "recap", "quiz", "obituary", "profile", "review", "special", "newsletter",
    "briefing", "focus", "pictures", "read", "see", "also", "related", "note", "warning",
    "guests", "guest", "panel", "panelists", "hosts", "host", "speakers", "topics", "agenda",
    "war", "news", "world", "europe", "asia", "africa", "americas", "opinion", "occupied",
    "liberated", "shelling", "attack", "attacks", "evacuation", "blockade", "defense", "defence",
    "losses", "occupation", "destruction", "sanctions", "frontline", "invasion", "crisis",
    # places that head a headline as its topic, not as its speaker
    "ukraine", "russia", "belarus", "poland", "moldova", "georgia", "crimea", "donbas", "donbass",
    "kyiv", "kiev", "kharkiv", "kharkov", "kherson", "mariupol", "donetsk", "luhansk", "lugansk",
    "zaporizhzhia", "zaporozhye", "odesa", "odessa", "lviv", "dnipro", "sumy", "chernihiv",
    "mykolaiv", "poltava", "bucha", "irpin", "bakhmut", "azovstal", "severodonetsk",
    "lysychansk", "izium", "kramatorsk", "sloviansk", "avdiivka", "melitopol", "berdiansk",
    "moscow", "washington", "london", "paris", "berlin", "brussels", "beijing", "pyongyang",
    "seoul", "korea", "china", "taiwan", "gaza", "israel", "iran", "syria", "america", "us",
    "u.s", "uk", "u.k", "france", "germany", "japan", "india",
})
"""Words of a leading "X:" that make it a headline label, not a speaker ("Mariupol: ...")."""

_TOK_RE = re.compile(
    r"\w[\w’'\-]*(?:\.\w+)*(?:\.(?:(?<=\b[A-Z]\.)|(?<=\bMr\.)|(?<=\bMrs\.)|(?<=\bMs\.)|(?<=\bDr\.)|(?<=\bGen\.)|(?<=\bCol\.)|(?<=\bLt\.)|(?<=\bSgt\.)|(?<=\bProf\.)|(?<=\bSen\.)|(?<=\bRep\.)|(?<=\bGov\.)|(?<=\bCapt\.)|(?<=\bMaj\.)|(?<=\bAdm\.)|(?<=\bSt\.)|(?<=\bJr\.)|(?<=\bSr\.)|(?<=\bBrig\.)|(?<=\bCmdr\.)|(?<=\bRev\.)))?|[^\w\s]"
)
_TITLE_RE = re.compile(r"[A-Z0-9À-ÖØ-Þ]")
_THAT_GAP_RE = re.compile(
    r"(?:\s+(?:(?:on|in|at|during|to|last|this|earlier|later|late|yesterday|today|tonight|"
    r"recently|again|also|publicly|repeatedly|previously|then|once|further|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b[^,.;:!?\"“”«»\n]{0,50}?))?"
    r",?\s+that\b\s*",
    re.IGNORECASE,
)
_TOLD_OBJ_RE = re.compile(
    r"\s+(?:(?:the|a|an|his|her|their|its)\s+)?"
    r"(?:[A-Z][\w’'\-.]*(?:\s+(?:of\s+)?[A-Z][\w’'\-.]*){0,4}|[a-z][\w\-]*)"
)
_TRAIL_RE = re.compile(
    r"(?:\s+(?:on|in|at|during|to|from|after|before|last|this|earlier|later|late|yesterday|"
    r"today|tonight|recently|again|also|then|afterwards|via|by|through|while|when|over|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b[^,;:.!?\"“”«»\n]{0,70})?"
    r"\s*(?:[,;.!?]|\Z)",
    re.IGNORECASE,
)
_OPEN_AFTER_CUE_RE = re.compile(
    r"(?:\s+(?:on|in|at|to|during|via|through|after|before|of|from|last|this|earlier|later|"
    r"also|again|then|once|recently|yesterday|today|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)\b[^\n.!?:;\"“”„«»‘’']{0,60}?)?(?:,?\s+that)?\s*[:,]?\s*[\"“„«»‘'‚‹「]",
    re.IGNORECASE,
)
_QUOTED_RE = re.compile(
    r"quoted(?P<obj>\s+[^.!?;\n]{1,80}?)?\s+as\s+(?P<say>saying|telling|stating|declaring|"
    r"warning|claiming)(?P<that>\s+that\b)?\s*",
    re.IGNORECASE,
)
_OPENING_CHARS = "\"“„«»‘'‚‹「"
_OPENER_RE = re.compile("[" + _OPENING_CHARS + "]")
"""An opening mark: the last character of every ``_OPEN_AFTER_CUE_RE`` match."""
_AS_RE = re.compile(r"\bas\b")
_OF_RE = re.compile(r"\bof\b")
_CALLED_OBJ_RE = re.compile(
    r"\s+(?!for\b|on\b|off\b|upon\b|in\b|out\b|up\b|back\b|to\b|it\s+quits)"
    r"[^.,;:!?\n]{0,50}?(?:\s(?:a|an|the)\s|\s?[\"“‘'«])",
    re.IGNORECASE,
)
_AFTER_LEAD_RE = re.compile(r"[,;]?[ \t]*")
_DASH_RE = re.compile(r"\s*(?:—|–|--)\s*")
_SENT_END_APPROX_RE = re.compile(r"[.!?][\"”’»']*(?:\s|\Z)")
_BOUNDARY_RE = re.compile(
    r"[.!?\n](?:(?<=\n)\s*|([.!?]*[\"”’»')\]]*)[^\S\n]+(?=[\"“‘'«(\[]?[A-Z0-9À-ÖØ-Þ]))"
)
"""Reference sentence boundary (:func:`sentence_spans` runs the equivalent ``_BOUNDARY_FAST_RE``)."""
_CLOSE_RUN = r"""([.!?]*[\"”’»')\]]*)[^\S\n]+(?=[\"“‘'«(\[]?[A-Z0-9À-ÖØ-Þ])"""
# (no "\n" in the space after a period: a line break is always a paragraph break, even after
# an abbreviation -- "led by the U.S.\nThe UN Command ...")
_BOUNDARY_FAST_RE = re.compile(
    # the same matches as _BOUNDARY_RE (one branch per kind of first character); group 1 is set when
    # a period cannot end an abbreviation (six word characters or a non-letter before it),
    # group 2 for any other period, group 3 for ! and ?; no group for a paragraph break
    r"[.!?\n](?:(?<=\n)\s*"
    r"|(?<=\.)(?:(?<=\w{6}\.)|(?<![^\W\d_]\.))" + _CLOSE_RUN
    + r"|(?<=\.)" + _CLOSE_RUN
    + r"|(?<=[!?])" + _CLOSE_RUN + ")"
)
_ABBREV = frozenset({
    "mr", "mrs", "ms", "dr", "gen", "col", "lt", "sgt", "prof", "st", "u.s", "u.k", "u.n",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "vs", "etc", "e.g", "i.e", "jr", "sr", "rep", "sen", "gov", "maj", "capt", "cmdr",
    "adm", "brig", "rev", "fig", "vol", "inc", "corp", "ltd", "co", "mt", "ft", "p.m", "a.m",
    "d.c", "e.u", "u.s.a",
})
_ABBREV_CAN_END = frozenset({"u.s", "u.k", "u.n", "etc", "e.u", "d.c", "u.s.a", "inc", "corp",
                             "ltd", "co", "p.m", "a.m"})
"""Abbreviations that end a sentence when the next word can only start one ("the U.S. The")."""
_SENT_STARTERS = frozenset({
    "The", "This", "These", "Those", "That", "It", "Its", "They", "Their", "He", "His", "She",
    "Her", "We", "Our", "In", "On", "At", "But", "And", "However", "Meanwhile", "Such", "There",
    "As", "If", "When", "While", "After", "Before", "Now", "Then", "Yet", "So", "Thus",
})


def _abbrev_continues(text: str, word: str, after: int) -> bool:
    """Does the period of abbreviation *word* (or an initial) not end the sentence?"""
    if word == "no":
        return text[after:after + 1].isdigit()
    if word in _ABBREV_CAN_END:
        e = after
        while e < len(text) and (text[e].isalpha() or text[e] in "’'"):
            e += 1
        return text[after:e] not in _SENT_STARTERS
    return True
_STRIP_END = " \t\r.!?;:"


def _positions(text: str, chars: str) -> list[int]:
    """Sorted offsets of every character of *text* that is one of *chars*.

    ``str.find`` per character (a C-level search; a character wider than any in *text* is
    ruled out at once) instead of a regex character class scanned character by character:
    for a ~4,000-character article 1 µs instead of ~40. Used to visit a pattern's only
    possible starts, in order, with ``pattern.match(text, p)`` -- the matches ``finditer``
    would give when every match starts with one of *chars* and none overlaps the next
    candidate (callers skip candidates inside an earlier match).
    """
    out: list[int] = []
    find = text.find
    for ch in chars:
        i = find(ch)
        while i >= 0:
            out.append(i)
            i = find(ch, i + 1)
    if len(out) > 1:
        out.sort()
    return out


# --------------------------------------------------------------------------------------
# Sentences and paragraphs


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split text into sentences.

    A sentence ends at ``.``, ``!`` or ``?`` (plus any closing quotes or brackets) followed
    by whitespace and an uppercase letter, digit, opening quote or bracket; or at a
    paragraph break. A period after a common abbreviation (Mr, Dr, Gen, U.S, Jan, No, vs,
    e.g, ...) or a single capital initial does not end a sentence.

    Parameters
    ----------
    text : str
        Article text.

    Returns
    -------
    list of (start, end) tuples of int
        Character offsets of each sentence, in order, without surrounding whitespace;
        never empty spans. Never raises.
    """
    if _native_spans is not None and isinstance(text, str):
        return _native_spans(text, _ABBREV, _ABBREV_CAN_END, _SENT_STARTERS, _period_ends_at)
    return _sentence_spans_python(text)


def _sentence_spans_python(text: str) -> list[tuple[int, int]]:
    """:func:`sentence_spans` in Python (without the compiled module, and the reference the
    tests hold ``pipelines._match.sentence_spans`` to): ``_BOUNDARY_FAST_RE`` at each of the
    text's ``.!?`` and line breaks."""
    spans: list[tuple[int, int]] = []
    append = spans.append
    start = len(text) - len(text.lstrip())
    match = _BOUNDARY_FAST_RE.match
    last = 0
    for p in _positions(text, ".!?\n"):  # = _BOUNDARY_FAST_RE.finditer(text): every match starts with one
        if p < last:
            continue  # inside the previous match, as finditer would skip it
        m = match(text, p)
        if m is None:
            continue
        last = m.end()
        g = m.lastindex
        if g is None:  # paragraph break
            seg_end = start + len(text[start:m.start()].rstrip())
        else:
            if g == 2 and not _period_ends_at(text, m.start(), m.end()):
                continue  # a period after an abbreviation or initial
            seg_end = m.end(g)
        if seg_end > start:
            append((start, seg_end))
        start = m.end()
    seg_end = start + len(text[start:].rstrip())
    if seg_end > start:
        append((start, seg_end))
    return spans


def _push_span(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a < b:
        out.append((a, b))


# --------------------------------------------------------------------------------------
# Speakers


def _tokens(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """``(start, end, token)`` of every ``_TOK_RE`` match in ``text[a:b]`` (pos/endpos semantics;
    ``0 <= a``): ``pipelines._match.tokens``, the chunks of :func:`_tokens_python` in C (the same
    tokens; the chunks it cannot split by hand go to :func:`_tok_fallback`), else that function."""
    if _native_tokens is not None:
        return _native_tokens(text, a, b, _TOK_ABBREV, _tok_fallback)
    return _tokens_python(text, a, b)


def _tok_fallback(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """``_TOK_RE``'s tokens of one whitespace-free chunk ``text[a:b]``."""
    return [(m.start(), m.end(), m.group()) for m in _TOK_RE.finditer(text, a, b)]


def _tokens_python(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """:func:`_tokens` in Python (without the compiled module, and the reference for the tests).

    No token holds whitespace and every other character starts one (a ``\\w`` run or a
    single ``[^\\w\\s]``), so the tokens of the window are those of its whitespace-separated
    chunks, each scanned on its own (same look-behind context, and the space after a chunk
    ends every token there as ``endpos`` would). A chunk that is all ``str.isalnum`` (``\\w``
    without ``_``) is one token; only the others ("said,", "“We", "U.S.") go to the regex.
    ``str.split`` and ``\\s`` agree on whitespace (both ``str.isspace``).

    Two more shapes are split by hand: a word with one trailing mark ("said,", "office.") and
    one leading mark before a word ("“This", "(the"). The mark is one ``[^\\w\\s]`` token
    unless it can join the word (``’ ' -`` and ``_`` continue it; a period ends an abbreviation
    of ``_TOK_RE`` -- Mr., Gen., a capital initial -- which those chunks leave to the regex, as
    they do a word with a period at a window that starts inside a word: the regex's
    look-behinds read the text before the window, "G|en.").
    """
    s = text[a:b]
    out = []
    append = out.append
    find = s.find
    p = 0
    for w in s.split():
        p = find(w, p)  # the next chunk: only whitespace lies between p and it
        e = p + len(w)
        if w.isalnum():
            append((a + p, a + e, w))
        else:
            c = w[-1]
            h = w[:-1]
            if h.isalnum() and not c.isalnum() and c not in _TOK_JOIN \
                    and (c != "." or (h not in _TOK_ABBREV and not (len(h) == 1 and "A" <= h <= "Z")
                                      and (p or not a or not _is_word_char(text[a - 1])))):
                append((a + p, a + e - 1, h))
                append((a + e - 1, a + e, c))
            else:
                c = w[0]
                h = w[1:]
                if h.isalnum() and not c.isalnum() and c != "_":
                    append((a + p, a + p + 1, c))
                    append((a + p + 1, a + e, h))
                else:
                    out += [(m.start(), m.end(), m.group()) for m in _TOK_RE.finditer(text, a + p, a + e)]
        p = e
    return out


def _is_word_char(ch: str) -> bool:
    """``\\w`` for one character."""
    return ch.isalnum() or ch == "_"


_TOK_JOIN = "’'-_"
"""Characters that continue a ``_TOK_RE`` word (and ``_``, a ``\\w`` that ``str.isalnum`` is not)."""
_TOK_ABBREV = frozenset(("Mr Mrs Ms Dr Gen Col Lt Sgt Prof Sen Rep Gov Capt Maj Adm St Jr Sr Brig Cmdr Rev").split())
"""The words whose period ``_TOK_RE`` keeps in the token (its look-behinds; with a capital initial)."""


_TITLE_CHARS = frozenset(c for c in map(chr, range(256)) if _TITLE_RE.match(c) and c.isupper())
"""First characters of a title-case token: ``_TITLE_RE`` (A-Z, À-Ö, Ø-Þ; its digits are never upper case)."""


def _is_title(tok: str) -> bool:
    """Does token *tok* start with a capital of ``_TITLE_RE``, or is it an initial ("Ł.")?

    The same answer as ``bool(_TITLE_RE.match(tok)) and tok[0].isupper() or (len(tok) == 2
    and tok[1] == "." and tok[0].isupper())``, with one set lookup instead of a regex call.
    """
    if not tok:
        return False
    c = tok[0]
    return c in _TITLE_CHARS or (len(tok) == 2 and tok[1] == "." and c.isupper())


def _clean(s: str) -> str | None:
    s = s.strip().rstrip(".,;:!?—–-\"“”'’‘«» ").strip()
    return s or None


class _NeedMore(Exception):
    """A truncated token window ran out before the rule could decide (see _subject_before)."""


_SHORT_WINDOW = 40


def _subject_before(text: str, pos: int, floor: int) -> tuple[str | None, int, bool]:
    """Speaker ending right before ``pos`` (the cue), searched back to ``floor``.

    Returns (speaker, speaker_start, passive). ``speaker_start`` is ``pos`` when none.

    The rules read the tokens of ``text[max(floor, pos - 70):pos]`` from the end, and
    usually need only the last few. So the tokens of a shorter window are tried first: it
    starts right after a space, so its tokens are exactly the last tokens of the full window
    (a token never holds whitespace), and the rules give the full window's answer unless
    they reach the window's first token -- then :class:`_NeedMore` sends them to the full
    window.
    """
    lo = floor if floor > pos - 70 else pos - 70
    if pos - lo > _SHORT_WINDOW:
        sp = text.find(" ", pos - _SHORT_WINDOW, pos)
        if sp >= 0:
            try:
                return _subject_in(text, _tokens(text, sp + 1, pos), pos, True)
            except _NeedMore:
                pass
    return _subject_in(text, _tokens(text, lo, pos), pos, False)


def _subject_in(text: str, toks: list[tuple[int, int, str]], pos: int,
                trunc: bool) -> tuple[str | None, int, bool]:
    """The rules of :func:`_subject_before` on ``toks``; with ``trunc`` (``toks`` are only the
    last tokens of the window) raise :class:`_NeedMore` wherever the first token is reached."""
    i = len(toks) - 1
    while i >= 0 and toks[i][2].lower() in _SKIP_BEFORE_CUE:
        i -= 1
    if i < 0:
        if trunc:
            raise _NeedMore
        return None, pos, False
    if toks[i][2].lower() in _PASSIVE:
        return None, pos, True
    if toks[i][2] == ",":  # appositive: "Maria Zakharova, the ministry's spokeswoman, said"
        j = i - 1
        while j >= 0 and toks[j][2] != "," and i - j < 12:
            j -= 1
        if j <= 0 and trunc:
            raise _NeedMore
        if j <= 0 or toks[j][2] != ",":
            return None, pos, False
        i = j - 1
        if not _is_title(toks[i][2]) or toks[i][2].lower() in _LEAD_STOP:
            return None, pos, False
    t = toks[i][2]
    tl = t.lower()
    if tl in _PRONOUNS:
        return t, toks[i][0], False
    if not t[0].isalnum():
        return None, pos, False
    if _is_title(t):
        j = i
        while True:
            if j - 1 < 0:
                if trunc:
                    raise _NeedMore
                break
            p = toks[j - 1][2]
            if _is_title(p) and p.lower() not in _LEAD_STOP:
                j -= 1
            elif p.lower() in _CONNECT:
                if j - 2 < 0:
                    if trunc:
                        raise _NeedMore
                    break
                if _is_title(toks[j - 2][2]) and toks[j - 2][2].lower() not in _LEAD_STOP:
                    j -= 2
                else:
                    break
            else:
                break
        while j <= i and (toks[j][2].lower() in _CONNECT and toks[j][2] != "The"):
            j += 1
        if j > i:
            return None, pos, False
        if j - 1 < 0 and trunc:
            raise _NeedMore
        if j - 1 >= 0 and toks[j - 1][2].lower() in ("the", "a", "an"):
            j -= 1
            j = _extend_desc_back(toks, j, trunc)
        spk = _clean(text[toks[j][0]:toks[i][1]])
        return spk, toks[j][0], False
    if tl in _DETS or tl in _STOP_IN_DESC:
        return None, pos, False
    # description: look back for a determiner within 5 tokens
    j = i - 1
    while j >= 0 and i - j <= 5:
        w = toks[j][2]
        wl = w.lower()
        if wl in ("the", "a", "an", "its", "his", "her", "their", "one", "our", "some", "many", "several"):
            j = _extend_desc_back(toks, j, trunc)
            return _clean(text[toks[j][0]:toks[i][1]]), toks[j][0], False
        if not w[0].isalnum() or wl in _STOP_IN_DESC:
            break
        j -= 1
    else:
        if j < 0 and trunc:
            raise _NeedMore
    if tl in _BARE_PLURALS:
        j = i
        while i - j < 3:
            if j - 1 < 0:
                if trunc:
                    raise _NeedMore
                break
            if _is_title(toks[j - 1][2]) and toks[j - 1][2].lower() not in _LEAD_STOP:
                j -= 1
            else:
                break
        return _clean(text[toks[j][0]:toks[i][1]]), toks[j][0], False
    return None, pos, False


def _extend_desc_back(toks: list[tuple[int, int, str]], j: int, trunc: bool = False) -> int:
    """From a determiner at j, extend over "a spokesman for | the ministry"."""
    if j - 2 < 0:
        if trunc:
            raise _NeedMore
        return j
    if toks[j - 1][2].lower() in _DESC_LINK:
        k = j - 2
        while j - k <= 5:
            if k < 0:
                if trunc:
                    raise _NeedMore
                break
            w = toks[k][2]
            wl = w.lower()
            if wl in ("the", "a", "an"):
                return k
            if not w[0].isalnum() or wl in _STOP_IN_DESC:
                break
            k -= 1
    return j


def _speaker_after(text: str, pos: int, limit: int) -> tuple[str | None, int]:
    """Speaker starting right after ``pos`` (after optional whitespace). Returns (speaker, end).

    Reads the tokens of ``text[pos:min(limit, pos + 70)]`` from the start. As in
    :func:`_subject_before`, a shorter window ending at a space is tried first (its tokens
    are exactly the first tokens of the full window); the rules fall back to the full window
    when they reach its last token.
    """
    hi = limit if limit < pos + 70 else pos + 70
    if hi - pos > _SHORT_WINDOW:
        sp = text.rfind(" ", pos, pos + _SHORT_WINDOW)
        if sp > pos:
            try:
                return _speaker_in(text, _tokens(text, pos, sp), pos, True)
            except _NeedMore:
                pass
    return _speaker_in(text, _tokens(text, pos, hi), pos, False)


def _speaker_in(text: str, toks: list[tuple[int, int, str]], pos: int, trunc: bool) -> tuple[str | None, int]:
    """The rules of :func:`_speaker_after`; with ``trunc`` raise :class:`_NeedMore` wherever
    they look past the last token of ``toks``."""
    n = len(toks)
    if not toks:
        if trunc:
            raise _NeedMore
        return None, pos
    if toks[0][0] != pos and not text[pos:toks[0][0]].isspace():
        return None, pos
    t = toks[0][2]
    tl = t.lower()
    if tl in _PRONOUNS:
        return t, toks[0][1]
    if t == "The" and n < 2 and trunc:
        raise _NeedMore
    if (_is_title(t) and tl not in _LEAD_STOP and tl not in ("the", "a", "an")) \
            or (t == "The" and n > 1 and _is_title(toks[1][2])):
        i = 0
        while True:
            if i + 1 >= n:
                if trunc:
                    raise _NeedMore
                break
            q = toks[i + 1][2]
            if _is_title(q) and q.lower() not in ("said", "says", "told"):
                i += 1
            elif q.lower() in _CONNECT:
                if i + 2 >= n:
                    if trunc:
                        raise _NeedMore
                    break
                if _is_title(toks[i + 2][2]):
                    i += 2
                else:
                    break
            else:
                break
        i = _extend_desc_fwd(toks, i, trunc)
        return _clean(text[toks[0][0]:toks[i][1]]), toks[i][1]
    if tl in ("the", "a", "an", "its", "his", "her", "their", "one"):
        i = 0
        while i < 5:
            if i + 1 >= n:
                if trunc:
                    raise _NeedMore
                break
            q = toks[i + 1][2]
            if not q[0].isalnum() or q.lower() in _STOP_IN_DESC or q.lower() in _DESC_LINK:
                break
            i += 1
        if i == 0:
            return None, pos
        i = _extend_desc_fwd(toks, i, trunc)
        return _clean(text[toks[0][0]:toks[i][1]]), toks[i][1]
    if tl in _BARE_PLURALS:
        return t, toks[0][1]
    return None, pos


def _verbish(word: str) -> bool:
    """A lower-case word that cannot continue a name: an adverb, a cue or a verb in -s."""
    return word.endswith("ly") or word in _CUE_FORM_SET or (
        word.endswith("s") and word not in _ROLE_NOUNS and word not in _BARE_PLURALS)


def _extend_desc_fwd(toks: list[tuple[int, int, str]], i: int, trunc: bool = False) -> int:
    n = len(toks)
    if i + 2 >= n:
        if trunc:
            raise _NeedMore
        return i
    if toks[i + 1][2].lower() in ("for", "of", "from", "at"):
        k = i + 2
        w = toks[k][2].lower()
        if w in ("the", "a", "an") or _is_title(toks[k][2]):
            j = k
            while j - k < 4:
                if j + 1 >= n:
                    if trunc:
                        raise _NeedMore
                    break
                q = toks[j + 1][2]
                if not q[0].isalnum() or q.lower() in _STOP_IN_DESC or q.lower() in _DESC_LINK:
                    break
                if q[0].islower() and _is_title(toks[j][2]) and _verbish(q):
                    break  # "of the DPRK | strongly denounces": the name ends at the verb
                j += 1
            if j > k or _is_title(toks[k][2]):
                return j
    return i


_SPEAKER_DETS = frozenset({"the", "a", "an", "this", "his", "her", "their", "its", "one", "some",
                           "many", "several", "two", "three", "another", "both", "each"})


def _comma_speaker(text: str, a: int, cs: int) -> str | None:
    """The speaker when it fills all of ``text[a:cs]`` (between a comma and the cue), else None.

    "foreign ministry spokeswoman Maria Zakharova", "Kremlin spokesman Dmitry Peskov",
    "Russian OSCE envoy", "a senior US official", "tech mogul Elon Musk (has)", "he". Lower-case
    words that are not speaker nouns (:data:`_ROLE_NOUNS`) must come before one ("foreign
    ministry spokeswoman"), unless a determiner leads ("the statistics office"); no verb,
    conjunction, relative or preposition other than of/for/from/at/with may occur.
    """
    if cs - a > 100:
        return None
    toks = _tokens(text, a, cs)
    while toks and toks[-1][2].lower() in _SKIP_BEFORE_CUE:
        toks.pop()
    n = len(toks)
    if not n or n > 9:
        return None
    first = toks[0][2]
    fl = first.lower()
    if fl in _PRONOUNS:
        return first if n == 1 else None
    last_role = -1
    loose = -1  # last lower-case word that is neither a speaker noun nor a connector
    for k, (_, _, w) in enumerate(toks):
        if not w[0].isalnum():
            return None
        wl = w.lower()
        if wl in _SPEAKER_VERBISH or wl in _PRONOUNS:
            return None
        if wl in _ROLE_NOUNS or wl in _BARE_PLURALS:
            last_role = k
        elif not _is_title(w) and wl not in _CONNECT and wl not in _SPEAKER_DETS \
                and wl not in ("with", "at", "from", "familiar", "close"):
            loose = k
    last = toks[-1][2]
    ll = last.lower()
    if ll in _CONNECT or ll in _SPEAKER_DETS or ll in ("with", "at", "from", "familiar", "close"):
        return None
    if fl not in _SPEAKER_DETS:
        if not (_is_title(last) or ll in _ROLE_NOUNS or ll in _BARE_PLURALS):
            return None
        if loose > last_role:
            return None
    elif n < 2:
        return None
    return _clean(text[toks[0][0]:toks[-1][1]])


_ACCORDING_EXCLUDE = frozenset({"report", "article", "letter", "paper", "reports", "statements",
                                "general"})
_ACCORDING_HEADS = (_ROLE_NOUNS | _BARE_PLURALS) - _ACCORDING_EXCLUDE
_DOC_NOUNS = frozenset({"data", "figures", "estimates", "estimate", "survey", "study", "poll",
                        "findings", "assessment", "calculations", "information", "testimony",
                        "account", "accounts", "documents", "records", "statistics", "report",
                        "reports", "analysis", "polls", "surveys", "studies", "tally", "count",
                        "schedule", "document", "draft", "transcript", "memo", "minutes",
                        "filing", "filings", "images", "footage", "list", "readout", "summary",
                        "version", "copy", "tallies", "projections", "forecast", "research",
                        "trends", "index", "ranking", "rankings", "review", "audit"})
_DOC_LINKS = frozenset({"by", "from", "of", "seen", "obtained", "released", "published", "reviewed",
                        "cited", "taken", "compiled", "issued", "provided", "shared", "posted"})
_NOT_A_SPEAKER_TITLE = frozenset({"article", "section", "paragraph", "clause", "chapter",
                                  "resolution", "annex", "item", "point", "rule", "law"})
_PHRASE_STOP = frozenset({"by", "from", "of", "for", "at", "with", "in", "on", "to", "that",
                          "and", "or", "who", "which", "as", "than", "whether", "if", "when"})


def _according_speaker(text: str, ce: int, se: int) -> str | None:
    """Speaker after "according to" / "in the words of", or None when the words there name no
    speaker ("according to whether ...", "according to the law", "according to reports").

    A speaker is a pronoun, a proper-noun phrase ("Sergey Lavrov", "the Foreign Ministry"), a
    phrase headed by a person or organisation noun ("Western sources", "a spokesman for the
    ministry", "media reports"), or a document noun followed by by/from/of and a speaker
    ("a statement by the ministry", "data from the UN").

    The rules read the tokens of ``text[ce:min(se, ce + 120)]`` from the start, usually only
    the first few: as in :func:`_speaker_after`, the tokens of a shorter window ending at a
    space (exactly the first tokens of the full window) are tried first, and the rules go to
    the full window when they reach the end of the shorter one (:class:`_NeedMore`).
    """
    hi = se if se < ce + 120 else ce + 120
    if hi - ce > _ACCORDING_WINDOW:
        sp = text.rfind(" ", ce + 1, ce + _ACCORDING_WINDOW)
        if sp > ce:
            toks = _tokens(text, ce, sp)
            if toks:
                try:
                    return _according_in(text, toks, ce, True)
                except _NeedMore:
                    pass
    toks = _tokens(text, ce, hi)
    if not toks:
        return None
    return _according_in(text, toks, ce, False)


_ACCORDING_WINDOW = 48


def _according_in(text: str, toks: list[tuple[int, int, str]], ce: int, trunc: bool) -> str | None:
    """The rules of :func:`_according_speaker` on ``toks`` (not empty); with ``trunc`` (only
    the first tokens of the window) raise :class:`_NeedMore` wherever a rule would read past
    the last token."""
    n = len(toks)

    def has(k: int) -> bool:  # is toks[k] there? (in a truncated window: ask for more)
        if k < n:
            return True
        if trunc:
            raise _NeedMore
        return False

    if not text[ce:toks[0][0]].isspace():
        return None
    t0 = toks[0][2]
    t0l = t0.lower()
    if t0l in ("him", "her", "them", "it", "he", "she", "they"):
        return t0
    i = 1 if t0l in _SPEAKER_DETS else 0
    j = i
    while j - i < 6 and has(j):
        w = toks[j][2]
        wl = w.lower()
        if not w[0].isalnum() or wl in _PHRASE_STOP or wl in _SPEAKER_VERBISH or wl in _DOC_LINKS:
            break
        j += 1
    if j == i:
        return None
    words = [t[2] for t in toks[i:j]]
    head = words[-1].lower()
    if words[0].lower() in _NOT_A_SPEAKER_TITLE:
        return None
    nxt = toks[j][2].lower() if has(j) else ""
    if all(_is_title(w) for w in words):
        ok = True
    elif _is_title(words[-1]):
        # "foreign ministry spokeswoman Yara Kestel", "analyst Priya Halden": lower-case words
        # only before a person or organisation noun
        last_role = max((k for k, w in enumerate(words) if w.lower() in _ROLE_NOUNS), default=-1)
        ok = last_role >= 0 and all(_is_title(w) or k <= last_role or w.lower() in _CONNECT
                                    for k, w in enumerate(words))
    elif head in _DOC_NOUNS or head == "statement" or head == "statements":
        if head in ("report", "reports") and len(words) >= 2:
            ok = True  # media reports, Western press reports
        elif head.startswith("statement"):
            ok = True
        else:
            ok = False
        if nxt in _DOC_LINKS and has(j + 1):
            k = j + 1
            w = toks[k][2]
            if nxt not in ("by", "from", "of"):
                ok = w.lower() == "by"  # "a schedule seen by reporters", "data released by"
            else:
                if w.lower() in _SPEAKER_DETS and has(k + 1):
                    k += 1
                    w = toks[k][2]
                has(k + 2)  # the next three tokens (fewer at the end of the full window)
                for w in [t[2] for t in toks[k:k + 3]]:
                    wl = w.lower()
                    if _is_title(w) or wl in _ACCORDING_HEADS or wl in _DOC_NOUNS:
                        ok = True
                        break
                    if not w[0].isalnum() or wl in _PHRASE_STOP or wl in _SPEAKER_VERBISH:
                        break
    elif head in _ACCORDING_HEADS:
        ok = True
    else:
        ok = False
    if not ok:
        return None
    end = toks[j - 1][1]
    if nxt in _DOC_LINKS and nxt not in ("by", "from", "of") and has(j + 1):
        j += 1  # "seen | by reporters"
        nxt = "by"
    if nxt in ("for", "of", "from", "at", "by", "in") and has(j + 1):
        k = j + 1
        last = None
        while k - j <= 6 and has(k):
            w = toks[k][2]
            wl = w.lower()
            if not w[0].isalnum() or (wl in _STOP_IN_DESC and wl not in ("the",)) \
                    or (last is not None and wl in _DESC_LINK and wl != "of"):
                break
            if last is not None and w[0].islower() and _is_title(toks[last][2]) and wl not in _CONNECT:
                break
            last = k
            k += 1
        if last is not None and toks[last][2].lower() not in _CONNECT:
            end = toks[last][1]
    return _clean(text[toks[0][0]:end])


_DASH_TAIL_RE = re.compile(
    r"(?:—|(?<=[ \t])–|–(?=[ \t])|(?<=[ \t])--?|(?<=\S)--)[ \t]*"
    r"(?P<name>(?:(?:[A-Z]\.){1,3}|[^\W\d_][\w’'\-]*(?:\.[\w’'\-]+)*)"
    r"(?:[ \t]+(?:(?:[A-Z]\.){1,3}|[^\W\d_][\w’'\-]*(?:\.[\w’'\-]+)*)){0,4})"
    r"(?:[.!?]?(?=[ \t\r]*(?:\n|\Z))|[.!?](?=\s+[\"“‘'«(\[]?[A-Z0-9À-ÖØ-Þ]))"
)
"""A sentence ending "– Lavrov" / "- Maria Zakharova" / "— Kremlin spokesman"; ``name`` is
checked by :func:`_tail_name_ok`."""
_LEAD_COLON_RE = re.compile(
    r"[ \t]*(?P<name>[A-ZÀ-ÖØ-Þ][\w’'.\-]*(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w’'.\-]*){0,3})[ \t]*:(?=[ \t]+\S)"
)
"""A paragraph starting "Peskov: ..." (a speaker label of one to four capitalised words)."""


def _tail_name_ok(name: str, colon: bool) -> bool:
    """Is the name of a "– Name" tail or a "Name:" lead a speaker (not a byline or label)?"""
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    low = " ".join(words).lower().rstrip(".")
    if low in _NEWS_AGENCIES:
        return False
    titles = 0
    for k, w in enumerate(words):
        wl = w.lower()
        if w[0].isupper():
            if colon and wl.rstrip(".") in _HEADLINE_LABELS:
                return False
            titles += 1
        elif not colon and k == len(words) - 1 and titles and wl in _ROLE_NOUNS:
            continue  # "– British intelligence", "– U.S. official"
        else:
            return False
    return 1 <= titles <= 4


def _find_tail_cues(text: str) -> list[tuple[int, int, str, str]]:
    """Pseudo-cues of headline attribution: ``(start, end, mark, speaker)``.

    "CLAUSE – Name" (the dash; ``end`` after the name) and a paragraph-leading "Name: CLAUSE"
    (the colon). Bylines of news agencies ("— Ukrinform.", "- Reuters") and headline labels
    ("Mariupol:", "Factbox:") are left out.
    """
    out = []
    skip = -1
    for p in _positions(text, "–—-"):  # candidates first: a dash, a hyphen after a space
        if p <= skip:
            continue
        if text[p] == "-" and text[p - 1:p] not in (" ", "\t") and text[p + 1:p + 2] != "-":
            continue  # a hyphen inside a word
        m = _DASH_TAIL_RE.match(text, p)
        if m is None:
            continue
        skip = m.end()
        name = m.group("name")
        if _tail_name_ok(name, False):
            out.append((p, m.end("name"), text[p:m.start("name")].strip(), _clean(name)))
    c = text.find(":")
    while c >= 0:
        ls = text.rfind("\n", 0, c) + 1
        if c - ls <= 80:
            m = _LEAD_COLON_RE.match(text, ls)
            if m is not None and m.end() - 1 == c and _tail_name_ok(m.group("name"), True):
                out.append((c, c + 1, ":", _clean(m.group("name"))))
        c = text.find(":", c + 1)
    if len(out) > 1:
        out.sort()
    return out


_SELF_REFERENCES = frozenset({
    "this news agency", "this agency", "this newspaper", "this paper", "this website", "this site",
    "this publication", "this outlet", "this reporter", "this correspondent", "our correspondent",
    "our reporter", "this broadcaster", "this channel",
})


def _is_outlet(speaker: str | None, names: tuple[str, ...]) -> bool:
    """Is *speaker* the article's own outlet (one of *names*, as a whole word or the whole)?"""
    if not speaker:
        return False
    low = speaker.lower()
    if low in _SELF_REFERENCES:
        return True
    for name in names:
        nl = name.lower().strip()
        if not nl:
            continue
        if low == nl:
            return True
        i = low.find(nl)
        while i >= 0:
            before = low[i - 1] if i else " "
            after = low[i + len(nl)] if i + len(nl) < len(low) else " "
            if not (before.isalnum() or before in "_-.") and not (after.isalnum() or after in "_-"):
                return True
            i = low.find(nl, i + 1)
    return False


# --------------------------------------------------------------------------------------
# Direct quotations


def _scan_marks(text: str) -> list[tuple[int, str]]:
    """Candidate quotation marks, apostrophes and elisions removed."""
    out = []
    skip = -1
    n = len(text)
    match = _MARK_SCAN_RE.match
    for i in _positions(text, _MARK_CHARS):  # = _MARK_SCAN_RE.finditer(text): one-character matches
        if i == skip or match(text, i) is None:  # apostrophes inside words are not even found
            continue
        ch = text[i]
        if ch in "'’":
            prev = text[i - 1] if i else " "
            nxt = text[i + 1] if i + 1 < n else " "
            if not prev.isalnum() and nxt.isalnum():
                e = _ELISION_RE.match(text, i + 1)
                if e:  # ’90s, 'em, rock 'n' roll
                    if e.group().lower().startswith("n"):
                        skip = i + 2
                    continue
        out.append((i, ch))
    return out


def _pair_paragraph(text: str, a: int, b: int, marks: list[tuple[int, str]]):
    """Pair the marks of one paragraph [a, b).

    Returns (pairs, unclosed) where pairs is a list of (open_index, close_index, open_char)
    and unclosed is (open_index, open_char) of the outermost opener never closed, or None.
    """
    stack: list[tuple[int, str]] = []
    pairs: list[tuple[int, int, str]] = []
    nm = len(marks)
    for k in range(nm):
        i, ch = marks[k]
        prev = text[i - 1] if i > a else ""
        nxt = text[i + 1] if i + 1 < b else ""
        if ch in "「」":
            open_pos = close_pos = True
        else:
            open_pos = (prev == "" or prev.isspace() or prev in _OPEN_BEFORE) and nxt != "" and not nxt.isspace()
            close_pos = prev != "" and not prev.isspace() and (nxt == "" or nxt.isspace() or nxt in _CLOSE_AFTER)
        weak = False
        if close_pos and ch in "\"'’" and prev.isdigit():
            weak = True
            open_pos = False
        elif close_pos and ch in "'’" and prev in "sS" and (nxt == "" or nxt.isspace()):
            weak = True
            open_pos = False
        closed_here = False
        if close_pos and ch in _CAN_CLOSE and stack:
            for depth in range(len(stack) - 1, -1, -1):
                o_i, o_ch = stack[depth]
                if ch in _CLOSES[o_ch]:
                    if weak and _better_closer(text, marks, k, b, o_ch):
                        break
                    pairs.append((o_i, i, o_ch))
                    del stack[depth:]
                    closed_here = True
                    break
        if not closed_here and open_pos and ch in _CAN_OPEN and not weak:
            stack.append((i, ch))
    unclosed = None
    for o_i, o_ch in stack:
        if o_ch not in _TENTATIVE:
            unclosed = (o_i, o_ch)
            break
    return pairs, unclosed


def _better_closer(text: str, marks: list[tuple[int, str]], k: int, b: int, o_ch: str) -> bool:
    """Is there an ordinary closer for ``o_ch`` after marks[k] in the same sentence?"""
    i = marks[k][0]
    m = _SENT_END_APPROX_RE.search(text, i + 1, b)
    limit = m.end() if m else b
    closers = _CLOSES[o_ch]
    for j in range(k + 1, len(marks)):
        p, ch = marks[j]
        if p >= limit:
            break
        if ch in closers:
            prev = text[p - 1]
            nxt = text[p + 1] if p + 1 < b else ""
            if not prev.isspace() and not prev.isdigit() and (nxt == "" or nxt.isspace() or nxt in _CLOSE_AFTER) \
                    and not (prev in "sS" and ch in "'’" and (nxt == "" or nxt.isspace())):
                return True
    return False


def _direct_quotes(text: str, marks: list[tuple[int, str]], cues: list, cue_starts: list[int]):
    """All direct quotes as lists of [start, end, speaker, cue, closed] plus chain ids."""
    # Only paragraphs holding marks are visited; their bounds are found from the mark with
    # rfind/find (a paragraph is a run of non-"\n" characters, trailing whitespace excluded).
    out: list[list] = []
    chain_of: list[int] = []
    mi = 0
    nmarks = len(marks)
    n = len(text)
    open_chain: int | None = None  # chain id continuing into the next paragraph
    open_chain_para = -1  # ... which must start at this offset
    chain_family: str | None = None
    next_chain = 0
    while mi < nmarks:
        i0 = marks[mi][0]
        a = text.rfind("\n", 0, i0) + 1
        e = text.find("\n", i0)
        if e < 0:
            e = n
        b = a + len(text[a:e].rstrip())
        lo = mi
        while mi < nmarks and marks[mi][0] < b:
            mi += 1
        pmarks = marks[lo:mi]
        cont = open_chain if a == open_chain_para else None
        open_chain = None
        pairs, unclosed = _pair_paragraph(text, a, b, pmarks)
        first_i = pmarks[0][0]
        starts_with_open = not text[a:first_i].strip()
        for o_i, c_i, o_ch in pairs:
            cid = -1
            if cont is not None and starts_with_open and o_i == first_i and _FAMILY[o_ch] == chain_family:
                cid = cont
            spk, cue = _attribute(text, o_i, c_i, a, b, cues, cue_starts)
            out.append([o_i + 1, c_i, spk, cue, True])
            chain_of.append(cid)
        if unclosed is not None:
            o_i, o_ch = unclosed
            cid = -1
            if cont is not None and starts_with_open and o_i == first_i and _FAMILY[o_ch] == chain_family:
                cid = cont
            # continues into the next paragraph? (j: its first non-space character)
            nxt = _NONSPACE_RE.search(text, b)
            continues = False
            if nxt is not None:
                j = nxt.start()
                if text[j] in _CAN_OPEN and _FAMILY.get(text[j]) == _FAMILY[o_ch]:
                    continues = True
                    open_chain_para = text.rfind("\n", 0, j) + 1
            spk, cue = _attribute(text, o_i, None, a, b, cues, cue_starts)
            if continues:
                if cid == -1:
                    cid = next_chain
                    next_chain += 1
                open_chain = cid
                chain_family = _FAMILY[o_ch]
            out.append([o_i + 1, b, spk, cue, continues])
            chain_of.append(cid)
        if open_chain is None:
            chain_family = None
    # share speakers across continued quotations
    chains: dict[int, list[int]] = {}
    for idx, cid in enumerate(chain_of):
        if cid >= 0:
            chains.setdefault(cid, []).append(idx)
    for members in chains.values():
        if len(members) < 2:
            continue
        spk = cue = None
        for idx in [members[0], members[-1]] + members[1:-1]:
            if out[idx][2] is not None:
                spk, cue = out[idx][2], out[idx][3]
                break
        for idx in members:
            out[idx][2], out[idx][3] = spk, cue
    return out


def _attribute(text: str, o_i: int, c_i: int | None, a: int, b: int,
               cues: list, cue_starts: list[int]) -> tuple[str | None, str | None]:
    """Speaker and cue of the direct quote opened at o_i and closed at c_i (or None)."""
    if c_i is not None and c_i + 1 < b:
        last = text[c_i - 1] if c_i > o_i + 1 else ""
        p = _AFTER_LEAD_RE.match(text, c_i + 1, b).end()
        nxt = text[p] if p < b else ""
        if not (last in ".!?" and nxt.isupper()):
            k = bisect_right(cue_starts, p) - 1
            if k >= 0 and cue_starts[k] == p and p > c_i + 1:  # ,” said X
                m = cues[k]
                spk, _ = _speaker_after(text, m[1], b)
                if spk is not None:
                    return spk, m[2]
            elif p > c_i + 1 or text[c_i + 1:c_i + 2] == ",":
                spk, e = _speaker_after(text, p, b)
                if spk is not None:
                    toks = _tokens(text, e, min(b, e + 40))
                    t = 0
                    while t < len(toks) and toks[t][2].lower() in _SKIP_BEFORE_CUE:
                        t += 1
                    if t < len(toks):
                        k = bisect_right(cue_starts, toks[t][0]) - 1
                        if k >= 0 and cue_starts[k] == toks[t][0]:
                            return spk, cues[k][2]
            d = _DASH_RE.match(text, c_i + 1, b)
            if d:
                spk, _ = _speaker_after(text, d.end(), b)
                if spk is not None:
                    return spk, d.group().strip()
    # before the opening mark: X said: “ / According to X, “
    k = bisect_right(cue_starts, o_i) - 1
    while k >= 0 and cues[k][0] >= a and o_i - cues[k][1] <= 80:
        m = cues[k]
        between = text[m[1]:o_i]
        low = m[2].lower()
        if low.startswith(("according", "in the")):
            if "\n" not in between and between.rstrip().endswith(",") and len(between) < 80:
                spk = _according_speaker(text, m[1], o_i)
                if spk is not None:
                    return spk, m[2]
        elif _OPEN_AFTER_CUE_RE.fullmatch(text, _after_object(text, m, o_i), o_i + 1):
            spk, _, _ = _subject_before(text, m[0], _sentence_floor(text, m[0], a))
            if low.startswith("told") or spk is not None:
                return spk, m[2]
        break
    return None, None


def _after_object(text: str, m, limit: int) -> int:
    """End of the object of "told" (told Reuters / told reporters), else the cue end."""
    if m[2].lower().startswith(("told", "tell")):
        ob = _TOLD_OBJ_RE.match(text, m[1], limit)
        if ob:
            return ob.end()
    return m[1]


def _sentence_floor(text: str, pos: int, a: int) -> int:
    """Cheap start of the sentence holding pos (for backward speaker search)."""
    lo = max(a, pos - 200)
    cut = lo
    for m in _SENT_END_APPROX_RE.finditer(text, lo, pos):
        cut = m.end()
    return cut


# --------------------------------------------------------------------------------------
# Reported speech


def _period_ends_at(text: str, b: int, after: int) -> bool:
    """Does the period at ``b`` of a boundary match ending at ``after`` (group 2 of
    ``_BOUNDARY_FAST_RE``) end a sentence?

    Not after an abbreviation (Mr, U.S, Jan, ...) or a single initial; "No." only before a
    digit. The test of :func:`sentence_spans` (the compiled one asks it about words that are
    not ASCII) and of :class:`_SentenceFinder`.
    """
    ws = text.rfind(" ", b - 12 if b > 12 else 0, b) + 1
    word = text[ws:b].lower()
    if word and not word[0].isalnum():
        word = word.lstrip("(\"“‘'«")
    if word in _ABBREV or (len(word) == 1 and word.isalpha()):
        if _abbrev_continues(text, word, after):
            return False
    return True


_SAFE_START_RE = re.compile(r"[^\s.!?\"”’»')\]]")
"""A character no boundary match can hold: a boundary scan started there meets the same
boundaries as a scan of the whole text."""
_BACK_STEP = 400
_FAR = 1000


class _SentenceFinder:
    """The sentence of :func:`sentence_spans` that holds a cue, found without splitting the
    whole text.

    Boundary matches are the same whether ``_BOUNDARY_FAST_RE`` scans the whole text or
    starts at a position no match can cover (a cue's first letter, a character matched by
    ``_SAFE_START_RE``, or the end of an earlier boundary match). The sentence start is the
    end of the last sentence-ending boundary before the cue (scanning back in steps from
    safe positions, or on from the end of the previous cue's sentence); its end is the next
    sentence-ending boundary after the cue.
    """

    __slots__ = ("text", "first", "known")

    def __init__(self, text: str):
        self.text = text
        self.first = len(text) - len(text.lstrip())  # start of the first sentence
        self.known = -1  # end of a sentence-ending boundary before the cues still to come

    def _last_end(self, q: int, hi: int) -> int:
        """End of the last sentence-ending boundary starting in [q, hi) (q safe), else -1."""
        text = self.text
        last = -1
        for m in _BOUNDARY_FAST_RE.finditer(text, q):
            if m.start() >= hi:
                break
            if m.lastindex != 2 or _period_ends_at(text, m.start(), m.end()):
                last = m.end()
        return last

    def at(self, cs: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``cs`` (the first letter of a cue)."""
        text = self.text
        if cs < self.first:
            return -1, -1
        known = self.known
        if 0 <= known <= cs and cs - known <= _FAR:
            ss = self._last_end(known, cs)
            if ss < 0:
                ss = known
        else:
            hi = cs
            while True:
                p = hi - _BACK_STEP
                while True:  # a safe start before hi
                    if p <= 0:
                        q = 0
                        break
                    q = _SAFE_START_RE.search(text, p).start()
                    if q < hi:
                        break
                    p -= _BACK_STEP
                ss = self._last_end(q, hi)
                if ss >= 0:
                    break
                if q == 0:
                    ss = self.first
                    break
                hi = q
        for m in _BOUNDARY_FAST_RE.finditer(text, cs):
            g = m.lastindex
            if g is None:  # paragraph break
                self.known = m.end()
                return ss, ss + len(text[ss:m.start()].rstrip())
            if g != 2 or _period_ends_at(text, m.start(), m.end()):
                self.known = m.end()
                return ss, m.end(g)
        self.known = -1
        return ss, ss + len(text[ss:].rstrip())


_CHARS_PER_CUE_LOCAL = 600
"""Sparser cues than this find their sentences locally; denser ones split the whole text."""


def _reported(text: str, cues: list, direct: list[list], sentences=None) -> list[tuple]:
    finder: _SentenceFinder | None = None
    sents: list[tuple[int, int]] | None = None
    sent_starts: list[int] = []
    local = len(text) > _CHARS_PER_CUE_LOCAL * len(cues)
    # direct spans sorted by start, with the running maximum of their ends: a cue lies inside
    # one iff some span starting at or before it reaches past its end
    d_spans = sorted((d[0], d[1]) for d in direct)
    d_starts = [s for s, _ in d_spans]
    d_reach = []
    r = -1
    for _, e in d_spans:
        r = e if e > r else r
        d_reach.append(r)
    out: list[tuple] = []
    last_sent = -1
    last_spk: str | None = None
    ss = se = -1
    for m in cues:
        cs, ce = m[0], m[1]
        if d_starts:
            k = bisect_right(d_starts, cs) - 1
            if k >= 0 and d_reach[k] >= ce:
                continue  # the quoted speaker owns it
        if not ss <= cs < se:
            if local:
                if finder is None:
                    finder = _SentenceFinder(text)
                ss, se = finder.at(cs)
                if ss < 0:
                    continue
            else:
                if sents is None:
                    sents = sentences() if sentences is not None else sentence_spans(text)
                    sent_starts = [a for a, _ in sents]
                k = bisect_right(sent_starts, cs) - 1
                if k < 0:
                    continue
                ss, se = sents[k]
        if ce > se:
            continue
        if ss != last_sent:
            last_sent, last_spk = ss, None
        se_c = ce + len(text[ce:se].rstrip(_STRIP_END)) if se > ce else se
        r = _one_cue(text, m, ss, se_c)
        if r is None:
            continue
        start, end, spk, cue, participle = r
        if participle and spk is None:
            spk = last_spk if last_spk is not None else _simple_subject(text, ss, cs)
        if spk is not None and not participle:
            last_spk = spk
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1] in " \t\r,;:":
            end -= 1
        if end > start and WORD_RE.search(text, start, end):
            out.append((start, end, "reported", spk, cue, True))
    return out


def _simple_subject(text: str, ss: int, cs: int) -> str | None:
    """Subject at the start of sentence [ss, cs) when it is simple.

    A pronoun, "The/A/An + noun", or a proper-noun sequence, followed by a lower-case word
    (the verb): "The general spoke ..., insisting that" -> "The general".
    """
    toks = _tokens(text, ss, min(cs, ss + 100))
    while toks and not toks[0][2][0].isalnum():
        toks.pop(0)
    if len(toks) < 2:
        return None
    t0 = toks[0][2]
    if t0.lower().endswith("ing") or t0.lower() in _CUE_FORM_SET:
        # "Noting that ..., he denounced ...": the subject follows the participle clause
        for c in _COMMA_RE.finditer(text, toks[0][1], cs):
            spk = _subject_at(text, c.end(), cs)
            if spk is not None:
                return spk
        return None
    return _subject_at(text, toks[0][0], cs, toks)


_COMMA_RE = re.compile(r",\s*")
_CUE_FORM_SET = frozenset(_CUE_FORMS)


def _subject_at(text: str, p: int, cs: int, toks=None) -> str | None:
    """A simple subject starting at ``p`` and followed by a lower-case word (the verb)."""
    if toks is None:
        toks = _tokens(text, p, min(cs, p + 100))
    if len(toks) < 2:
        return None
    t0 = toks[0][2]
    if t0.lower() in _PRONOUNS:
        return t0
    if t0 in ("The", "A", "An") and len(toks) > 2 and toks[1][2].islower() and toks[2][2].islower():
        return text[toks[0][0]:toks[1][1]]
    if _is_title(t0) and t0.lower() not in _LEAD_STOP:
        spk, e = _speaker_after(text, toks[0][0], cs)
        if spk is not None and text[e:e + 1] == " " and text[e + 1:e + 2].islower():
            return spk
    return None


_CUE_LOWER: dict[str, str] = {}
"""Cue text as written -> lower case, whitespace normalised (a small memo)."""


def _one_cue(text: str, m, ss: int, se: int):
    """Reported span for one cue in sentence [ss, se). Returns (start, end, speaker, cue, participle)."""
    cs, ce, word = m[0], m[1], m[2]
    if len(m) == 4:  # headline forms: "CLAUSE – Name" / "Name: CLAUSE"
        if word == ":":
            if text[ss:cs].strip() != m[3] and _clean(text[ss:cs]) != m[3]:
                return None  # the label must open the sentence
            if _quote_follows(text, ce, se):
                return None
            return ce, se, m[3], word, False
        if text[ce:se].strip(" \t.!?") or cs <= ss:
            return None  # the name must end the sentence
        clause = text[ss:cs].rstrip()
        if not clause or (clause[0] in _OPENING_CHARS and clause[-1] in "\"”’'»"):
            return None  # “…” — X: the direct quote has its speaker
        return ss, ss + len(clause), m[3], word, False
    low = _CUE_LOWER.get(word)
    if low is None:
        low = " ".join(word.lower().split())
        if len(_CUE_LOWER) < 4096:
            _CUE_LOWER[word] = low
    floor = ss

    if low in ("according to", "in the words of"):
        spk = _according_speaker(text, ce, se)
        if spk is None:
            return None  # "according to whether / the law / the plan": no speaker, no span
        comma = text.find(",", ce, se)
        if not text[ss:cs].strip(" \t\"“‘'«("):
            if comma < 0:
                return None
            return comma + 1, se, spk, word, False
        before = text[ss:cs].rstrip()
        if before.endswith(","):
            if comma >= 0 and text[comma + 1:se].strip():
                return ss, se, spk, word, False
            return ss, ss + len(before) - 1, spk, word, False
        return ss, ss + len(before), spk, word, False

    if low == "quoted":
        q = _QUOTED_RE.match(text, cs, se + 1)
        if not q:
            return None
        if text[q.end():q.end() + 1] in _OPENING_CHARS:
            return None  # quoted X as saying: “…” -- the direct quote covers it
        if q.group("obj"):
            spk, _ = _speaker_after(text, q.start("obj"), q.end("obj"))
            cue = f"{word} ... as {q.group('say')}"
        else:
            spk, _, _ = _subject_before(text, cs, floor)
            if spk is None:
                toks = _tokens(text, max(floor, cs - 80), cs)
                i = len(toks) - 1
                while i >= 0 and toks[i][2].lower() in _SKIP_BEFORE_CUE | _PASSIVE:
                    i -= 1
                if i >= 0:
                    spk, _, _ = _subject_before(text, toks[i][1], floor)
            cue = text[cs:q.end("say")]
        return q.end(), se, spk, cue, False

    stem = low
    participle = low.endswith("ing")
    if stem.startswith(_OBJECT_VERBS):
        # the object checks first (they are cheaper than the subject; every rule that fails
        # gives None, so the order does not change the result)
        rest_start = ce
        if stem.startswith("call"):
            if not _CALLED_OBJ_RE.match(text, ce, se + 1):
                return None
        elif stem.startswith("accus"):
            if not _OF_RE.search(text, ce, se):
                return None
        elif stem.startswith(_NEEDS_AS):
            if not _AS_RE.search(text, ce, se):
                return None
        elif stem.startswith("brand"):
            if not (_AS_RE.search(text, ce, se) or _CALLED_OBJ_RE.match(text, ce, se + 1)):
                return None
        spk = None
        if not participle:
            spk, _, passive = _subject_or_who(text, cs, floor)
            if passive or spk is None:
                return None
        elif _participle_blocked(text, cs, floor):
            return None
        return rest_start, se, spk, word, participle

    after = ce
    if stem in ("told", "tells", "tell", "telling"):
        ob = _TOLD_OBJ_RE.match(text, ce, se + 1)
        if not ob:
            return None
        after = ob.end()
    # _THAT_GAP_RE ends in "that" (any case; only ASCII letters fold to t/h/a) and
    # _quote_follows in an opening mark: both need one in text[after:se + 1]
    t = _THAT_GAP_RE.match(text, after, se + 1) if "that" in text[after:se + 1].lower() else None
    quote_follows = t is None and _OPENER_RE.search(text, after, se + 1) is not None \
        and _quote_follows(text, after, se)
    tr = None
    if not participle and t is None and not quote_follows:
        # "CLAUSE, <speaker> said." / "CLAUSE, <speaker> said, CLAUSE": the speaker fills the
        # stretch from the comma to the cue (checked first: it needs no subject search)
        tr = _TRAIL_RE.match(text, after, se + 1)
        if tr:
            comma = text.rfind(",", ss, cs)
            if comma > ss and _SPEAKER_STRETCH_RE.fullmatch(text, comma + 1, cs):
                spk_c = _comma_speaker(text, comma + 1, cs)
                if spk_c is not None:
                    if text[tr.end() - 1:tr.end()] == ",":
                        rest = _TOK_RE.search(text, tr.end(), se)
                        if rest is not None and rest.group()[0].isalnum():
                            w = rest.group().lower()
                            if not (w.endswith("ing") or w in ("and", "but", "or", "as", "while", "which")):
                                return ss, se, spk_c, word, False  # the parenthetical covers the sentence
                    clause_end = ss + len(text[ss:comma].rstrip())
                    if clause_end > ss and text[clause_end - 1] not in "\"”’'»":
                        return ss, clause_end, spk_c, word, False

    spk = None
    if not participle:
        spk, spk_start, passive = _subject_or_who(text, cs, floor)
        if passive:
            return None
    elif _participle_blocked(text, cs, floor):
        return None

    if t:
        return t.end(), se, spk, word, participle
    if quote_follows:
        return None  # X said: “…” -- the direct quote covers it
    if participle:
        if stem in ("saying", "adding", "telling", "writing", "stating", "warning", "claiming",
                    "insisting", "arguing", "noting", "stressing", "declaring", "asserting",
                    "alleging", "explaining", "maintaining", "suggesting", "emphasising",
                    "emphasizing", "denying"):
            if text[after:after + 1].isspace() and text[after + 1:after + 2].isalnum() \
                    and not text[after + 1:after + 4].lower().startswith(("on ", "of ", "to ", "in ", "for")):
                return after, se, None, word, True
        return None
    if stem in _NOUNISH and not (spk and (spk.lower() in _PRONOUNS or _is_title(spk))):
        return None
    # trailing attribution: CLAUSE, X said. / CLAUSE, said X.
    before_cue = text[ss:cs].rstrip()
    if before_cue.endswith(",") and spk is None:
        spk2, e = _speaker_after(text, ce, se)
        if spk2 is not None and _TRAIL_RE.match(text, e, se + 1):
            clause_end = ss + len(before_cue) - 1
            if clause_end > ss and text[clause_end - 1] not in "\"”’'»":
                return ss, clause_end, spk2, word, False
        return None
    if spk is None:
        return None
    head = text[ss:spk_start].rstrip()
    # from here on t is None and neither participle nor quote_follows: tr was matched above
    if head.endswith(",") and tr:
        clause_end = ss + len(head) - 1
        if clause_end > ss and text[clause_end - 1] not in "\"”’'»":
            return ss, clause_end, spk, word, False
        return None
    if head.endswith(("”", '"', "’", "»")) and tr:
        return None  # “…” he said: the direct quote covers it
    if after >= se or not text[after:after + 1].isspace():
        return None
    if tr:
        return None  # "He said on Monday." -- nothing reported in this sentence
    return after, se, spk, word, False


_WHO_RE = re.compile(r"\s+who\s+[^,.;:!?\"“”«»\n]{1,50}$")


def _subject_or_who(text: str, cs: int, floor: int) -> tuple[str | None, int, bool]:
    """:func:`_subject_before`, or the subject before a relative clause ending at the cue
    ("A senior official who asked not to be named | accused ...")."""
    r = _subject_before(text, cs, floor)
    if r[0] is None and not r[2]:
        lo = cs - 60 if cs - 60 > floor else floor
        # the pattern holds the literal "who": a C-level find rules most cues out first
        w = _WHO_RE.search(text, lo, cs) if text.find("who", lo, cs) >= 0 else None
        if w is not None:
            spk, start, passive = _subject_before(text, w.start(), floor)
            if spk is not None and not passive and spk.lower() not in _PRONOUNS:
                return spk, start, False
    return r


_PARTICIPLE_BLOCKERS = _DETS | _PASSIVE | {"to", "of", "by", "for"}


def _participle_blocked(text: str, cs: int, floor: int) -> bool:
    """Is the participle cue at cs a noun or passive ("the warning", "was saying", "for adding")?"""
    toks = _tokens(text, max(floor, cs - 30), cs)
    return bool(toks) and toks[-1][2].lower() in _PARTICIPLE_BLOCKERS


def _quote_follows(text: str, ce: int, se: int) -> bool:
    m = _OPEN_AFTER_CUE_RE.match(text, ce)
    return bool(m) and m.end() <= se + 1


# --------------------------------------------------------------------------------------
# Public API


_SET_START, _SET_END, _SET_KIND, _SET_SPEAKER, _SET_CUE, _SET_CLOSED = (
    Quote.__dict__[f].__set__ for f in ("start", "end", "kind", "speaker", "cue", "closed"))


def _quote(r: tuple) -> Quote:
    """``Quote(*r)``, its slots set through their descriptors: the frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` for each field (about 0.6x its time)."""
    q = object.__new__(Quote)
    _SET_START(q, r[0])
    _SET_END(q, r[1])
    _SET_KIND(q, r[2])
    _SET_SPEAKER(q, r[3])
    _SET_CUE(q, r[4])
    _SET_CLOSED(q, r[5])
    return q


def find_quotes(text: str, outlet_names: tuple[str, ...] = (), sentences=None) -> list[Quote]:
    """Find all direct quotations and reported-speech spans in an article.

    Parameters
    ----------
    text : str
        Canonical article text (``articles.text``); paragraphs separated by ``"\\n"``.
    outlet_names : tuple of str, default ()
        Names of the article's own outlet ("KCNA", "TASS"). A reported span whose speaker is
        the outlet -- the name, case-insensitive, as the whole speaker or a whole word of it
        ("The KCNA in a commentary"), or a self-reference such as "this news agency" -- is
        the outlet's own voice and is left out. Empty: every speaker is kept.
    sentences : callable, optional
        Returns ``sentence_spans(text)``, when the caller keeps them (computed at most once
        for the stages of a batch, :class:`pipelines.prepared.PreparedText`); None: computed here.

    Returns
    -------
    list of Quote
        Sorted by ``(start, -end)``; a direct quote comes before a reported span with the
        same offsets. Offsets satisfy ``0 <= start <= end <= len(text)``. Rows of the
        ``quotes`` table (``quote_id`` is the list position).

    Notes
    -----
    Never raises on a ``str``: unbalanced marks degrade per paragraph (see the module
    notes). Scans the text once for quotation marks (their characters) and once for cue
    words (one Aho-Corasick pass); sentence boundaries are only computed when a cue was found.
    """
    if not isinstance(text, str) or not text:
        return []
    cues = _find_cues(text)
    cue_starts = [m[0] for m in cues]
    marks = _scan_marks(text)
    direct = _direct_quotes(text, marks, cues, cue_starts) if marks else []
    # sort keys (start, -end, direct first, list position): plain tuple order, stable as before
    rows = [(d[0], -d[1], False, k, (d[0], d[1], "direct", d[2], d[3], d[4])) for k, d in enumerate(direct)]
    tail = _find_tail_cues(text)
    if tail:
        cues = sorted(cues + tail)
    if cues:
        nd = len(rows)
        reported = _reported(text, cues, direct, sentences)
        # the outlet's own words ("KCNA said", "this newspaper believes") are its own voice
        reported = [r for r in reported if not (r[3] and _is_outlet(r[3], outlet_names))]
        rows += [(r[0], -r[1], True, nd + k, r) for k, r in enumerate(reported)]
    rows.sort()
    # rows with equal (start, end, kind) sort next to each other: the first one is kept
    quotes = []
    last = None
    for row in rows:
        r = row[4]
        if r[0] > r[1] or (last is not None and r[0] == last[0] and r[1] == last[1] and r[2] == last[2]):
            continue
        last = r
        quotes.append(_quote(r))
    return quotes


def voice_of(quotes: list[Quote], start: int, end: int) -> tuple[str, str | None, int | None]:
    """Voice of the span ``text[start:end]``.

    Parameters
    ----------
    quotes : list of Quote
        As returned by :func:`find_quotes` for the same text.
    start, end : int
        Character offsets of the span (e.g. a lexicon mention).

    Returns
    -------
    (voice, speaker, index) : tuple of (str, str or None, int or None)
        ``("quoted", speaker, i)`` when the innermost (shortest) quote containing the span
        is a direct quote, ``("attributed", speaker, i)`` when it is a reported span,
        ``("outlet", None, None)`` when no quote contains it. A direct quote beats a
        reported span of equal length; ``i`` is the position in ``quotes``.
    """
    best = -1
    best_len = 0
    best_direct = False
    for i, q in enumerate(quotes):
        if q.start <= start and end <= q.end:
            ln = q.end - q.start
            d = q.kind == "direct"
            if best < 0 or ln < best_len or (ln == best_len and d and not best_direct):
                best, best_len, best_direct = i, ln, d
    if best < 0:
        return ("outlet", None, None)
    q = quotes[best]
    return ("quoted" if best_direct else "attributed", q.speaker, best)


_OUTLET = ("outlet", None, None)


class Voices:
    """:func:`voice_of` for many spans of one text: the quotes read once, then each span
    checked only against the quotes that start at or before it.

    ``Voices(quotes).of(start, end) == voice_of(quotes, start, end)`` for any span (the same
    quotes in the same order, the same tie-breaking; ``tests/pipelines/test_quotes.py``
    checks it on random spans). A span that no quote starting at or before it reaches is
    the outlet's at once (a running maximum of the quotes' ends). Meant for the mentions,
    frame tokens, pair uses and target names of one article.

    Parameters
    ----------
    quotes : list of Quote, as :func:`find_quotes` returned them (sorted by start), or a
        list in any order (then every span is checked against every quote, as voice_of does).
    """

    __slots__ = ("quotes", "starts", "reach", "sorted")

    def __init__(self, quotes: list[Quote] | None):
        self.quotes = quotes or []
        self.starts = [q.start for q in self.quotes]
        self.sorted = self.starts == sorted(self.starts)
        self.reach = list(accumulate([q.end for q in self.quotes], max))

    def of(self, start: int, end: int) -> tuple[str, str | None, int | None]:
        """``(voice, speaker, index)`` of ``text[start:end]``: see :func:`voice_of`."""
        quotes = self.quotes
        if not quotes:
            return _OUTLET
        if not self.sorted:
            return voice_of(quotes, start, end)
        k = bisect_right(self.starts, start)
        reach = self.reach
        if k == 0 or reach[k - 1] < end:
            return _OUTLET
        # the quotes starting at or before the span, last first, until none before can reach
        # its end (reach is the running maximum of the ends): one quote when they do not nest.
        # Last first, a later quote of the same length and class gives way to an earlier one.
        best = -1
        best_len = 0
        best_direct = False
        i = k - 1
        while i >= 0 and reach[i] >= end:
            q = quotes[i]
            if end <= q.end:
                ln = q.end - q.start
                d = q.kind == "direct"
                if best < 0 or ln < best_len or (ln == best_len and (d or not best_direct)):
                    best, best_len, best_direct = i, ln, d
            i -= 1
        if best < 0:
            return _OUTLET
        return ("quoted" if best_direct else "attributed", quotes[best].speaker, best)


def _count_nested(mask: bytes, n: int, quotes: list[Quote]) -> tuple[int, int] | None:
    """``(quoted, attributed)`` words of :func:`count_words_by_voice` when the quotes, in list
    order, stand apart or nest but never cross (each one starts at or after the start of the one
    before it and lies inside every earlier quote it starts in, never with the same offsets):
    most articles, a direct quote inside reported speech included. Else None.

    A word's innermost quote is then the deepest one holding it whole, and the words a quote
    holds whole are its own plus those its children (the quotes directly inside it, which do not
    overlap) hold whole: its own words are the difference. A quote holds whole the word starts in
    it, less the word running in across its start and the one running out across its end (one
    word, when no space lies between); a word across an end belongs to an enclosing quote or none.
    """
    a_ch = 0x61
    own = [0, 0]   # words of the reported spans, of the direct quotes
    stack: list[list] = []   # the open quotes, outermost first: [start, end, direct?, words held, children's]
    last = 0
    for q in quotes:
        a, b = q.start, q.end
        if a < last or b > n:   # (last starts at 0: a negative start goes to the general path too)
            return None
        last = a
        if b <= a:
            continue
        while stack and stack[-1][1] <= a:
            _, _, d, held, inner = stack.pop()
            own[d] += held - inner
        if stack:
            top = stack[-1]
            if b > top[1] or (a == top[0] and b == top[1]):
                return None
        c = (mask[a] == a_ch) + mask.count(b" a", a, b)
        if c and a and mask[a] == a_ch and mask[a - 1] == a_ch:
            c -= 1
        if c and b < n and mask[b] == a_ch and mask[b - 1] == a_ch:
            c -= 1
        if stack:
            stack[-1][4] += c
        stack.append([a, b, q.kind == "direct", c, 0])
    for _, _, d, held, inner in stack:
        own[d] += held - inner
    return own[1], own[0]


def count_words_by_voice(text: str, quotes: list[Quote]) -> dict[str, int]:
    """Count the words of a text in each voice.

    Parameters
    ----------
    text : str
        The article text the quotes were found in.
    quotes : list of Quote
        As returned by :func:`find_quotes`.

    Returns
    -------
    dict of str to int
        ``{"outlet": n, "quoted": n, "attributed": n}``, words being matches of
        :data:`WORD_RE`. Each word gets ``voice_of(quotes, word_start, word_end)``, so the
        three counts sum to ``len(WORD_RE.findall(text))``.

    Notes
    -----
    Words are counted on a one-byte-per-character mask of the text (``a`` for a ``\\w``
    character, a space otherwise), so counting is C-level ``bytes.count``. Only the stretches
    inside quotes are counted; the outlet gets the rest of the total.
    """
    n = len(text)
    mask = word_mask(text)
    total = (mask[0] == 0x61) + mask.count(b" a") if n else 0
    if not quotes:
        return {"outlet": total, "quoted": 0, "attributed": 0}
    nested = _count_nested(mask, n, quotes)
    if nested is not None:
        return {"outlet": total - nested[0] - nested[1], "quoted": nested[0], "attributed": nested[1]}
    bounds = {0, n}
    for q in quotes:
        if 0 < q.start < n:
            bounds.add(q.start)
        if 0 < q.end < n:
            bounds.add(q.end)
    pts = sorted(bounds)
    nseg = len(pts) - 1
    # innermost quote kind per elementary segment [pts[k], pts[k+1]) -- as voice_of decides:
    # the shortest containing quote; at equal length a direct quote wins
    seg_len: list[int | None] = [None] * nseg
    seg_direct = [False] * nseg
    for q in quotes:
        k_hi = bisect_right(pts, q.end) - 1
        k = bisect_left(pts, q.start)
        if k >= k_hi:
            continue
        ln = q.end - q.start
        d = q.kind == "direct"
        for k in range(k, k_hi):
            cur = seg_len[k]
            if cur is None or ln < cur:
                seg_len[k] = ln
                seg_direct[k] = d
            elif ln == cur and d:
                seg_direct[k] = True
    quoted = attributed = 0
    a_ch = 0x61
    straddle = [p for p in pts[1:-1] if mask[p - 1] == a_ch and mask[p] == a_ch]
    st = frozenset(straddle)
    for k in range(nseg):
        if seg_len[k] is None:
            continue
        a, b = pts[k], pts[k + 1]
        c = (mask[a] == a_ch) + mask.count(b" a", a, b)
        if not c:
            continue
        sa, sb = a in st, b in st
        if sa and sb and mask.find(b" ", a, b) < 0:
            continue
        c -= sa + sb
        if c > 0:
            if seg_direct[k]:
                quoted += c
            else:
                attributed += c
    seen = set()
    for p in straddle:
        ws = mask.rfind(b" ", 0, p) + 1
        if ws in seen:
            continue
        seen.add(ws)
        we = mask.find(b" ", p)
        if we < 0:
            we = n
        v = voice_of(quotes, ws, we)[0]
        if v == "quoted":
            quoted += 1
        elif v == "attributed":
            attributed += 1
    return {"outlet": total - quoted - attributed, "quoted": quoted, "attributed": attributed}
