"""What the Dagster UI shows about every asset: kinds, owners per domain, column schemas built
from the contracts, and checks that say what their failure means (issue 23)."""

from __future__ import annotations

import dagster as dg
import pytest

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import DOMAIN_TEAMS, ON_FAILURE, owners_for
from creditrisk_assets.column_schemas import feature_column_schema, raw_column_schema
from creditrisk_assets.contracts.columns import table_contract
from creditrisk_assets.definitions import defs
from creditrisk_assets.features.spec import Feature, FeatureSpec
from creditrisk_assets.keys import CANDIDATE, GROUPS, raw_key
from creditrisk_assets.schema import RAW_TABLES

GRAPH = defs.resolve_asset_graph()


def _nodes():
    return [GRAPH.get(key) for key in GRAPH.get_all_asset_keys()]


def test_every_asset_has_kinds_and_its_domain_teams_owner() -> None:
    nodes = _nodes()
    assert len(nodes) >= 20  # the scan must see the graph, or it would pass vacuously
    for node in nodes:
        name = node.key.to_user_string()
        assert node.kinds, f"{name} has no kinds"
        assert len(node.kinds) <= 3, f"{name}: the UI shows at most three kinds"
        assert node.group_name == node.key.path[0], f"{name}: group is not its domain"
        team = DOMAIN_TEAMS[node.group_name]
        assert list(node.owners) == [f"team:{team}"], f"{name} owners {node.owners}"
    assert set(DOMAIN_TEAMS) == set(GROUPS)


def test_owners_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITRISK_OWNERS_ML", "ml-lead@bank.example, team:model-risk")
    assert owners_for(CANDIDATE) == ["ml-lead@bank.example", "team:model-risk"]
    assert owners_for(raw_key("bureau")) == ["team:data"]
    monkeypatch.setenv("CREDITRISK_OWNERS_ML", "just-a-name")
    with pytest.raises(ValueError, match="CREDITRISK_OWNERS_ML"):
        settings.team_owners("ml")


def test_every_check_says_what_its_failure_means_for_the_business() -> None:
    specs = [GRAPH.get_check_spec(key) for key in GRAPH.asset_check_keys]
    assert len(specs) >= 30
    for spec in specs:
        text = spec.description or ""
        what, _, consequence = text.partition(ON_FAILURE)
        assert what.strip() and len(consequence.strip()) > 40, f"{spec.key}: {text!r}"


@pytest.mark.parametrize("table", RAW_TABLES)
def test_raw_assets_publish_their_contract_as_column_schema(table: str) -> None:
    schema = GRAPH.get(raw_key(table)).metadata["dagster/column_schema"]
    assert isinstance(schema, dg.TableSchema)
    contract = table_contract(table)
    assert [c.name for c in schema.columns] == [c.name for c in contract]
    for column, rule in zip(schema.columns, contract, strict=True):
        assert column.type == {"int": "Int64", "float": "float64", "str": "string"}[rule.dtype]
        assert column.constraints.nullable == rule.nullable
        assert "Contract: " in column.description
        assert ("may be null" if rule.nullable else "never null") in column.description
    assert schema == raw_column_schema(table)


def test_raw_column_descriptions_spell_out_rules_and_categories() -> None:
    columns = {c.name: c for c in raw_column_schema("application_train").columns}
    assert "one of F, M, XNA" in columns["CODE_GENDER"].description
    assert "or the sentinel 365243" in columns["DAYS_EMPLOYED"].description
    assert "(58 values)" in columns["ORGANIZATION_TYPE"].description  # long domains are cut
    assert columns["AMT_ANNUITY"].constraints.nullable


def test_feature_columns_carry_the_spec_descriptions() -> None:
    spec = FeatureSpec(
        features=(Feature("BUREAU_COUNT", "numeric", "bureau", "number of bureau credits"),),
        excluded=(Feature("CODE_GENDER", "categorical", "application", "gender"),),
    )
    columns = [
        ("SK_ID_CURR", "BIGINT"),
        ("TARGET", "INTEGER"),
        ("BUREAU_COUNT", "DOUBLE"),
        ("CODE_GENDER", "INTEGER"),
    ]
    schema = {c.name: c for c in feature_column_schema(spec, columns).columns}
    assert schema["SK_ID_CURR"].constraints.unique and not schema["SK_ID_CURR"].constraints.nullable
    assert schema["BUREAU_COUNT"].description.startswith("number of bureau credits")
    assert "model feature" in schema["BUREAU_COUNT"].description
    assert "excluded from models" in schema["CODE_GENDER"].description
    assert schema["BUREAU_COUNT"].type == "DOUBLE"
