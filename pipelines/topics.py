"""Topics: boolean keyword queries over an article's title and text.

Query syntax (``data/topics.yaml`` holds the default set for international politics):

* ``word`` matches the whole word, case-insensitively, on the matching copy
  (:mod:`pipelines.text`: hyphens, dashes and apostrophes fold to spaces);
* ``word*`` matches any word that starts with ``word``;
* ``"a phrase"`` matches the words in sequence (``"north korea*"``: the last word may be a
  prefix);
* ``AND``, ``OR``, ``NOT`` (upper case) and parentheses; terms side by side mean AND;
  precedence NOT > AND > OR. ``a NOT b`` means a and not b.

An article can have several topics; one that matches none is put in ``(no topic)`` so totals
add up. A topic column of the input (``--topic-column``) gives topics too: its cell is split
on ``;`` and ``|``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress
from pathlib import Path

import ahocorasick_rs
import yaml

from .errors import TopicError, parse_yaml, read_utf8
from .schemas import NO_TOPIC
from .text import fold, scan_overlapping

BUILTIN_TOPICS = Path(__file__).resolve().parent.parent / "data" / "topics.yaml"
_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"(\*?)|([^\s()"]+))')
_SPLIT_RE = re.compile(r"\s*[;|]\s*")


@dataclass(frozen=True)
class TopicDef:
    """A named topic with its query (``None`` for topics taken from an input column)."""

    name: str
    query: str | None
    description: str | None = None
    source: str = ""


# Query AST: ("key", key) | ("and", a, b) | ("or", a, b) | ("not", a)

def parse_query(query: str, where: str = "query") -> tuple:
    """Parse a topic query into a small tree of ``("key"|"and"|"or"|"not", ...)`` tuples.

    Keys are padded, folded strings as they appear in the matching copy (`` war games ``)
    or, for a prefix, without the trailing space (`` ukrain``).

    Raises
    ------
    TopicError
        On an empty query, unbalanced parentheses or quotes, or a dangling operator, with
        the character position.
    """
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    if query.count('"') % 2:
        raise TopicError("unbalanced double quote", where=where, expected="phrases in pairs of \"",
                         found=query, fix="close the quoted phrase")
    while pos < len(query):
        m = _TOKEN_RE.match(query, pos)
        if not m or m.end() == pos:
            break
        if m.group(1):
            tokens.append(("(", "(", m.start(1)))
        elif m.group(2):
            tokens.append((")", ")", m.start(2)))
        elif m.group(3) is not None:
            tokens.append(("phrase", m.group(3) + m.group(4), m.start(3) - 1))
        else:
            word = m.group(5)
            kind = word if word in ("AND", "OR", "NOT") else "word"
            tokens.append((kind, word, m.start(5)))
        pos = m.end()
    if not tokens:
        raise TopicError("empty query", where=where, expected="at least one word or phrase", found=repr(query),
                         fix="write keywords joined by AND / OR / NOT")
    i = 0

    def peek():
        return tokens[i][0] if i < len(tokens) else None

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def error(msg, expected):
        at = tokens[i][2] if i < len(tokens) else len(query)
        raise TopicError(msg, where=f"{where}, character {at + 1}", expected=expected,
                         found=repr(query[at:at + 20] or "end of query"), fix="check parentheses and operators")

    def atom():
        kind = peek()
        if kind == "(":
            take()
            node = or_expr()
            if peek() != ")":
                error("unclosed parenthesis", "')'")
            take()
            return node
        if kind in ("word", "phrase"):
            _, text, _ = take()
            prefix = text.endswith("*")
            core = fold(text.rstrip("*"))
            if not core:
                error("term without letters or digits", "a word")
            return ("key", " " + core + ("" if prefix else " "))
        error("missing term", "a word, a \"phrase\" or '('")

    def not_expr():
        if peek() == "NOT":
            take()
            return ("not", not_expr())
        return atom()

    def and_expr():
        node = not_expr()
        while peek() in ("AND", "NOT", "word", "phrase", "("):
            if peek() == "AND":
                take()
            node = ("and", node, not_expr())
        return node

    def or_expr():
        node = and_expr()
        while peek() == "OR":
            take()
            node = ("or", node, and_expr())
        return node

    tree = or_expr()
    if i != len(tokens):
        error("unexpected token", "an operator or the end of the query")
    return tree


def _keys(tree: tuple) -> set[str]:
    if tree[0] == "key":
        return {tree[1]}
    return set().union(*(_keys(t) for t in tree[1:]))


def _expression(tree: tuple) -> str:
    """The query as a Python boolean expression over the set ``f`` of keys found (a ``("tuple",
    tree, ...)`` node: the tuple of its queries' expressions, :func:`compile_queries`)."""
    op = tree[0]
    if op == "key":
        return f"({tree[1]!r} in f)"
    if op == "tuple":
        return "(" + "".join(_expression(t) + ", " for t in tree[1:]) + ")"
    if op == "not":
        return f"(not {_expression(tree[1])})"
    return "(" + f" {op} ".join(_expression(t) for t in _flatten(tree, op)) + ")"


def _flatten(tree: tuple, op: str) -> list[tuple]:
    if tree[0] != op:
        return [tree]
    return _flatten(tree[1], op) + _flatten(tree[2], op)


def compile_query(tree: tuple):
    """A function ``set[str] -> bool`` that evaluates the parsed query (keys are folded
    words and spaces only, so the generated expression holds nothing but string literals).
    For a ``("tuple", tree, ...)`` node, a function returning a tuple of bools (:func:`compile_queries`)."""
    return eval(f"lambda f: {_expression(tree)}", {"__builtins__": {}})  # noqa: S307


def compile_queries(trees: list[tuple]):
    """A function ``set[str] -> tuple[bool, ...]``: every parsed query of *trees* evaluated in one
    call (one bool per tree, in order), as :func:`compile_query` evaluates each (and through it:
    the module's one ``eval``)."""
    return compile_query(("tuple", *trees))


def read_topics(path: str | Path | None = None) -> list[TopicDef]:
    """Read topic definitions (YAML: ``topics: [{name, query, description}]``).

    Raises
    ------
    TopicError
        On a missing file, a bad shape, a key given twice in one mapping (a topic's ``query:`` twice:
        YAML would keep the last without a word; the message names both lines), a duplicate name
        or a query that does not parse.
    """
    path = Path(path) if path else BUILTIN_TOPICS
    if not path.is_file():
        raise TopicError("topics file not found", where=str(path), expected="a YAML file", found="nothing",
                         fix="check the path given to --topics")
    try:
        _, data = parse_yaml(read_utf8(path, TopicError, "topics file"), path, TopicError)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise TopicError("not valid YAML", where=where, expected="topics: [{name, query}]",
                         found=str(exc).splitlines()[0], fix="check indentation and quoting") from None
    items = data.get("topics") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise TopicError("wrong shape", where=str(path), expected="a 'topics:' list of {name, query}",
                         found=type(items).__name__, fix="see data/topics.yaml for the format")
    out, names = [], set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("query"):
            raise TopicError(f"topic {n} lacks a name or a query", where=str(path), expected="name: and query:",
                             found=repr(item)[:80], fix="give every topic both keys")
        name = str(item["name"]).strip()
        if name in names:
            raise TopicError(f"topic '{name}' is defined twice", where=str(path), expected="unique names",
                             found=name, fix="rename or merge the two")
        names.add(name)
        parse_query(str(item["query"]), where=f"{path}, topic '{name}'")
        out.append(TopicDef(name, str(item["query"]), item.get("description"), str(path)))
    return out


def split_topic_cell(value: str | None) -> list[str]:
    """Topics from an input column cell: split on ``;`` and ``|``, trimmed, empty parts dropped."""
    if value is None:
        return []
    return [p for p in _SPLIT_RE.split(str(value).strip()) if p]


class TopicMatcher:
    """Assign topics to articles with one Aho-Corasick automaton over all query keys.

    ``__init__`` stores the definitions, :meth:`fit` parses the queries (``trees_``, the topics'
    names ``names_`` and ``holds_``, one compiled function answering every query at once) and
    builds the automata over their keys ``keys_``, :meth:`topics_of` evaluates every query on a
    matching copy.
    """

    def __init__(self, topics: list[TopicDef]):
        self.topics = topics

    def fit(self) -> TopicMatcher:
        self.trees_ = [(t.name, parse_query(t.query, where=f"topic '{t.name}'")) for t in self.topics if t.query]
        self.names_ = [name for name, _ in self.trees_]
        self.holds_ = compile_queries([tree for _, tree in self.trees_])
        keys: dict[str, None] = {}
        for _, tree in self.trees_:
            for key in sorted(_keys(tree)):
                if key:  # an empty key is never found (pyahocorasick, the automaton before, ignored it)
                    keys.setdefault(key)
        self.keys_ = list(keys)
        self._compile()
        return self

    def _compile(self) -> None:
        # ahocorasick-rs: about 0.6x pyahocorasick's time for one text; bytes for an ASCII copy. A DFA:
        # every key starts with a space, so no prefilter skips ahead, and the DFA steps cheapest
        # (about 0.8x the default automaton's time on the bench corpus; a few hundred keys)
        dfa = ahocorasick_rs.Implementation.DFA
        self.scanner_ = ahocorasick_rs.AhoCorasick(self.keys_, implementation=dfa) if self.keys_ else None
        self.byte_scanner_ = ahocorasick_rs.BytesAhoCorasick([k.encode("utf-8") for k in self.keys_],
                                                             implementation=dfa) if self.keys_ else None

    def __getstate__(self):
        """The automata do not pickle: a pickled matcher (Dask workers) rebuilds them when loaded."""
        return {k: v for k, v in self.__dict__.items() if k not in ("scanner_", "byte_scanner_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "keys_" in state:
            self._compile()

    def keys_in(self, copy: str) -> set[str]:
        """Query keys found in one matching copy (as substrings, overlapping occurrences too)."""
        if not self.keys_:
            return set()
        keys = self.keys_
        return {keys[i] for i, _, _ in scan_overlapping(copy, self.scanner_, self.byte_scanner_)}

    def topics_of(self, *copies: str) -> list[str]:
        """Names of the topics whose queries hold for the union of *copies* (title, text)."""
        found: set[str] = set()
        for c in copies:
            found |= self.keys_in(c)
        return list(compress(self.names_, self.holds_(found)))


def assign_topics(query_topics: list[str], column_topics: list[str]) -> list[tuple[str, str]]:
    """Combine topics from queries and from the input column into ``(topic, source)`` pairs.

    An article with neither gets ``[("(no topic)", "none")]``.
    """
    out = [(t, "query") for t in query_topics]
    if column_topics:
        out += [(t, "column") for t in column_topics if t not in query_topics]
    return out or [(NO_TOPIC, "none")]
