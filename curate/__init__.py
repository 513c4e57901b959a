"""curate: reproducible, auditable training data for music language models."""

__version__ = "0.1.0"
