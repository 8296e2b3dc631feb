"""Specialised gradients: code generated for the types and shapes of a first call's arguments
(dispatch.py), and the passes only such code gets, in the order pipeline.py lists them: taped rows,
batching, lowering/, replay, algebra, hoisting, einsum reductions, dot products."""
