"""Normalization: a user function in A-normal form, one primitive operation per statement
(normalizer.py: the entry point and the statements; expressions.py: A-normal form of expressions;
control.py: control-flow restructuring; loops.py: loop lowering; writes.py: checks of in-place
writes through aliases; refusals.py: what it refuses, and how it says so)."""
