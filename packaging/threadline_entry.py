"""Entry point PyInstaller freezes: the same ``main()`` as ``python -m threadline``."""

import sys

from threadline.cli import main

if __name__ == "__main__":
    sys.exit(main())
