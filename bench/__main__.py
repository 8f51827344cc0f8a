"""`python -m bench`: see bench.running."""

import sys

from bench.running import main

sys.exit(main())
