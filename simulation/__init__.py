"""Simulation of a DoLS service (scenarios, the SimPy model, KPIs, replications); the dols-sim CLI."""
