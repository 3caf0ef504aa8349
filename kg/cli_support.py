"""What kg's commands share besides their options: running the app so that every usage error
is one line on stderr, the progress bar (with a total when one is cheap to count), and the rule
that a run which read no document writes nothing."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

from .errors import KgError, NothingRead, StrictFailure

try:  # typer from 0.26 on carries its own copy of click and raises that copy's exceptions
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older typer uses the click package
    from click import exceptions as _click_exceptions

__all__ = ["run_app", "check_outcome", "document_progress", "terminal_width"]


def run_app(app: Any, *, prog_name: str = "kg", args: Sequence[str] | None = None) -> int:
    """Run the typer app; returns the exit code. Usage errors (a missing argument, an unknown
    option) and kg's own errors are one line on stderr, never click's box or a traceback."""
    try:
        code = app(prog_name=prog_name, args=args, standalone_mode=False)
    except _click_exceptions.NoArgsIsHelpError as error:  # plain `kg`: the help, as asked for
        print(error.format_message())
        return 0
    except _click_exceptions.UsageError as error:
        command = error.ctx.command_path if error.ctx is not None else prog_name
        print(f"{prog_name}: error: {_one_line(error.format_message()).rstrip('.')} (see {command} --help)", file=sys.stderr)
        return error.exit_code
    except _click_exceptions.ClickException as error:
        print(f"{prog_name}: error: {_one_line(error.format_message())}", file=sys.stderr)
        return error.exit_code
    except typer.Abort:  # a prompt (the Neo4j password) given end-of-file or Ctrl-C
        print(f"{prog_name}: interrupted", file=sys.stderr)
        return 130
    except KgError as error:
        print(f"{prog_name}: error: {_one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{prog_name}: interrupted", file=sys.stderr)
        return 130
    if code == 130:  # typer turned Ctrl-C into exit code 130
        print(f"{prog_name}: interrupted", file=sys.stderr)
    return code if isinstance(code, int) else 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_outcome(summary: Any, *, strict: bool, out: str | None) -> None:
    """Called after a build and before anything is written: raises NothingRead (exit 2) when no
    document could be read, StrictFailure (exit 1) when ``strict`` and an input was skipped."""
    kept = f"; {out} left as it was" if out and out != "-" else ""
    skipped = len(summary.skipped)
    if summary.documents == 0:
        why = f"{skipped} input{'s' if skipped != 1 else ''} skipped" if skipped else "no documents found in the inputs"
        raise NothingRead(f"nothing to do: no document could be read ({why}){kept}")
    if strict and skipped:
        raise StrictFailure(f"--strict: {skipped} input{'s' if skipped != 1 else ''} skipped, nothing written{kept}")


def document_progress(inputs: Sequence[str] | None, *, quiet: bool, desc: str = "documents"):
    """A tqdm bar on stderr (shown on terminals only) counting documents; with a total and an ETA
    when the inputs can be counted cheaply (files, JSON lines), else a count and a rate."""
    from tqdm import tqdm

    total = None
    if inputs and not quiet and sys.stderr.isatty():
        from .ingest import count_documents

        total = count_documents(inputs)
    return tqdm(desc=desc, unit="doc", total=total, disable=True if quiet else None, file=sys.stderr, leave=False)


def terminal_width() -> int | None:
    """The terminal's width when standard output is one (tables fit it), else None: a pipe or a
    file gets every cell whole."""
    import shutil

    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns
