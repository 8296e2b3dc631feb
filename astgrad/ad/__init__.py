"""Automatic differentiation proper: reverse mode (reverse.py) and forward mode (forward.py) of a
normalized function, derivative templates spliced into generated code (templates.py), and the
assembly of the generated functions into one compiled program (assemble.py)."""
