"""posturelog: the application wiring sensor acquisition, storage, analysis and the weekly report."""

__version__ = "0.1.0"

__all__ = ["__version__"]
