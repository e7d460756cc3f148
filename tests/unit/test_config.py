"""The deployment YAML is strict: unknown keys and dangling names refused in one line naming what to change.

And value lists are configuration: a partnership's own specialisms and spellings are read,
and a value matching nothing is refused naming the YAML key that would map it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from dasv.config import DEFAULT_CONFIG, SCHEMA_FILE, ConfigError, json_schema, load_deployment
from dasv.loaders.export import read_export
from dasv.loaders.values import specialisms_of
from dasv.sample.adopt import config_text
from tests.files import IDVA_HEADER, write_csv, write_xlsx

TODAY = date(2026, 1, 15)


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def problems(tmp_path: Path, config: dict | str) -> list[str]:
    path = tmp_path / "deployment.yaml"
    path.write_text(
        config if isinstance(config, str) else yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as err:
        load_deployment(path)
    lines = str(err.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines)
    return [line.removeprefix(f"{path}: ") for line in lines]


def test_a_misspelt_key_is_refused_with_the_nearest_known_key(tmp_path):
    config = shipped()
    config["suppresion"] = config.pop("suppression")
    assert problems(tmp_path, config) == ["`suppresion`: not a setting; did you mean `suppression`?"]


def test_a_misspelt_nested_key_names_its_place(tmp_path):
    config = shipped()
    config["delivery"]["smtp_hots"] = config["delivery"].pop("smtp_host")
    config["report_rows"][0]["specialsm"] = config["report_rows"][0].pop("specialism")
    found = problems(tmp_path, config)
    assert "`delivery.smtp_hots`: not a setting; did you mean `delivery.smtp_host`?" in found
    assert "`report_rows[0].specialsm`: not a setting; did you mean `report_rows[0].specialism`?" in found


def test_every_dangling_reference_is_named_at_once(tmp_path):
    config = shipped()
    config["report_rows"][4]["specialism"] = "Stalkng"
    config["report_rows"][0]["areas"].append("Fenlnd")
    del config["population"]["by_area"]["Fenland"]
    config["police_reporting_area"]["districts"].append("Out of Area")
    found = problems(tmp_path, config)
    assert any(line.startswith("`report_rows[4].specialism`: 'Stalkng'") and "did you mean `Stalking`?" in line
               for line in found), found  # fmt: skip
    assert "`report_rows[0].areas`: 'Fenlnd' is not one of the areas; did you mean 'Fenland'?" in found
    assert any(line.startswith("`population.by_area`: no population for Fenland") for line in found), found
    assert any(line.startswith("`police_reporting_area.districts`: 'Out of Area' is not one of the districts")
               for line in found), found  # fmt: skip


def test_value_maps_are_checked(tmp_path):
    config = shipped()
    config["value_aliases"] = {
        "marac": {"referring_agncy": {"Police": ["Force"]}, "gender": {"Femal": ["Fem"]}},
        "idvaa": {},
        "idva": {"specialisms": {"Older People": ["OP"]}, "route": {"Police": ["GP"]}},
    }
    found = problems(tmp_path, config)
    assert any(line.startswith("`value_aliases.marac.referring_agncy`: not a coded column of marac; did you mean "
                               "`referring_agency`?") for line in found), found  # fmt: skip
    assert any(line.startswith("`value_aliases.marac.gender.Femal`: 'Femal' is not one of the accepted values")
               and "did you mean `Female`?" in line for line in found), found  # fmt: skip
    assert any(line.startswith("`value_aliases.idvaa`: not a source; did you mean `idva`?") for line in found)
    assert (
        "`value_aliases.idva.route.Police`: 'GP' already means 'Health'; expected each spelling to mean one value"
        in found
    )
    assert any("`value_aliases.idva.specialisms.Older People`" in line and "add it to `specialisms` first" in line
               for line in found), found  # fmt: skip


def test_specialisms_extend_or_replace_the_list(tmp_path):
    config = shipped()
    config["specialisms"] = {"add": ["Older People"]}
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert specialisms_of(load_deployment(path))[-2:] == ["OOCD", "Older People"]
    config["specialisms"] = ["CYP", "Older People"]
    config["report_rows"] = [{"label": "Older", "specialism": "Older People"}]
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert specialisms_of(load_deployment(path)) == ["CYP", "Older People"]
    config["report_rows"] = [{"label": "Housing", "specialism": "Housing"}]  # no longer configured
    assert any("`report_rows[0].specialism`: 'Housing'" in line for line in problems(tmp_path, config))


def test_json_schema_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema(), "run: python -m dasv.config"


@pytest.fixture
def wyvernshire(tmp_path):
    path = tmp_path / "wyvernshire.yaml"
    path.write_text(config_text(), encoding="utf-8")
    return load_deployment(path)


HEADER = ["Case Number", "Service User Ref", "Referral Received On", "Home District", "Meets IDVA Criteria",
          "Engaged With Service", "Service Strand", "Source of Referral"]  # fmt: skip


def test_a_partnerships_own_spellings_are_read(tmp_path, wyvernshire):
    path = write_xlsx(tmp_path / "idva" / "q3.xlsx", [HEADER,
        ["W1", "S1", "03/10/2025", "Caldwick City", "Yes", "Yes", "Older Persons; Housing IDVA", "Housing Options"],
        ["W2", "S2", "04/10/2025", "E Wold", "Yes", "No", "", "National Probation Service"],
        ["W3", "S3", "05/10/2025", "Greyhaven", "No", "No", "", "Wyvernshire Constabulary"]])  # fmt: skip
    export = read_export(path, wyvernshire, today=TODAY)
    assert not export.refused, [str(p) for p in export.problems]
    rows = export.rows
    assert rows[0]["specialisms"] == ("Older People", "Housing") and rows[0]["route"] == "Housing"
    assert rows[1]["route"] == "Probation" and rows[1]["area"] == "Eastwold"
    assert rows[2]["route"] == "Police"


def test_an_unmapped_value_is_refused_naming_the_key_that_would_map_it(tmp_path, wyvernshire):
    path = write_xlsx(tmp_path / "idva" / "q3.xlsx", [HEADER,
        ["W1", "S1", "03/10/2025", "Caldwick", "Yes", "Yes", "Elder Abuse", "Police"],
        ["W2", "S2", "03/10/2025", "Caldwick", "Yes", "Yes", "", "Neighbourhood Team"]])  # fmt: skip
    export = read_export(path, wyvernshire, today=TODAY)
    assert export.refused and not export.rows
    first, second = (str(p) for p in export.problems)
    assert first == (
        f"{path}: sheet 'Referrals' row 2 column 'Service Strand': 'Elder Abuse' is not a specialism; expected one of "
        "CYP, Housing, Minority Ethnic, Stalking, OOCD, Older People, separated by ; , or /; or map it in the "
        "deployment YAML under `value_aliases.idva.specialisms` (<accepted value>: ['Elder Abuse']); or add it to "
        "`specialisms`"
    )
    assert second.startswith(
        f"{path}: sheet 'Referrals' row 3 column 'Source of Referral': 'Neighbourhood Team' is not recognised; "
        "expected one of MARAC, Police, Self, Health, Children's Social Care, Other, Probation, Housing; or map it "
        "in the deployment YAML under `value_aliases.idva.route`"
    )


def test_a_missing_header_points_at_column_aliases_and_lists_what_it_did_not_recognise(tmp_path, deployment):
    path = write_csv(tmp_path / "idva" / "q3.csv",
                     [[*IDVA_HEADER[:3], "Home Town", *IDVA_HEADER[4:], "Caseworker"], ["R1", "C1", "03/10/2025", "Fenland", "Y", "Y", "x"]])  # fmt: skip
    export = read_export(path, deployment, today=TODAY)
    (line,) = (str(p) for p in export.problems)
    assert "lacks District; headers not recognised: 'Home Town', 'Caseworker'" in line
    assert "`column_aliases.idva` (e.g. District: [<the export's header>])" in line
    assert "columns.yaml" not in line


def test_yes_no_columns_take_value_aliases_even_unquoted(tmp_path):
    from dasv.loaders.values import vocabularies_for

    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "\nvalue_aliases: {}\n", "\nvalue_aliases:\n  idva:\n    engaged:\n      No: [Declined, Refused]\n"
    )
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    dep = load_deployment(path)  # YAML reads an unquoted No: as false: it means the value "No"
    assert dep.value_aliases["idva"]["engaged"] == {"No": ["Declined", "Refused"]}
    assert "Declined" in vocabularies_for("idva", dep)["yes_no:engaged"]["values"]["No"]
    config = shipped()
    config["value_aliases"] = {"idva": {"engaged": {"Maybe": ["Declined"]}, "criteria_met": {"No": ["Y"]}}}
    found = problems(tmp_path, config)
    assert any(line.startswith("`value_aliases.idva.engaged.Maybe`: 'Maybe' is not one of the accepted values (Yes, No)")
               for line in found), found  # fmt: skip
    assert (
        "`value_aliases.idva.criteria_met.No`: 'Y' already means 'Yes'; expected each spelling to mean one value"
        in found
    )
