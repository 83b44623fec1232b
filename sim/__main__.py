"""Allow ``python -m sim``."""

from .cli import main

main()
