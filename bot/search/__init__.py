"""Fuzzy search over the catalog (imports no discord)."""
