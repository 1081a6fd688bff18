"""`kis`: a thin shell over the use cases (ARCHITECTURE "CLI"). One module per command group; this one
assembles the app in the order `kis --help` lists the commands.

The command modules import only what `kis --help` needs; each command loads its heavy collaborators
(OR-Tools, the renderers, SQLAlchemy, uvicorn) when it runs.
"""

from __future__ import annotations

import typer

from kis_estimator.cli import catalog, db, evidence, keys, regression, release, storage
from kis_estimator.cli.compare import compare_command
from kis_estimator.cli.estimate import estimate_command
from kis_estimator.cli.mcp import mcp_command
from kis_estimator.cli.proposal import proposal_command
from kis_estimator.cli.quick import quick_command
from kis_estimator.cli.serve import serve_command
from kis_estimator.cli.sheets import export_sheet, import_sheet
from kis_estimator.cli.smoke import smoke_command
from kis_estimator.cli.users import app as users_app

__all__ = ["app"]

app = typer.Typer(
    help="KIS Estimator: 분전반 견적 / quotations for distribution panels.", no_args_is_help=True
)
app.command("serve")(serve_command)
app.command("smoke")(smoke_command)
app.command("mcp")(mcp_command)
app.command("estimate")(estimate_command)
app.command("quick")(quick_command)
app.command("compare")(compare_command)
app.command("proposal")(proposal_command)
app.command("import")(import_sheet)
app.command("export-sheet")(export_sheet)
app.add_typer(regression.app, name="regression")
app.add_typer(evidence.app, name="evidence")
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(release.app, name="release")
app.add_typer(catalog.app, name="catalog")
app.add_typer(storage.app, name="storage")
