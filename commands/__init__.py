"""The ``dols-sim`` command line: one module per command group, one error path (:func:`commands.main.main`).

Each command module imports only what its command needs, inside the command: ``dols-sim --help`` loads no
data library at all, and ``dols-sim triage`` never loads the simulation, SciPy or Streamlit.
"""
