"""Simulation of a DoLS service (SimPy), its KPIs and experiments; and the dols-sim command line."""
