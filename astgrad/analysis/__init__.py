"""Static analyses of normalized and generated code, each the one home of its facts: activity
and integers (activity.py), aliasing and views (aliasing.py), shapes (shapes.py, shape_facts.py,
expression_shapes.py), dtypes, rounding, shift invariance and the branches of np.where."""
