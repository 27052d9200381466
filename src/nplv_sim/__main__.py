"""``python -m nplv_sim`` runs the command-line interface."""

from ._entry import run

run()
