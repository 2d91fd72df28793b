"""Simulation of a DoLS service: scenarios, the SimPy model, KPIs and replications."""
