"""Reading the YAML data files (catalog, deadlines, feeds): safely, with ``file:line`` problems.

The layer below every area that keeps data in YAML: ``yaml_reader`` parses with line
numbers and refuses risky YAML, ``fields`` reads a mapping's values by type, ``problems``
says what is wrong where. No discord, and nothing of the areas that use it.
"""

from bot.datafile.problems import (
    CatalogError,
    DataFileError,
    DeadlinesError,
    FeedsFileError,
    Problem,
    SourceLocation,
    display_path,
)

__all__ = [
    "CatalogError",
    "DataFileError",
    "DeadlinesError",
    "FeedsFileError",
    "Problem",
    "SourceLocation",
    "display_path",
]
