"""`python -m kis_estimator.cli`: the same `kis` command."""

from kis_estimator.cli import app

app()
