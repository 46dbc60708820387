"""Checks of the web target: the manufacturer's public obligations and the product's HTTP(S) backends."""
