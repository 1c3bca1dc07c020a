"""``python -m threadline`` starts the desktop application."""

import sys

from threadline.app import main

sys.exit(main())
