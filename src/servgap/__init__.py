"""servgap: customer expectation and satisfaction management for service businesses."""

__version__ = "0.1.0"
