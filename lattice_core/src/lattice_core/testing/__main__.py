"""`python -m lattice_core.testing`: the same as `lattice-stripe fake-stripe`."""

import sys

from ..cli import main

sys.exit(main(["fake-stripe", *sys.argv[1:]]))
