"""Republication on a hand-made store: one story at Outlet A (06:00), copied by Outlet B (+2.5 h) and
Outlet C (+24 h, with a footer); b1 (Outlet B) and d1 (Outlet D) are own reporting."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.republication import (cluster_summary, copy_shares, lag_text, republication_flows,
                                     republished_copies, word_diff)
from pipelines.rollups import Filters, article_count
from pipelines.storage import connect
from tests.dashboard.store_factory import build_republication_store


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(build_republication_store(tmp_path_factory.mktemp("repub")), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def ids(con):
    return dict(con.execute("SELECT source_id, article_id FROM articles").fetchall())


def test_copies_carry_their_first_copy_and_lag(con, ids):
    c = republished_copies(con, Filters(voice="all"))
    assert c["article_id"].tolist() == [ids["r1"], ids["r2"], ids["r3"]]
    assert c["outlet"].tolist() == ["Outlet A", "Outlet B", "Outlet C"]
    assert c["is_first"].tolist() == [True, False, False]
    assert set(c["first_outlet"]) == {"Outlet A"} and set(c["cluster_id"]) == {ids["r1"]}
    assert c["lag_hours"].tolist() == [0.0, 2.5, 24.0]            # 06:00, 08:30, next day 06:00
    assert c["similarity"].iloc[1] == 1.0 and 0.7 <= c["similarity"].iloc[2] < 1.0   # the footer


def test_cluster_summary_by_hand(con):
    s = cluster_summary(republished_copies(con, Filters()))
    assert len(s) == 1
    row = s.iloc[0]
    assert row["story"] == "Grain corridor talks resume" and row["first_outlet"] == "Outlet A"
    assert (row["n_copies"], row["n_outlets"]) == (3, 3)
    assert row["republished_by"] == "Outlet B (+2.5 h), Outlet C (+24 h)"
    assert row["max_lag_hours"] == 24.0 and row["min_similarity"] < 1.0


def test_flows_count_first_to_copier(con):
    f = republication_flows(republished_copies(con, Filters()))
    assert f[["first_outlet", "outlet", "n_copies", "median_lag_hours"]].values.tolist() == [
        ["Outlet A", "Outlet B", 1, 2.5], ["Outlet A", "Outlet C", 1, 24.0]]


def test_copy_shares_with_wilson_interval(con):
    c = republished_copies(con, Filters())
    s = copy_shares(con, Filters(), c).set_index("outlet")
    assert s["n_articles"].to_dict() == {"Outlet A": 1, "Outlet B": 2, "Outlet C": 1, "Outlet D": 1}
    assert s["n_copies"].to_dict() == {"Outlet A": 0, "Outlet B": 1, "Outlet C": 1, "Outlet D": 0}
    assert s.loc["Outlet B", "share"] == 0.5
    # Wilson 95 % for 1 of 2: centre 0.5, half-width 1.96·sqrt(0.125 + 1.96²/16) / (1 + 1.96²/2) = 0.4055
    assert s.loc["Outlet B", "share_low"] == pytest.approx(0.0945, abs=1e-4)
    assert s.loc["Outlet B", "share_high"] == pytest.approx(0.9055, abs=1e-4)


def test_a_copy_names_its_first_copy_outside_the_selection(con, ids):
    only_b = Filters(outlets=("Outlet B",))
    c = republished_copies(con, only_b)
    assert c["article_id"].tolist() == [ids["r2"]] and c["first_outlet"].tolist() == ["Outlet A"]
    assert c["lag_hours"].tolist() == [2.5]
    s = cluster_summary(c).iloc[0]
    assert s["first_outlet"] == "Outlet A" and s["n_copies"] == 1 and s["republished_by"] == "Outlet B (+2.5 h)"
    assert copy_shares(con, only_b, c)[["outlet", "n_articles", "n_copies"]].values.tolist() == [["Outlet B", 2, 1]]


@pytest.mark.parametrize("copies, expected", [
    ("every", 5),   # r1, r2, r3, b1, d1
    ("once", 3),    # r1 (the first copy), b1, d1
    ("none", 2),    # b1, d1: the whole wire cluster goes, its first copy included
])
def test_the_switch_counts_by_hand(con, copies, expected):
    assert article_count(con, Filters(copies=copies)) == expected


def test_count_once_keeps_the_first_copy_even_when_its_outlet_is_not_selected(con):
    assert article_count(con, Filters(outlets=("Outlet B", "Outlet C"), copies="once")) == 1   # b1 only


def test_the_page_ignores_the_switch(con):
    assert len(republished_copies(con, Filters(copies="none"))) == 3


def test_unknown_copies_mode_is_refused():
    with pytest.raises(ValueError, match="copies must be one of"):
        Filters(copies="some")


@pytest.mark.parametrize("hours, text", [(0.0, "+0.0 h"), (2.5, "+2.5 h"), (24.0, "+24 h"), (float("nan"), "time unknown")])
def test_lag_text(hours, text):
    assert lag_text(hours) == text


def test_word_diff_by_hand():
    assert word_diff("Navy ships began drills.", "Navy ships began war games. Follow us.") == [
        ("same", "Navy ships began "), ("removed", "drills."), ("added", "war games. Follow us.")]


@given(st.text(alphabet="ab \n", max_size=30), st.text(alphabet="ab \n", max_size=30))
def test_word_diff_rebuilds_both_texts(first, copy):
    runs = word_diff(first, copy)
    assert "".join(t for op, t in runs if op != "added") == first
    assert "".join(t for op, t in runs if op != "removed") == copy
