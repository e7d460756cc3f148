"""``python -m dasv`` is the ``dasv`` command."""

from dasv.cli import main

main()
