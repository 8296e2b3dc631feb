"""The clean-up every generated function gets: constant folding, copy propagation, dead code,
fusion (cleanup.py), and what loops need not save or copy (loop_saves.py); pipeline.py runs them."""
