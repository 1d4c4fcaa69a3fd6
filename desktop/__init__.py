"""Hearth: an offline desktop chat application for small local language models."""

__version__ = "0.1.0"
