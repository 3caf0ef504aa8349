"""``kg view``: a graph file from ``kg build`` as one interactive HTML page, registered by kg.cli."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kg.errors import UsageError

__all__ = ["view_command"]


def view_command(
    graph: Annotated[str, typer.Argument(help="A graph .json written by `kg build --format json`.", show_default=False)],
    out: Annotated[Optional[str], typer.Option("--out", "-o", help="The HTML file to write (default: GRAPH with .html in place of .json).", show_default=False)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="The page's title (default: the graph file's name).", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
) -> None:
    """Write the graph as one self-contained HTML page that opens offline in any browser: entities
    coloured by type and sized by mentions, relations labelled, search by name or alias, filters by
    type, confidence and publication date, evidence sentences, and a map of places."""
    from kg.cli_neo4j import read_graph_file
    from kg.sinks.files import check_output
    from kg.sinks.html import write_html

    target = out or str(Path(graph).with_suffix(".html"))
    if target == "-":
        raise UsageError("kg view writes a file: pass --out FILE.html")
    if Path(target).suffix.lower() == ".json" or Path(target).resolve() == Path(graph).resolve():
        raise UsageError(f"--out {target} would replace a graph file: name an .html file")
    check_output(target)
    summary = write_html(read_graph_file(graph), target, title=title or Path(graph).stem)
    if not quiet:
        typer.echo(f"wrote {target} ({summary.line()})", err=True)
