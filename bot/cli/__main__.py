"""`python -m bot.cli`: the same as the `wufei` command."""

from bot.cli import main

raise SystemExit(main())
