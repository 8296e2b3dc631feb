"""Specialised gradients: code generated for the types and shapes of a first call's arguments
(dispatch.py); the rewrites of the function before it is differentiated (canonical.py: one spelling
of products and lengths; lists.py: lists built by appends as preallocated arrays); and the passes
only such code gets, in the order pipeline.py lists them: taped rows, batching, lowering/, replay,
algebra, hoisting, einsum reductions, dot products."""
