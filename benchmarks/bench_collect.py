"""Time `framewatch collect` adding a few new articles to a real store, against a full rescore.

For each corpus (RUWA, KCNA from ../shared/corpora), all but the last --new rows are built into a
temporary store with `run_pipeline`; the held-out rows are then served as RSS feeds (one per
outlet, full text in content:encoded) by a server on 127.0.0.1 and collected with
`collect_feeds` (no waits: --rate 0). Printed: the articles scored by the collect (only the new
ones), its wall time (fetch, ingest, incremental score, syndication clusters over the whole
store, daily, atomic swap of the store file), and the wall time of `run_score` rescoring every
article of the same store, as `framewatch score` does. Medians of --repeat runs.

    .venv/bin/python benchmarks/bench_collect.py            # --new 50 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import http.server
import shutil
import statistics
import tempfile
import threading
import time
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from pipelines.collect import CollectOptions, Feed, PoliteClient, collect_feeds
from pipelines.ingest import IngestOptions
from pipelines.outlets import read_registry
from pipelines.run import ScoreOptions, run_pipeline, run_score

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CASES = [("ruwa_ukraine_war_2022", "ruwa_dev.csv", "event", "outlet_domain", "desc", "date"),
         ("kcna_2024", "kcna_articles.csv", "topics", "outlet", "story_text", "date")]


def serve(routes: dict[str, bytes]) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def feeds_of(rows: pd.DataFrame, outlet_col: str, text_col: str, date_col: str, port: int, registry):
    routes, feeds = {"/robots.txt": b"User-agent: *\nDisallow:\n"}, []
    for n, (outlet, group) in enumerate(rows.groupby(outlet_col)):
        items = []
        for r in group.itertuples(index=False):
            r = r._asdict()
            when = format_datetime(pd.Timestamp(r[date_col], tz="UTC").to_pydatetime())
            items.append(f"<item><title>{escape(str(r.get('title') or r.get('headline') or ''))}</title>"
                         f"<link>{escape(str(r['url']))}</link><pubDate>{when}</pubDate>"
                         f"<content:encoded>{escape(str(r[text_col]))}</content:encoded></item>")
        routes[f"/feed/{n}.xml"] = (
            '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{escape(outlet)}</title>{''.join(items)}</channel></rss>").encode("utf-8")
        name = registry.canonical(outlet)[0] or outlet
        feeds.append(Feed(name, f"http://127.0.0.1:{port}/feed/{n}.xml"))
    return routes, feeds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--new", type=int, default=50, help="rows held out and collected from feeds (default 50)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    args = ap.parse_args()
    registry = read_registry()
    print(f"{'corpus':<24} {'stored':>7} {'new':>5} {'scored':>7} {'collect s':>10} {'full rescore s':>15}")
    for name, file, topic_col, outlet_col, text_col, date_col in CASES:
        path = CORPORA / name / file
        if not path.is_file():
            print(f"{name:<24} skipped: {path} not found")
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        base, new = df.iloc[:-args.new], df.iloc[-args.new:]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            base.to_csv(tmp / "base.csv", index=False, quoting=csv.QUOTE_MINIMAL)
            opts = ScoreOptions()
            run_pipeline(tmp / "base.duckdb", [tmp / "base.csv"], IngestOptions(topic_column=topic_col), opts)
            routes = {}
            server = serve(routes)
            try:
                feed_routes, feeds = feeds_of(new, outlet_col, text_col, date_col, server.server_address[1], registry)
                routes.update(feed_routes)
                collect_s, full_s, scored = [], [], None
                for _ in range(args.repeat):
                    store = tmp / "s.duckdb"
                    shutil.copyfile(tmp / "base.duckdb", store)
                    t0 = time.perf_counter()
                    summary = collect_feeds(store, feeds, CollectOptions(min_interval=0),
                                            client=PoliteClient(min_interval=0))
                    collect_s.append(time.perf_counter() - t0)
                    scored = summary.articles_scored
                    t0 = time.perf_counter()
                    run_score(store)
                    full_s.append(time.perf_counter() - t0)
                stored = len(base)
                print(f"{name:<24} {stored:>7} {summary.items_new:>5} {scored:>7} {statistics.median(collect_s):>10.2f} "
                      f"{statistics.median(full_s):>15.2f}")
            finally:
                server.shutdown()
                server.server_close()


if __name__ == "__main__":
    main()
