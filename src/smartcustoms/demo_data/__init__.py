"""Illustrative data for `smartcustoms demo` (not official rates)."""
