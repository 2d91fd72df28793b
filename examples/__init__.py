"""The shipped synthetic export, as package data (``importlib.resources.files("dols_examples")``)."""
