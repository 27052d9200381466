"""Numerical core of nplv-sim: numpy and scipy only.

Layer contract: nothing in ``nplv_sim.core`` imports xarray, matplotlib, tomllib or
touches files. It knows positions, not labels: components, sources and inputs are
indices into arrays prepared by :mod:`nplv_sim.compiled`. A test imports this package in
a fresh interpreter and checks that xarray stays unloaded.
"""
