"""The validation figures (docs/validation.json, written by ``framewatch evaluate``) in the app:
next to the loaded-wording method notes and on the About page."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pipelines.evaluate import VALIDATION_JSON, read_validation

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def _app(store) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["store_path"] = str(store)
    return at.run()


def test_the_repository_ships_the_current_report():
    report = read_validation()
    assert report is not None, f"{VALIDATION_JSON} missing: run framewatch evaluate"
    assert [r["name"] for r in report["lexicon"]] == ["babe", "mbic", "basil"]
    assert (VALIDATION_JSON.parent / "validation.md").is_file()


def test_trends_method_note_carries_the_validated_figures(store_path):
    at = _app(store_path)
    note = "\n".join(m.value for m in at.expander[0].markdown)
    babe = read_validation()["lexicon"][0]["outlet"]
    assert "**Validated**" in note
    assert f"- BABE (3,674 sentences): precision {babe['overlap']['precision']['value']:.2f} (" in note
    assert f"of {babe['n_hits']:,} outlet-voice hits" in note
    # The test store's lexicon is not the validated one, and the note says so.
    assert "This store uses lexicon `lex-test-0001`, not the one validated." in note


def test_about_page_shows_the_validation_table_and_its_download(store_path):
    at = _app(store_path)
    at.switch_page("views/about.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Validation against gold sets" in [h.value for h in at.subheader]
    df = next(d.value for d in at.dataframe if "gold_set" in d.value.columns)
    assert set(df["gold_set"]) >= {"BABE (expert annotators)", "MBIC (crowd annotators)", "BASIL (lexical-bias spans)"}
    assert "**Validated**" in "\n".join(m.value for m in at.markdown)
    assert "Download validation figures (CSV)" in [b.proto.label for b in at.get("download_button")]


def test_frames_note_names_the_validated_frame_lexicon_and_says_when_the_store_differs(store_path):
    from dashboard.notes import validated
    from pipelines.frames import BUILTIN_FRAMES, frames_version, read_frames_lexicon

    shipped = frames_version(read_frames_lexicon(BUILTIN_FRAMES)[0])
    assert read_validation()["frames"]["frames_version"] == shipped      # one name: frames-<hash>
    assert shipped in (VALIDATION_JSON.parent / "validation.md").read_text(encoding="utf-8")
    assert f"frame lexicon `{shipped}`" in validated("frames", shipped)
    assert "not the one validated" not in validated("frames", shipped)
    # The test store is scored with its own seven-term frame lexicon; the Frames page says so.
    at = _app(store_path)
    at.switch_page("views/frames.py").run()
    note = at.expander[0].markdown[0].value
    store_version = next(p for p in at.caption[0].value.split(" · ") if p.startswith("frame lexicon version"))
    mine = store_version.removeprefix("frame lexicon version ")
    assert mine.startswith("frames-") and mine != shipped
    assert f"This store uses frame lexicon `{mine}`, not the one validated." in note
    at.switch_page("views/about.py").run()
    assert f"This store uses frame lexicon `{mine}`, not the one validated." in "\n".join(m.value for m in at.markdown)
    assert f"frame lexicon version {mine}." in at.caption[0].value
