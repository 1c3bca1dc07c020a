"""``python -m threadline`` starts the desktop application."""

import sys

from threadline.cli import main

sys.exit(main())
