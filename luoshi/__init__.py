"""Luoshi (落实): a district party committee's platform for getting decisions done."""

__version__ = "0.1.0"
