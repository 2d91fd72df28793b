"""dols-sim web page: run with `dols-sim app` or `streamlit run app.py` (the page is :mod:`page.main`)."""

from page.main import main

if __name__ == "__main__":  # Streamlit runs the page as __main__; pool workers import it as __mp_main__
    main()
