"""`python -m astgrad`: the command line (astgrad/tools/cli.py)."""

import sys

from astgrad.tools.cli import main

sys.exit(main())
