"""The outlet registry: canonical outlet names, their country and type, and boilerplate lines.

Ingestion calls :meth:`Registry.canonical` once per record to map a raw outlet value (a name,
an alias, a domain or an article URL) to the canonical name every table and chart shows, and
:func:`strip_boilerplate` with :meth:`Registry.boilerplate_patterns` to drop footer lines
("Read more: …", "© 2026 …", mirror-address footers, KCNA's ``-0-`` end marker) before the
text becomes ``articles.text``.

The registry format is documented at the top of ``data/outlets.yaml``.

Examples
--------
>>> registry = read_registry()
>>> registry.canonical("  bbc  ")
('BBC News', True)
>>> registry.canonical("https://www.rt.com/news/1/")
('RT', True)
>>> registry.canonical("Example Times")
('Example Times', False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from pipelines.errors import ConfigError, parse_yaml, read_utf8

BUILTIN_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "outlets.yaml"

OUTLET_TYPES = (
    "state-affiliated",
    "state-controlled",
    "public broadcaster",
    "commercial",
    "wire agency",
    "non-profit",
    "partisan",
    "synthetic",
)
OUTLET_FIELDS = ("name", "aliases", "domains", "country", "type", "note", "boilerplate")
PATTERN_FIELDS = ("pattern", "note")

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
# A raw outlet value that is a URL, or a bare host (optionally with a path): "rt.com",
# "www.msnbc.com", "en.news-front.info/2022/…". Names with dots and spaces ("Censor.NET News")
# are not hosts.
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_LIKE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?(?:/\S*)?$", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_CUT = "cut"


def _name_key(value: str) -> str:
    """Matching key of a name or alias: trimmed, case-folded, one space, straight apostrophes."""
    return _SPACES.sub(" ", value.strip()).translate(_APOSTROPHES).casefold()


def _host(value: str) -> str | None:
    """Host of a URL or bare domain, lower-case, without ``www.`` and port; None if not a host."""
    value = value.strip()
    if _URL_LIKE.match(value):
        try:
            host = urlsplit(value).hostname
        except ValueError:
            return None
    elif _HOST_LIKE.match(value):
        host = value.split("/", 1)[0].split(":", 1)[0].lower()
    else:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class Outlet:
    """One registry entry.

    Parameters
    ----------
    name : str
        Canonical name.
    aliases, domains : tuple of str
        Other spellings; site domains without ``www.``.
    country : str or None
        ISO 3166-1 alpha-2 code.
    type : str or None
        One of :data:`OUTLET_TYPES`.
    note : str or None
        Free text.
    boilerplate : tuple of re.Pattern
        Outlet-specific line patterns, compiled.
    source : str
        Registry file the entry came from.
    """

    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    country: str | None = None
    type: str | None = None
    note: str | None = None
    boilerplate: tuple[re.Pattern, ...] = ()
    source: str = ""


@dataclass
class Registry:
    """Canonical outlets and boilerplate patterns, with lookups cached for per-record use.

    Build it with :func:`read_registry`. ``canonical`` is meant to be called once per record
    (millions of times): name, alias and domain lookups are dict look-ups, and results are
    cached per raw value and per host.

    Parameters
    ----------
    outlets : dict of str to Outlet
        By canonical name, in file order.
    boilerplate : list of re.Pattern
        Global patterns, applied to every outlet's text.
    """

    outlets: dict[str, Outlet]
    boilerplate: list[re.Pattern] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._by_domain: dict[str, str] = {}
        for outlet in self.outlets.values():
            for value in (outlet.name, *outlet.aliases):
                self._by_name[_name_key(value)] = outlet.name
            for domain in outlet.domains:
                self._by_domain[domain] = outlet.name
        self._raw_cache: dict[str, tuple[str | None, bool]] = {}
        self._host_cache: dict[str, str | None] = {}
        self._pattern_cache: dict[str | None, list[re.Pattern]] = {}

    def __len__(self) -> int:
        return len(self.outlets)

    def names_of(self, name: str | None) -> tuple[str, ...]:
        """The canonical name and aliases of outlet *name* (``(name,)`` when unknown)."""
        outlet = self.outlets.get(name) if name else None
        if outlet is None:
            return (name,) if name else ()
        return (outlet.name, *outlet.aliases)

    def __contains__(self, name: object) -> bool:
        return name in self.outlets

    def _match_host(self, host: str) -> str | None:
        """Canonical name for a host, trying it and then each parent domain."""
        try:
            return self._host_cache[host]
        except KeyError:
            pass
        found = None
        labels = host.split(".")
        for i in range(len(labels) - 1):
            found = self._by_domain.get(".".join(labels[i:]))
            if found is not None:
                break
        if len(self._host_cache) < 100_000:
            self._host_cache[host] = found
        return found

    def canonical(self, raw_outlet: str | None, url: str | None = None) -> tuple[str | None, bool]:
        """Canonical outlet name for a raw outlet value, or for an article URL.

        Parameters
        ----------
        raw_outlet : str or None
            Outlet value as it arrived: a name or alias (case-insensitive, whitespace
            trimmed), a domain (``"www.msnbc.com"``) or a URL. A subdomain matches its parent
            domain (``"edition.cnn.com"`` -> CNN).
        url : str, optional
            Article URL, used only when ``raw_outlet`` is empty.

        Returns
        -------
        name : str or None
            The canonical name; an unknown outlet comes back trimmed as given; None when
            there is neither an outlet value nor a usable URL.
        in_registry : bool
            True when the name comes from the registry.
        """
        if raw_outlet is not None:
            try:
                return self._raw_cache[raw_outlet]
            except KeyError:
                pass
            trimmed = raw_outlet.strip()
            if trimmed:
                result: tuple[str | None, bool]
                name = self._by_name.get(_name_key(trimmed))
                if name is None:
                    host = _host(trimmed)
                    name = self._match_host(host) if host else None
                result = (name, True) if name is not None else (trimmed, False)
                if len(self._raw_cache) < 100_000:
                    self._raw_cache[raw_outlet] = result
                return result
        if url:
            host = _host(url)
            name = self._match_host(host) if host else None
            if name is not None:
                return name, True
            if host:
                return host, False
        return None, False

    def info(self, name: str | None) -> dict:
        """Country and type of an outlet.

        Parameters
        ----------
        name : str or None
            Canonical name (as returned by :meth:`canonical`).

        Returns
        -------
        dict
            ``{"country": str | None, "type": str | None}``; both None for an unknown outlet.
        """
        outlet = self.outlets.get(name) if name is not None else None
        if outlet is None:
            return {"country": None, "type": None}
        return {"country": outlet.country, "type": outlet.type}

    def boilerplate_patterns(self, name: str | None) -> list[re.Pattern]:
        """Global plus outlet-specific boilerplate patterns, compiled.

        Parameters
        ----------
        name : str or None
            Canonical name; an unknown outlet gets the global patterns only.

        Returns
        -------
        list of re.Pattern
            Patterns for :func:`strip_boilerplate`.
        """
        try:
            return self._pattern_cache[name]
        except KeyError:
            pass
        outlet = self.outlets.get(name) if name is not None else None
        patterns = list(self.boilerplate) + (list(outlet.boilerplate) if outlet else [])
        self._pattern_cache[name] = patterns
        return patterns


def strip_boilerplate(text: str, patterns: list[re.Pattern]) -> str:
    """Remove boilerplate lines (footers, read-more links, end markers) from a text.

    Each line is searched (``re.search``, without its line ending) with every pattern. A
    matching line is removed whole, unless the pattern has a group named ``cut``: then only
    that group's text is removed, and the line goes only if nothing but whitespace is left.
    Lines that match no pattern are kept byte for byte, line endings included. Blank lines
    left at the end of the text by a removal are dropped too.

    Parameters
    ----------
    text : str
        Article text (newline-separated paragraphs).
    patterns : list of re.Pattern
        As returned by :meth:`Registry.boilerplate_patterns`.

    Returns
    -------
    str
        The text without boilerplate; ``text`` itself when nothing matched.
    """
    if not text or not patterns:
        return text
    bodies = text.splitlines()
    # Lines broken only at "\n" (or "\r\n"): these are the lines below without their endings, so a text
    # none of whose lines any pattern matches is returned at once (each pattern over all lines in C).
    if len(bodies) == text.count("\n") + (not text.endswith("\n")) and not any(
            any(map(pattern.search, bodies)) for pattern in patterns):
        return text
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    changed = False
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        removed = False
        for pattern in patterns:
            match = pattern.search(body)
            if match is None:
                continue
            changed = True
            if _CUT in pattern.groupindex and match.group(_CUT) is not None:
                start, end = match.span(_CUT)
                body = body[:start] + body[end:]
                if body.strip():
                    continue  # keep the rest of the line; later patterns still apply
            removed = True
            break
        if not removed:
            kept.append(body + ending)
    if not changed:
        return text
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(kept)


def _fail(what: str, where: str, expected: str, found: object, fix: str) -> ConfigError:
    return ConfigError(what, where=where, expected=expected, found=repr(found), fix=fix)


def _compile_patterns(entries: object, where: str) -> list[re.Pattern]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise _fail("invalid boilerplate list", where, "a list of {pattern, note} entries",
                    entries, "write each pattern as '- pattern: ...' under 'boilerplate:'")
    compiled = []
    for j, entry in enumerate(entries):
        here = f"{where}, boilerplate entry {j}"
        if isinstance(entry, str):
            entry = {"pattern": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
            raise _fail("invalid boilerplate entry", here, "a mapping with a string 'pattern'",
                        entry, "write '- pattern: <python regex>' (quote it in single quotes)")
        unknown = sorted(set(entry) - set(PATTERN_FIELDS))
        if unknown:
            raise _fail("unknown boilerplate field", here, f"only {', '.join(PATTERN_FIELDS)}",
                        unknown, "remove or rename the field")
        try:
            compiled.append(re.compile(entry["pattern"]))
        except re.error as exc:
            raise ConfigError(
                "invalid boilerplate pattern", where=f"{here}, field 'pattern'",
                expected="a Python regular expression",
                found=f"{entry['pattern']!r} ({exc})",
                fix="correct the regex; single-quote it in YAML so backslashes stay as written",
            ) from None
    return compiled


def _str_list(entry: dict, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(f"invalid '{key}'", f"{where}, field '{key}'", "a list of non-empty strings",
                    value, f"write '{key}: [a, b]'")
    return tuple(v.strip() for v in value)


def _parse_outlet(entry: object, index: int, source: str) -> Outlet:
    where = f"{source}, outlet {index}"
    if not isinstance(entry, dict):
        raise _fail("invalid outlet entry", where, "a mapping with at least 'name'", entry,
                    "start the entry with '- name: <canonical name>'")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail("outlet without a name", f"{where}, field 'name'", "a non-empty string",
                    name, "give every outlet a canonical 'name'")
    name = name.strip()
    where = f"{source}, outlet {index} ({name!r})"
    unknown = sorted(set(entry) - set(OUTLET_FIELDS))
    if unknown:
        raise _fail("unknown outlet field", where, f"only {', '.join(OUTLET_FIELDS)}", unknown,
                    "remove or rename the field (e.g. 'alias' -> 'aliases')")
    domains = []
    for domain in _str_list(entry, "domains", where):
        host = domain.lower().rstrip(".")
        host = host[4:] if host.startswith("www.") else host
        if not _DOMAIN.match(host):
            raise _fail("invalid domain", f"{where}, field 'domains'",
                        "a bare domain such as 'rt.com' (no scheme, path or port)", domain,
                        "write the site's domain only")
        domains.append(host)
    country = entry.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise _fail("invalid country", f"{where}, field 'country'",
                    "an ISO 3166-1 alpha-2 code in capitals, e.g. 'RU'", country,
                    "use the two-letter country code")
    outlet_type = entry.get("type")
    if outlet_type is not None and outlet_type not in OUTLET_TYPES:
        raise _fail("unknown outlet type", f"{where}, field 'type'",
                    f"one of {', '.join(OUTLET_TYPES)}", outlet_type,
                    "pick the closest type and explain it in 'note'")
    note = entry.get("note")
    if note is not None and not isinstance(note, str):
        raise _fail("invalid note", f"{where}, field 'note'", "a string", note, "quote the note")
    return Outlet(
        name=name,
        aliases=_str_list(entry, "aliases", where),
        domains=tuple(domains),
        country=country,
        type=outlet_type,
        note=note,
        boilerplate=tuple(_compile_patterns(entry.get("boilerplate"), where)),
        source=source,
    )


def parse_registry(document: object, source: str) -> tuple[list[Outlet], list[re.Pattern]]:
    """Validate one registry document (parsed YAML) into outlets and global patterns.

    Parameters
    ----------
    document : object
        The YAML document: a mapping with ``outlets`` and optional ``boilerplate``.
    source : str
        File name used in error messages.

    Returns
    -------
    outlets : list of Outlet
    boilerplate : list of re.Pattern

    Raises
    ------
    ConfigError
        Naming file, outlet entry, field, what was expected and found, and the fix.
    """
    if document is None:
        return [], []
    if not isinstance(document, dict):
        raise _fail("invalid outlet registry", source, "a mapping with 'outlets' (and optional "
                    "'boilerplate')", type(document).__name__, "see the header of data/outlets.yaml")
    unknown = sorted(set(document) - {"outlets", "boilerplate"})
    if unknown:
        raise _fail("unknown top-level key", source, "'outlets' and 'boilerplate'", unknown,
                    "remove or rename the key")
    entries = document.get("outlets") or []
    if not isinstance(entries, list):
        raise _fail("invalid 'outlets'", source, "a list of outlet entries", entries,
                    "write each outlet as '- name: ...' under 'outlets:'")
    outlets = [_parse_outlet(entry, i, source) for i, entry in enumerate(entries)]
    seen: dict[str, int] = {}
    for i, outlet in enumerate(outlets):
        if outlet.name in seen:
            raise _fail("outlet listed twice", f"{source}, outlet {i} ({outlet.name!r})",
                        "each canonical name once per file",
                        f"also outlet {seen[outlet.name]}", "merge the two entries")
        seen[outlet.name] = i
    return outlets, _compile_patterns(document.get("boilerplate"), f"{source}, global")


def _check_claims(outlets: dict[str, Outlet]) -> None:
    """Every name, alias and domain must point to one outlet only."""
    names: dict[str, Outlet] = {}
    domains: dict[str, Outlet] = {}
    for outlet in outlets.values():
        for value, kind in [(outlet.name, "name"), *((a, "alias") for a in outlet.aliases)]:
            key = _name_key(value)
            other = names.setdefault(key, outlet)
            if other is not outlet:
                raise ConfigError(
                    f"{kind} claimed by two outlets",
                    where=f"{outlet.source}, outlet {outlet.name!r}",
                    expected="each name and alias to belong to one outlet only",
                    found=f"{value!r} in {outlet.name!r} ({outlet.source}) and in "
                          f"{other.name!r} ({other.source})",
                    fix=f"remove {value!r} from one of them, or replace {other.name!r} by "
                        f"listing an outlet with that same name",
                )
        for domain in outlet.domains:
            other = domains.setdefault(domain, outlet)
            if other is not outlet:
                raise ConfigError(
                    "domain claimed by two outlets",
                    where=f"{outlet.source}, outlet {outlet.name!r}, field 'domains'",
                    expected="each domain to belong to one outlet only",
                    found=f"{domain!r} in {outlet.name!r} ({outlet.source}) and in "
                          f"{other.name!r} ({other.source})",
                    fix="remove the domain from one of them (a subdomain such as "
                        "'news.example.com' may belong to another outlet)",
                )


def read_registry(paths: list[Path] | None = None) -> Registry:
    """Read the built-in outlet registry plus any user registries.

    Parameters
    ----------
    paths : list of Path, optional
        User registry files in the ``data/outlets.yaml`` format, read after the built-in one.
        A later outlet with the same canonical name replaces the earlier one whole; global
        boilerplate patterns add up.

    Returns
    -------
    Registry

    Raises
    ------
    ConfigError
        On unreadable YAML, a key given twice in one mapping (YAML would keep the last without a
        word; the message names both lines), an invalid entry, a bad regex, an unknown type, or a
        name, alias or domain claimed by two outlets; the message names the file, entry and field.
    """
    outlets: dict[str, Outlet] = {}
    boilerplate: list[re.Pattern] = []
    for path in [BUILTIN_REGISTRY, *(Path(p) for p in paths or [])]:
        source = path.name if path == BUILTIN_REGISTRY else str(path)
        try:
            _, document = parse_yaml(read_utf8(path, ConfigError, "outlet registry"), source, ConfigError)
        except OSError as exc:
            raise ConfigError("cannot read outlet registry", where=source,
                              found=exc.strerror or str(exc), fix="check the path") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
            raise ConfigError("outlet registry is not valid YAML", where=where,
                              expected="YAML", found=str(getattr(exc, "problem", exc)),
                              fix="single-quote regex patterns and names with ':' or '#'") from None
        file_outlets, file_patterns = parse_registry(document, source)
        for outlet in file_outlets:
            outlets.pop(outlet.name, None)
            outlets[outlet.name] = outlet
        boilerplate.extend(file_patterns)
    _check_claims(outlets)
    return Registry(outlets=outlets, boilerplate=boilerplate)
