"""Shared pytest configuration."""

import os

# Plots must never try to open a browser or a window in tests.
os.environ.setdefault("MPLBACKEND", "Agg")
