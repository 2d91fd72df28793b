"""The script Streamlit runs for the dols-sim page (``dols-sim app``); the page itself is :mod:`page.main`."""

from page.main import main

if __name__ == "__main__":  # Streamlit runs the page as __main__; pool workers import it as __mp_main__
    main()
