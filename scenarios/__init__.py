"""The shipped example scenarios, as package data (``importlib.resources.files("dols_scenarios")``)."""
