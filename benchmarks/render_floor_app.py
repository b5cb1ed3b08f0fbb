"""The floor for ``bench_dashboard_queries.py --render``: a trivial Streamlit page with a two-line Vega-Lite chart.

Served with the dashboard's own command line (same flags), it costs what any Streamlit page
with a Vega-Lite chart (the Trends chart's kind) costs: the JS bundle, the websocket, one tiny
script run, drawing one small chart. No store, no query.
"""

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.title("Render floor")
st.vega_lite_chart({"title": "floor", "width": "container",
                    "data": {"values": [{"x": x, "y": y, "s": s} for s, ys in (("a", (1, 3, 2)), ("b", (2, 1, 3)))
                                        for x, y in zip((1, 2, 3), ys)]},
                    "mark": "line", "encoding": {"x": {"field": "x", "type": "quantitative"},
                                                 "y": {"field": "y", "type": "quantitative"},
                                                 "color": {"field": "s", "type": "nominal"}}}, width="stretch")
