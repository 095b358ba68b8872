"""BPR Studio core: domain model, project store, survey import and export.

Nothing in this package imports Qt; the GUI lives in the top-level ``ui`` package.
"""

__version__ = "0.1.0"
