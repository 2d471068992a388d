import sys

from conneqt_dpo.cli import main

sys.exit(main())
