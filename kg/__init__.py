"""kg: an offline knowledge-graph builder for news.

Library use mirrors the command line::

    from kg.pipeline import build, BuildOptions
    result = build(["seeds/"], options=BuildOptions())
    result.graph          # networkx.MultiDiGraph
"""
__version__ = "0.1.0"
