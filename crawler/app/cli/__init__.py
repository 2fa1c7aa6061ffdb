"""The ``morgue`` command line: each command parses, calls one library function, formats.

One module per family of commands; ``base`` holds what they share (state, shared options,
errors and exit codes), ``root`` the group and the mapping of library errors to exit codes.
"""

from __future__ import annotations

from crawler.app.cli import archive, demo, jobs, reextract, reports, serve, verify  # noqa: F401 - each registers its commands
from crawler.app.cli.root import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="morgue")
