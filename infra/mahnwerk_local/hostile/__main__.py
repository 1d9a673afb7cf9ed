"""``python -m mahnwerk_local.hostile``: run the campaign, optionally write the report."""

import sys

from .campaign import main

sys.exit(main())
