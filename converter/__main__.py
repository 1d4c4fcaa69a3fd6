"""`python -m converter` is `hearth-convert`."""
import sys

from converter.cli import main

sys.exit(main())
