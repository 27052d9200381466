"""The sampling methods (constants only: the command line reads them without loading numpy)."""

__all__ = ["CLI_DEFAULT_METHOD", "METHODS", "MIN_REPLICATES", "REPLICATE_METHODS"]

METHODS = ("random", "lhs", "sobol")
# The command line's default: of the three, Latin hypercube brings every headline P85 to a
# Monte Carlo error of EUR 1 M first (benchmarks/bench_cli.py --precision-race, recorded in
# docs/performance.md: 0.52 M draws in 2.6 s, against 1.18 M in 3.1 s for random draws and
# 0.52 M in 3.6 s for Sobol). The API keeps ``method="random"`` so that seeded scripts keep
# their numbers.
CLI_DEFAULT_METHOD = "lhs"
# Methods whose blocks are independent replicates of a design: their Monte Carlo error
# comes from the spread between blocks (nplv_sim.precision), after at least this many.
REPLICATE_METHODS = ("lhs", "sobol")
MIN_REPLICATES = 8
