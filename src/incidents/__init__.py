"""Cloud-vendor reliability report: incident data, reliability statistics and the CIO report."""

__version__ = "0.1.0"
