"""The floor for ``bench_dashboard_queries.py --render``: a trivial Streamlit page with a two-trace plotly chart.

Served with the dashboard's own command line (same flags), it costs what any Streamlit page
with a plotly chart costs: the JS bundle, the websocket, one tiny script run, drawing one
small chart. No store, no query.
"""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.title("Render floor")
st.plotly_chart(go.Figure([go.Scatter(x=[1, 2, 3], y=[1, 3, 2], name="a"),
                           go.Scatter(x=[1, 2, 3], y=[2, 1, 3], name="b")]))
