"""KIS Estimator: quotations for Korean electrical distribution panels."""

__version__ = "0.1.0"
