"""``python -m advisor_tui.cli``, as ``advisor-tui``."""

import sys

from advisor_tui.cli import main

sys.exit(main())
