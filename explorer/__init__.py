"""FAERS adverse-event signal explorer: load FDA's quarterly files into DuckDB and ask them questions."""

__version__ = "0.1.0"
