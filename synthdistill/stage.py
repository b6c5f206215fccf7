"""What every stage script shares: argument parsing and clean failure messages."""

from __future__ import annotations

import argparse
import errno
import logging
import sqlite3
import sys
from collections.abc import Callable

from synthdistill.errors import AssetError, DataError, ParamsError, TeacherError

log = logging.getLogger("synthdistill")
EXPECTED = (DataError, ParamsError, TeacherError, AssetError, FileNotFoundError)


def parser(description: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--task", required=True, help="task name (a key of tasks: in params.yaml)")
    p.add_argument("--params", default="params.yaml", help="params file")
    return p


def run(main: Callable[[], None]) -> None:
    """Run a stage; expected failures print one clear message and exit 2."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        main()
    except EXPECTED as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (OSError, sqlite3.OperationalError) as exc:
        full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "full" in str(exc)
        hint = (
            "the disk is full: free space and re-run (teacher answers already received "
            "are cached; outputs are written atomically, so none is half-written)"
            if full
            else "the file system refused an operation"
        )
        print(f"error: {exc}; {hint}", file=sys.stderr)
        sys.exit(2)
