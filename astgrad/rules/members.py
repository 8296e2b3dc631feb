"""What the passes know about the methods and attributes of NumPy's arrays and Python's lists that
are not NumPy functions (those, `x.sum(1)` as np.sum, are described with their functions):
`x.T` and `x.view()` may be x's memory, `xs.append(v)` and `x.fill(v)` change their object in
place, `x.shape` describes the array without its values. Passes ask `registry.member_names(fact)`.
"""

import numpy as np

from .registry import describe

# the array itself or a view of its memory (analysis.py: viewing)
describe(np.ndarray.view, np.ndarray.T, np.ndarray.flat, views=True)
# change their object in place (analysis.py, optimize.py, normalize.py, taped_rows.py)
describe(list.append, list.extend, list.insert, list.pop, list.sort, np.ndarray.sort, np.ndarray.fill, writes=True)
describe(np.ndarray.resize, np.ndarray.put, np.ndarray.partition, writes=True)
describe(
    list.clear, list.remove, list.reverse, dict.update, dict.pop, dict.popitem, dict.clear, dict.setdefault, writes=True
)
# new objects describing the array, not its values: no derivative, no shared memory, decide
# nothing (normalize.py, analysis.py, optimize.py, rounding.py)
describe(
    np.ndarray.shape, np.ndarray.dtype, np.ndarray.ndim, np.ndarray.size, np.ndarray.itemsize, np.ndarray.nbytes,
    metadata=True,
)  # fmt: skip
# continuous in the values they read: reading a value through them decides nothing (rounding.py)
describe(
    np.ndarray.dot, np.ndarray.sum, np.ndarray.mean, np.ndarray.reshape, np.ndarray.copy, np.ndarray.transpose,
    np.ndarray.max, np.ndarray.min, list.append, list.pop,
    continuous=True,
)  # fmt: skip
