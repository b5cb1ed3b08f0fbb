import pandas as pd
import pytest

from pipelines.errors import StoreError
from pipelines.schemas import TABLES, check_frame, column_names, ddl


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_ddl_and_meanings(name):
    assert ddl(name).startswith(f'CREATE TABLE "{name}"')
    assert all(c.meaning for c in TABLES[name])


def test_check_frame_orders_columns_and_rejects_extra():
    cols = column_names("article_topics")
    df = pd.DataFrame({"topic": ["NATO"], "source": ["query"], "article_id": ["a1"]})
    assert list(check_frame(df, "article_topics").columns) == cols
    with pytest.raises(StoreError, match="extra \\['oops'\\]"):
        check_frame(df.assign(oops=1), "article_topics")


def test_check_frame_rejects_null_in_not_null_column():
    df = pd.DataFrame({"article_id": [None], "topic": ["NATO"], "source": ["query"]})
    with pytest.raises(StoreError, match="NOT NULL column article_topics.article_id"):
        check_frame(df, "article_topics")
