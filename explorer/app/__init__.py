"""The Streamlit dashboard: the only code that imports streamlit."""
