"""Allow ``python -m datalint``."""

from datalint.cli import main

main()
