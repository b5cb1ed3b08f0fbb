"""The framewatch Streamlit dashboard: a router (``app.py``), thin pages, cached loaders and pure chart builders."""
