"""Lowering: rewrites only specialised gradients get, with every argument's shape known
(lower.py: the `lower` and `polish` passes and the run-time helper calls as NumPy; each other
module one rewrite)."""
