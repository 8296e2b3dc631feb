"""Module-level settings read by tests/objects_probe_functions.py."""

import numpy as np

WEIGHTS = np.array([1.0, 2.0, 3.0])
RATE = 0.5
