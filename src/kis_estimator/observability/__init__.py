"""Logs, metrics and traces: JSON log lines and Prometheus metrics (metrics.py), optional OpenTelemetry traces and Sentry reports (telemetry.py)."""
