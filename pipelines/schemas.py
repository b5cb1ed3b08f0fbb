"""The tables of the store: columns, SQL types and meanings, declared once.

Every stage writes through :func:`pipelines.storage.write_table`, which checks a frame
against the declaration here (:func:`check_frame`) before it reaches the store. Docstrings
elsewhere name the table they return instead of repeating its columns.

Offsets (``start_char``, ``end_char``) are Python string indices (code points) into
``articles.text``, end exclusive, so ``text[start_char:end_char]`` is the matched text.
Times are UTC instants (``TIMESTAMPTZ``; connections are set to ``TimeZone='UTC'``).

``article_counts`` is derived, not scored: one row per dated article × voice (``outlet``,
``quoted``, ``attributed`` and ``all``, so 4 rows an article) with the article's ``outlet`` and
``day``, its words in that voice and its mentions in that voice, in all and per category
(``counts``, an ``INTEGER[]`` indexed by ``article_count_categories.position``: the categories
found in ``mentions``, sorted by name), and its topics as bits (``topic_bits``, bit positions in
``article_count_topics``: the 64 topics with the most articles) and wire-copy flags (``copy_flags``,
from ``article_clusters``). It is rebuilt in DuckDB SQL from
``articles``, ``article_scores``, ``mentions``, ``article_topics`` and ``article_clusters`` at the end
of every scoring
(:func:`pipelines.aggregate.build_article_counts`), so it is the same whatever the engine, and
the dashboard's rollups (:mod:`pipelines.rollups`) sum it instead of joining every mention on
each filter change. A store written before it existed has no such table (or an empty one), and
one ingested into since its last scoring has a table without the new articles: the rollups then
join ``mentions`` as before (:func:`pipelines.rollups._count_layout`); a table without
``topic_bits`` or ``copy_flags`` (built before the columns existed) is read with the topic and
wire-copy filters as joins.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import StoreError

VOICES = ("outlet", "quoted", "attributed")
"""Who a mention belongs to: the outlet's own words, a direct quotation, or reported speech."""

ALL = "all"
"""The value of ``category`` / ``voice`` on aggregate rows that cover every category or voice."""

ALL_TOPICS = "(all topics)"
"""The ``topic`` of aggregate rows that count every article once, whatever its topics."""

NO_TOPIC = "(no topic)"
"""The topic of articles that match no topic definition, so totals add up."""


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    meaning: str
    nullable: bool = True


def _cols(*rows: tuple) -> tuple[Column, ...]:
    return tuple(Column(*r) for r in rows)


TABLES: dict[str, tuple[Column, ...]] = {
    "articles": _cols(
        ("article_id", "VARCHAR", "stable id: hash of outlet and URL (or outlet, day and text)", False),
        ("outlet", "VARCHAR", "canonical outlet name from the outlet registry (or as given)", False),
        ("outlet_raw", "VARCHAR", "outlet as it appeared in the input"),
        ("published_at", "TIMESTAMPTZ", "publication instant in UTC; NULL when missing or invalid"),
        ("day", "DATE", "UTC calendar day of published_at"),
        ("date_source", "VARCHAR", "where the date came from: column, feed, metadata, url, sidecar, front matter"),
        ("date_note", "VARCHAR", "why the date is missing, doubtful or was assumed (NULL when clean)"),
        ("title", "VARCHAR", "headline (stored apart from the text when there is a body)"),
        ("text", "VARCHAR", "canonical article text; every offset in the store points into it", False),
        ("text_origin", "VARCHAR", "body, or title+lead when the input had no body", False),
        ("url", "VARCHAR", "article URL as given"),
        ("url_norm", "VARCHAR", "URL without tracking parameters, fragment, www. and trailing slash"),
        ("source_id", "VARCHAR", "the record's own id in the input, if any"),
        ("source_file", "VARCHAR", "input file the record came from", False),
        ("source_row", "INTEGER", "1-based data row (CSV/Parquet), line (JSONL) or item (feed)"),
        ("n_words", "INTEGER", "number of words in text (runs of letters or digits)", False),
        ("n_copies", "INTEGER", "copies of this record in the input of the run that stored it (1 = no duplicate; "
                                "a later run's copies are duplicates, not counted here)", False),
        ("text_hash", "VARCHAR", "hash of the whitespace- and case-folded text", False),
        ("topics_raw", "VARCHAR", "topic labels from the input's topic column, as given"),
        ("lang", "VARCHAR", "language tag, if given"),
        ("extra", "VARCHAR", "unmapped input columns as a JSON object"),
        ("run_id", "VARCHAR", "the ingest run that stored the article", False),
    ),
    "rejects": _cols(
        ("run_id", "VARCHAR", "the run that saw the record", False),
        ("source_file", "VARCHAR", "input file", False),
        ("source_row", "INTEGER", "1-based data row, line or item; NULL when the whole file failed"),
        ("reason", "VARCHAR", "short reason code, e.g. no_text, no_outlet, bad_json, unreadable_file", False),
        ("detail", "VARCHAR", "what was wrong, in words", False),
        ("record", "VARCHAR", "the record as JSON (cut at 2,000 characters)"),
    ),
    "mentions": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("start_char", "INTEGER", "offset of the first character in articles.text", False),
        ("end_char", "INTEGER", "offset after the last character (exclusive)", False),
        ("text", "VARCHAR", "the matched text exactly as in the article", False),
        ("term", "VARCHAR", "lexicon term (canonical form) that matched", False),
        ("category", "VARCHAR", "lexicon category", False),
        ("target", "VARCHAR", "who or what the term labels, from the lexicon"),
        ("counterpart", "VARCHAR", "neutral counterpart, from the lexicon"),
        ("voice", "VARCHAR", "outlet, quoted or attributed", False),
        ("speaker", "VARCHAR", "speaker of the quotation or reported speech, when found"),
        ("quote_id", "INTEGER", "quotes.quote_id of the span that gave the voice"),
    ),
    "quotes": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("quote_id", "INTEGER", "0-based index of the span within the article", False),
        ("start_char", "INTEGER", "offset of the span in articles.text", False),
        ("end_char", "INTEGER", "end offset (exclusive)", False),
        ("kind", "VARCHAR", "direct (inside quotation marks) or reported (reported speech)", False),
        ("speaker", "VARCHAR", "who is quoted, when found"),
        ("cue", "VARCHAR", "reporting verb or phrase, e.g. said, according to"),
        ("closed", "BOOLEAN", "false when a quotation mark was never closed in its paragraph", False),
    ),
    "article_topics": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("topic", "VARCHAR", "topic name; '(no topic)' when none applies", False),
        ("source", "VARCHAR", "query (topic definition), column (input topic column) or none", False),
    ),
    "article_scores": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("voice", "VARCHAR", "outlet, quoted or attributed", False),
        ("n_words", "INTEGER", "words of the text in this voice", False),
        ("n_mentions", "INTEGER", "lexicon mentions in this voice (all categories)", False),
    ),
    "article_clusters": _cols(
        ("article_id", "VARCHAR", "article that has near-identical copies at other outlets or URLs", False),
        ("cluster_id", "VARCHAR", "id of the cluster: the article_id of its earliest member", False),
        ("n_members", "INTEGER", "articles in the cluster", False),
        ("n_outlets", "INTEGER", "distinct outlets in the cluster", False),
        ("is_first", "BOOLEAN", "true for the earliest member (the copy that appeared first)", False),
        ("syndicated", "BOOLEAN", "true when the text appears at two or more outlets, or repeats with a wire "
                                  "dateline such as '(Reuters) -' (wire copy); first copy included", False),
        ("similarity", "DOUBLE", "estimated Jaccard similarity of word 5-shingles to the first member", False),
    ),
    "article_frames": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("frame", "VARCHAR", "frame key (pipelines.frames.FRAMES): economic ... external_regulation, other", False),
        ("method", "VARCHAR", "lexicon (frame lexicon, data/frames) or model (framewatch frames apply)", False),
        ("score", "DOUBLE", "lexicon: frame-lexicon tokens in the article, every voice (0 for other); "
                            "model: calibrated probability", False),
        ("uses_frame", "BOOLEAN", "lexicon: score >= the frame threshold (3, Field et al. 2018); other: no "
                                  "substantive frame used; model: the model's decision", False),
    ),
    "frame_mentions": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("frame", "VARCHAR", "frame key of the term", False),
        ("term", "VARCHAR", "frame-lexicon term (canonical form) that matched", False),
        ("start_char", "INTEGER", "offset of the first character in articles.text", False),
        ("end_char", "INTEGER", "offset after the last character (exclusive)", False),
        ("voice", "VARCHAR", "outlet, quoted or attributed", False),
        ("speaker", "VARCHAR", "speaker of the quotation or reported speech, when found"),
    ),
    "frame_lexicon": _cols(
        ("term", "VARCHAR", "canonical term", False),
        ("variants", "VARCHAR", "other spellings, '|'-separated"),
        ("frame", "VARCHAR", "frame key, or '(stop phrase)'", False),
        ("note", "VARCHAR", "why the term signals the frame"),
        ("ignore", "BOOLEAN", "true for stop phrases that only block shorter terms", False),
        ("source", "VARCHAR", "file it came from", False),
    ),
    "pair_mentions": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("pair_id", "VARCHAR", "pairs.pair_id of the counterpart pair", False),
        ("form", "VARCHAR", "loaded (a lexicon term of the pair) or counterpart (its plain counterpart)", False),
        ("term", "VARCHAR", "canonical spelling of the form that matched (lexicon term or counterpart)", False),
        ("start_char", "INTEGER", "offset of the first character in articles.text", False),
        ("end_char", "INTEGER", "offset after the last character (exclusive)", False),
        ("voice", "VARCHAR", "outlet, quoted or attributed", False),
        ("speaker", "VARCHAR", "speaker of the quotation or reported speech, when found"),
    ),
    "pairs": _cols(
        ("pair_id", "VARCHAR", "short id of the counterpart pair", False),
        ("concept", "VARCHAR", "what both forms name"),
        ("loaded", "VARCHAR", "lexicon terms of the loaded form, '|'-separated", False),
        ("loaded_spellings", "VARCHAR", "every spelling matched as the loaded form (terms and variants), '|'-separated",
         False),
        ("counterpart", "VARCHAR", "the plain counterpart phrase (the lexicon's counterpart of the loaded terms)", False),
        ("counterpart_spellings", "VARCHAR", "every spelling matched as the counterpart, '|'-separated", False),
        ("category", "VARCHAR", "lexicon category of the loaded terms", False),
        ("contested", "VARCHAR", "who holds the counterpart itself to be loaded; NULL when it is the plain word"),
        ("note", "VARCHAR", "who uses the loaded form and why it is loaded"),
        ("source", "VARCHAR", "pairs file it came from", False),
    ),
    "daily": _cols(
        ("outlet", "VARCHAR", "outlet", False),
        ("topic", "VARCHAR", "topic, '(no topic)', or '(all topics)' for every article once", False),
        ("day", "DATE", "UTC day", False),
        ("category", "VARCHAR", "lexicon category, or 'all'", False),
        ("voice", "VARCHAR", "outlet, quoted, attributed, or 'all'", False),
        ("n_articles", "INTEGER", "articles of the outlet, topic and day (denominator of shares)", False),
        ("n_words", "BIGINT", "words of those articles in this voice (denominator of rates)", False),
        ("n_mentions", "BIGINT", "mentions of the category in this voice", False),
        ("n_articles_with_mention", "INTEGER", "articles with at least one such mention", False),
    ),
    "article_counts": _cols(
        ("article_id", "VARCHAR", "dated article (articles.day not NULL; undated ones are never charted)", False),
        ("voice", "VARCHAR", "outlet, quoted, attributed, or 'all' (every voice)", False),
        ("outlet", "VARCHAR", "articles.outlet", False),
        ("day", "DATE", "articles.day", False),
        ("n_words", "INTEGER", "words in this voice (article_scores.n_words, 0 without a row; articles.n_words "
                               "for 'all')", False),
        ("n_mentions", "INTEGER", "mentions in this voice, every category (count of mentions rows)", False),
        ("counts", "INTEGER[]", "mentions in this voice per category, in the order of "
                                "article_count_categories.position (counts[position], 1-based)", False),
        ("topic_bits", "UBIGINT", "the article's topics that have a bit in article_count_topics: bit b "
                                  "(1 << b) set for the topic with article_count_topics.bit = b (NULL: a store "
                                  "whose article_counts was built before the column existed)"),
        ("copy_flags", "UTINYINT", "what article_clusters says of the article: 1 in a cluster flagged "
                                   "syndicated, 2 a later copy (not is_first), or-ed; 0 in no cluster (NULL: "
                                   "built before the column existed)"),
    ),
    "article_count_categories": _cols(
        ("position", "INTEGER", "1-based index of the category in article_counts.counts", False),
        ("category", "VARCHAR", "a category that occurs in mentions (sorted by name)", False),
    ),
    "article_count_topics": _cols(
        ("bit", "INTEGER", "0-based bit of the topic in article_counts.topic_bits (0 to 63)", False),
        ("topic", "VARCHAR", "a topic of article_topics: the 64 with the most articles, then by name, "
                             "bit 0 the most frequent", False),
    ),
    "lexicon": _cols(
        ("term", "VARCHAR", "canonical term", False),
        ("variants", "VARCHAR", "other spellings, '|'-separated"),
        ("category", "VARCHAR", "category", False),
        ("target", "VARCHAR", "who or what it labels"),
        ("counterpart", "VARCHAR", "neutral counterpart"),
        ("note", "VARCHAR", "why it is loaded"),
        ("ignore", "BOOLEAN", "true for stop phrases that only block shorter terms", False),
        ("source", "VARCHAR", "file it came from", False),
        ("extra", "VARCHAR", "other columns of the lexicon file as JSON"),
    ),
    "topics": _cols(
        ("topic", "VARCHAR", "topic name", False),
        ("query", "VARCHAR", "boolean keyword query; NULL for topics from an input column"),
        ("source", "VARCHAR", "file the definition came from, or the input column", False),
    ),
    "outlets": _cols(
        ("outlet", "VARCHAR", "canonical outlet name", False),
        ("country", "VARCHAR", "country code or name"),
        ("type", "VARCHAR", "e.g. state-affiliated, public broadcaster, commercial, wire, synthetic"),
        ("in_registry", "BOOLEAN", "false for outlets not found in the registry", False),
    ),
    "coverage": _cols(
        ("outlet", "VARCHAR", "canonical outlet name", False),
        ("day", "DATE", "UTC day", False),
        ("collected", "BOOLEAN", "false when the collector was down that day (a gap, never a zero)", False),
        ("articles_fetched", "INTEGER", "articles the collector reported for the day, if given"),
        ("source_file", "VARCHAR", "coverage file", False),
    ),
    "target_mentions": _cols(
        ("article_id", "VARCHAR", "article", False),
        ("target", "VARCHAR", "target named in the sentence (gazetteer name); one row per target per sentence", False),
        ("alias", "VARCHAR", "the gazetteer name of the target's first mention in the sentence", False),
        ("start_char", "INTEGER", "offset of that mention in articles.text", False),
        ("end_char", "INTEGER", "end offset of that mention (exclusive)", False),
        ("sent_start", "INTEGER", "offset of the sentence in articles.text", False),
        ("sent_end", "INTEGER", "end offset of the sentence (exclusive)", False),
        ("voice", "VARCHAR", "voice of that mention: outlet, quoted or attributed", False),
        ("speaker", "VARCHAR", "speaker of the quotation or reported speech, when found"),
        ("n_targets", "INTEGER", "distinct targets named in the sentence (they share its tone)", False),
        ("compound", "DOUBLE", "VADER compound score of the sentence, target names masked, in [-1, 1]", False),
        ("pos", "DOUBLE", "VADER proportion of positive text in the sentence", False),
        ("neu", "DOUBLE", "VADER proportion of neutral text", False),
        ("neg", "DOUBLE", "VADER proportion of negative text", False),
    ),
    "targets": _cols(
        ("target", "VARCHAR", "target name", False),
        ("kind", "VARCHAR", "country, bloc, organisation or group", False),
        ("alias", "VARCHAR", "one of its names, or a phrase that blocks a name", False),
        ("alias_kind", "VARCHAR", "name, metonym, demonym or block", False),
        ("match_case", "BOOLEAN", "true when the name matches only with its capitals", False),
        ("note", "VARCHAR", "the gazetteer's note on the target"),
        ("source", "VARCHAR", "gazetteer file", False),
        ("version", "VARCHAR", "content hash of the gazetteer (tgt-...)", False),
    ),
    "feed_state": _cols(
        ("feed_url", "VARCHAR", "feed URL as listed in the feeds file (framewatch collect)", False),
        ("outlet", "VARCHAR", "outlet the feed is linked to", False),
        ("etag", "VARCHAR", "ETag of the last answer whose items were all handled; sent as If-None-Match"),
        ("last_modified", "VARCHAR", "Last-Modified of that answer; sent as If-Modified-Since"),
        ("last_checked", "TIMESTAMPTZ", "when the feed was last requested (UTC)", False),
        ("last_status", "VARCHAR", "HTTP status of the last request (200, 304, 500 ...) or a failure reason"),
        ("last_error", "VARCHAR", "why the last request failed, in words (NULL when it did not)"),
        ("n_items_last", "INTEGER", "items the feed listed at its last 200 answer"),
        ("n_new_last", "INTEGER", "new items taken from it at the last request"),
    ),
    "runs": _cols(
        ("run_id", "VARCHAR", "run id", False),
        ("stage", "VARCHAR", "ingest, score, aggregate, run or collect", False),
        ("started_at", "TIMESTAMPTZ", "start (UTC)", False),
        ("elapsed_s", "DOUBLE", "wall-clock seconds", False),
        ("code_version", "VARCHAR", "framewatch version", False),
        ("lexicon_version", "VARCHAR", "content hash of the lexicon used"),
        ("settings", "VARCHAR", "options of the run as JSON", False),
        ("n_input", "INTEGER", "records read"),
        ("n_ingested", "INTEGER", "records stored as articles"),
        ("n_duplicates", "INTEGER", "records folded into an existing article"),
        ("n_rejected", "INTEGER", "records sent to rejects"),
        ("n_mentions", "INTEGER", "mentions found"),
        ("warnings", "VARCHAR", "warnings as a JSON list"),
        # Added after stores existed: pipelines.storage.ensure_tables adds them to an older store's runs.
        ("pairs_version", "VARCHAR", "content hash of the word-choice pairs used (pairs-...)"),
        ("topics_version", "VARCHAR", "content hash of the topic queries used (topics-...; not an input's topic column)"),
        ("frames_version", "VARCHAR", "content hash of the frame lexicon used (frames-...)"),
        ("frame_threshold", "INTEGER", "frame-lexicon tokens an article needed to use a frame"),
        ("targets_version", "VARCHAR", "content hash of the targets gazetteer used (tgt-...)"),
        ("rules_version", "VARCHAR", "version of the scoring rules used (pipelines.rules.RULES_VERSION: r3 ...; "
                                     "NULL: a store from before it was recorded, unknown rules)"),
        ("n_name_hits", "INTEGER", "lexicon hits left out as parts of proper names in the articles this run scored "
                                   "(pipelines.lexicon.name_parts; NULL: the run scored nothing, or the store "
                                   "predates the column)"),
        ("name_hit_terms", "VARCHAR", "those hits by lexicon term, as a JSON object {term: hits}, most first"),
    ),
}


def ddl(name: str) -> str:
    """``CREATE TABLE`` statement for table *name*."""
    cols = ", ".join(f'"{c.name}" {c.sql}{"" if c.nullable else " NOT NULL"}' for c in TABLES[name])
    return f'CREATE TABLE "{name}" ({cols})'


def column_names(name: str) -> list[str]:
    return [c.name for c in TABLES[name]]


def check_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check *df* against table *name*; return it with columns in declared order.

    Raises
    ------
    StoreError
        When a column is missing or extra, or a NOT NULL column holds nulls.
    """
    if name not in TABLES:
        raise StoreError(f"unknown table {name!r}", expected=", ".join(TABLES), found=name)
    want = column_names(name)
    missing = [c for c in want if c not in df.columns]
    extra = [c for c in df.columns if c not in want]
    if missing or extra:
        raise StoreError(
            f"frame does not match table {name!r}",
            expected=f"columns {want}",
            found=f"missing {missing}, extra {extra}",
            fix="this is a bug in framewatch: please report it with the command you ran",
        )
    for col in TABLES[name]:
        if not col.nullable and len(df) and df[col.name].isna().any():
            raise StoreError(
                f"null values in NOT NULL column {name}.{col.name}",
                expected="a value on every row",
                found=f"{int(df[col.name].isna().sum())} nulls",
                fix="this is a bug in framewatch: please report it with the command you ran",
            )
    return df[want]
