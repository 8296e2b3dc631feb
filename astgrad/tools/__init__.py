"""Seeing and using gradients: evaluation traces, computational graphs, the cost of forward
against reverse mode, standalone export, and the command line. Built on the public API."""
