"""`python -m benchmarks`: see benchmarks/run.py. The thread limit is applied here, before NumPy
(and its BLAS) is imported."""

import sys

from .threads import limit_threads

limit_threads(sys.argv[1:])

from .run import main  # noqa: E402

sys.exit(main())
