"""The dols-sim web page (Streamlit): one module per tab, shared state in :mod:`page.state`, prose in
``text/*.md``. ``page/app.py`` is the script Streamlit runs (``dols-sim app``); the clone's root
``app.py`` is the same entry point. Nothing here holds model logic: it calls the same functions as the
command line. Only this package imports Streamlit.
"""
