import sys

from lablib.cli import main

sys.exit(main())
