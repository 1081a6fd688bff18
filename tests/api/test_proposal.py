"""POST /v1/estimate/proposal: the zip of the proposal (workbook, PDF, every option's calculation),
each option's totals those of a create of its request; nothing stored; wrong options at their path."""

from __future__ import annotations

import copy
import io
import json
import zipfile

from sqlalchemy import text

from tests.api.conftest import Api
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8

PROPOSAL = "/v1/estimate/proposal"
OPTIONS = [{"brand": "LS", "grade": "ECONOMY"}, {"brand": "SANGDO"}, {"material": "STEEL"}]


def _quotes(api: Api) -> int:
    with api.container.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM quotes")).scalar_one())


def test_the_zip_holds_the_documents_and_each_option_costs_what_a_create_costs(api: Api) -> None:
    answered = api.client.post(PROPOSAL, json={"request": DOMAIN_S8, "options": OPTIONS}, headers=api.auth())
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"] == "application/zip"
    pack = zipfile.ZipFile(io.BytesIO(answered.content))
    names = set(pack.namelist())
    assert {"documents/proposal.xlsx", "documents/proposal.pdf", "proposal.json", "manifest.json"} <= names
    assert all(f"options/{label}/stages/pricing.json" in names for label in "ABC")
    manifest = json.loads(pack.read("manifest.json"))
    assert (
        answered.headers["x-proposal-sha256"]
        and manifest["number"] in answered.headers["content-disposition"]
    )
    assert _quotes(api) == 0  # nothing stored
    for option in json.loads(pack.read("proposal.json"))["options"]:
        created = api.client.post("/v1/estimate", json=option["request"], headers=api.auth())
        assert created.status_code == 201, created.text
        assert {k: created.json()["totals"][k] for k in ("subtotal", "vat", "total")} == option["totals"]


def test_wrong_options_and_a_refused_request_are_422_envelopes(api: Api) -> None:
    wrong = api.client.post(
        PROPOSAL,
        json={"request": DOMAIN_S8, "options": [{"brand": "LS"}, {"grade": "GOLD"}]},
        headers=api.auth(),
    )
    assert wrong.status_code == 422 and envelope(wrong)["code"] == "PROPOSAL_OPTION_INVALID"
    assert wrong.json()["path"] == "options.1.grade"
    refused = copy.deepcopy(DOMAIN_S8)
    refused["panels"][0]["main"]["poles"] = 5
    bad = api.client.post(PROPOSAL, json={"request": refused, "options": OPTIONS[:2]}, headers=api.auth())
    assert bad.status_code == 422 and bad.json()["path"] == "panels.0.main.poles"
    viewer = api.client.post(
        PROPOSAL, json={"request": DOMAIN_S8, "options": OPTIONS}, headers=api.auth("viewer")
    )
    assert viewer.status_code == 403 and envelope(viewer)["code"] == "FORBIDDEN"
    assert _quotes(api) == 0
