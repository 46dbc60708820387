"""Checks of what the manufacturer's documents say (``doc.*``), one module per check."""
