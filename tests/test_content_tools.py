"""Editors' tools: schemas kept current, the check's figures, translations through CSV and back."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.content.loader import Content, ContentHolder, load_content, to_plain
from bot.content.models import LANGS
from bot.content.schema import content_files, schema_for, write_schemas
from bot.content.stats import language_counts
from bot.content.translations import TranslationError, export_translations, import_translations
from bot.content.watch import ContentWatcher, reload_report
from bot.content.yamlsource import read_yaml
from bot.directory import hotline_card, operator_directory
from tests.conftest import CONTENT_DIR
from tests.test_cli import run
from tests.test_content_validation import FILES


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


# --- schemas -------------------------------------------------------------------------------------


def test_committed_schemas_and_modelines_are_up_to_date(copy: Path) -> None:
    """Regenerating from the models must change nothing: run `migrant-bot content schema`."""
    result = run("content", "schema", str(copy))
    assert result.returncode == 0 and result.stdout == "", result.stdout
    (copy / "flows" / "new.yaml").write_text("version: 1\n", encoding="utf-8")
    assert write_schemas(copy) == [copy / "flows" / "new.yaml"]
    assert (
        (copy / "flows" / "new.yaml")
        .read_text("utf-8")
        .startswith("# yaml-language-server: $schema=../schema/flow.json\nversion: 1")
    )


def test_every_content_file_passes_its_schema() -> None:
    for name in content_files(CONTENT_DIR):
        assert schema_errors(CONTENT_DIR, name) == [], name


def test_the_schema_flags_a_missing_language_and_a_typo(copy: Path) -> None:
    faq = copy / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("    verified: true\n", "    verifed: true\n", 1), "utf-8")
    ui = copy / "ui.yaml"
    lines = ui.read_text(encoding="utf-8").splitlines(keepends=True)
    ui.write_text("".join(line for line in lines if not line.startswith("    ky:")), "utf-8")
    assert any("verifed" in e for e in schema_errors(copy, "faq.yaml"))
    assert any("'ky' is a required property" in e for e in schema_errors(copy, "ui.yaml"))


def schema_errors(folder: Path, name: str) -> list[str]:
    """Validate as VS Code's YAML extension would: dates are plain strings there."""
    schema = json.loads((folder / "schema" / f"{schema_for(name)}.json").read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    data = as_json(to_plain(read_yaml(folder / name, name).data))
    return [error.message for error in validator.iter_errors(data)]


def as_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: as_json(value) for key, value in node.items()}
    if isinstance(node, list):
        return [as_json(value) for value in node]
    return node.isoformat() if isinstance(node, dt.date) else node


# --- the check's figures -------------------------------------------------------------------------


def test_counts_per_language_cover_every_language(content: Content) -> None:
    rows = {row.lang: row for row in language_counts(content)}
    assert list(rows) == list(LANGS)
    for row in rows.values():
        assert row.topics == len(content.faq.topics)
        assert row.ui_strings == len(content.ui.strings)
        assert row.phrasings >= 8 * row.topics
        assert row.missing == 0


def test_check_prints_the_table_and_quiet_prints_one_line(copy: Path) -> None:
    full = run("content", "check", str(copy))
    assert full.returncode == 0, full.stdout
    assert "language  topics  phrasings  ui strings" in full.stdout
    assert full.stdout.splitlines()[-1].startswith("0 errors, 0 missing translations")
    quiet = run("content", "check", str(copy), "--quiet")
    assert quiet.stdout.splitlines() == [full.stdout.splitlines()[-1]]


def test_check_counts_missing_translations(copy: Path) -> None:
    ui = copy / "ui.yaml"
    lines = ui.read_text(encoding="utf-8").splitlines(keepends=True)
    ui.write_text("".join(line for line in lines if not line.startswith("    tg:")), "utf-8")
    result = run("content", "check", str(copy))
    assert result.returncode == 1
    tg_row = next(line for line in result.stdout.splitlines() if line.startswith("tg "))
    strings = len(load_content(CONTENT_DIR).ui.strings)
    assert tg_row.split()[-1] == str(strings)
    assert f"{strings} missing translations" in result.stdout.splitlines()[-1]


# --- translations through CSV --------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def edit_cell(path: Path, row_id: str, lang: str, change: Any) -> None:
    rows = read_csv(path)
    row = next(r for r in rows if r["id"] == row_id)
    row[lang] = change(row[lang])
    write_csv(path, rows)


def test_export_then_import_unchanged_rewrites_nothing(copy: Path, tmp_path: Path) -> None:
    before = snapshot(copy)
    sheet = tmp_path / "texts.csv"
    result = run("content", "export-translations", str(copy), str(sheet))
    assert result.returncode == 0 and result.stdout.endswith(f"texts written to {sheet}\n")
    assert int(result.stdout.split()[0]) == len(read_csv(sheet)) > 400
    ids = [row["id"] for row in read_csv(sheet)]
    assert "faq.yaml:passport-lost:answer" in ids and "ui.yaml:strings:welcome" in ids
    assert "flows/offer-check.yaml:where:home:text" in ids
    assert not any(":keywords" in i or ":patterns" in i for i in ids)
    assert import_translations(copy, sheet) == []
    assert snapshot(copy) == before


def test_one_edited_cell_changes_exactly_that_string(copy: Path, tmp_path: Path) -> None:
    before = snapshot(copy)
    sheet = tmp_path / "texts.csv"
    export_translations(copy, sheet)
    edit_cell(sheet, "faq.yaml:passport-lost:answer", "en", lambda old: old + " Keep calm.")
    assert import_translations(copy, sheet) == ["faq.yaml"]
    after = snapshot(copy)
    assert {name for name in before if before[name] != after[name]} == {"faq.yaml"}
    diff = [
        line
        for line in difflib.unified_diff(
            before["faq.yaml"].decode().splitlines(), after["faq.yaml"].decode().splitlines(), n=0
        )
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert len(diff) == 2, diff
    assert diff[1].endswith(" Keep calm.") and diff[1].startswith("+        ")
    assert diff[0] + " Keep calm." == "-" + diff[1][1:]
    assert load_content(copy).topics_by_id["passport-lost"].answer["en"].endswith("Keep calm.")


def test_phrasings_travel_one_per_line(copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "texts.csv"
    export_translations(copy, sheet)
    edit_cell(
        sheet, "faq.yaml:passport-lost:phrasings", "ky", lambda old: old + "\npasport jogoldu"
    )
    import_translations(copy, sheet)
    phrasings = load_content(copy).topics_by_id["passport-lost"].phrasings["ky"]
    assert phrasings[-1] == "pasport jogoldu"
    assert (
        phrasings[:-1] == load_content(CONTENT_DIR).topics_by_id["passport-lost"].phrasings["ky"]
    )


def test_broken_text_is_refused_and_nothing_is_written(copy: Path, tmp_path: Path) -> None:
    before = snapshot(copy)
    sheet = tmp_path / "texts.csv"
    export_translations(copy, sheet)
    edit_cell(sheet, "ui.yaml:strings:flow_progress", "tg", lambda old: old.replace("}", "", 1))
    result = run("content", "import-translations", str(copy), str(sheet))
    assert result.returncode == 1
    assert "ui.yaml:" in result.stderr and "flow_progress: 'tg'" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(copy) == before


def test_unknown_id_is_refused(copy: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "texts.csv"
    export_translations(copy, sheet)
    rows = read_csv(sheet)
    rows[0]["id"] = "faq.yaml:no-such-topic:answer"
    write_csv(sheet, rows)
    with pytest.raises(TranslationError, match="no-such-topic"):
        import_translations(copy, sheet)


def test_a_missing_translation_is_filled_in_from_the_sheet(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text.replace("ky: 'Beta answer ky', ", ""), encoding="utf-8")
    sheet = tmp_path / "texts.csv"
    export_translations(folder, sheet)
    edit_cell(sheet, "faq.yaml:beta:answer", "ky", lambda old: "Бета жооп")
    assert import_translations(folder, sheet) == ["faq.yaml"]
    answer = load_content(folder).topics_by_id["beta"].answer
    assert list(answer) == list(LANGS) and answer["ky"] == "Бета жооп"


# --- hot reload and the operators' directory -----------------------------------------------------


def test_watcher_reloads_once_a_change_has_settled(copy: Path) -> None:
    holder = ContentHolder(copy, load_content(copy))
    watcher = ContentWatcher(holder)
    assert watcher.poll() is None
    ui = copy / "ui.yaml"
    ui.write_text(ui.read_text("utf-8").replace("Main menu.", "The main menu.", 1), "utf-8")
    assert watcher.poll() is None
    assert holder.current.text("menu_title", "en").startswith("Main menu.")
    assert watcher.poll() == []
    assert holder.current.text("menu_title", "en").startswith("The main menu.")
    assert watcher.poll() is None


def test_watcher_keeps_the_good_snapshot_and_reports_file_and_line(copy: Path) -> None:
    holder = ContentHolder(copy, load_content(copy))
    good = holder.current
    watcher = ContentWatcher(holder)
    ui = copy / "ui.yaml"
    ui.write_text(ui.read_text("utf-8").replace('"Main menu.', '"Main {menu.', 1), "utf-8")
    watcher.poll()
    problems = watcher.poll()
    assert problems and str(problems[0]).startswith("ui.yaml:")
    assert holder.current is good
    report = reload_report(holder.current, "en", problems)
    assert report.startswith("The new content has errors") and str(problems[0]) in report
    assert watcher.poll() is None


def test_directory_shows_operators_the_leads_users_never_see(content: Content) -> None:
    listing = operator_directory(content, "KG", "en")
    unverified = [h for c in content.hotlines.countries if c.code == "KG" for h in c.hotlines]
    unverified = [h for h in unverified if not h.verified]
    assert unverified
    user_card = " ".join(str(getattr(e, "text", "")) for e in hotline_card(content, "KG", "en"))
    for hotline in unverified:
        line = next(line for line in listing.splitlines() if hotline.name["en"] in line)
        assert line.endswith("⚠️ unconfirmed")
        assert hotline.name["en"] not in user_card
    assert "Check unconfirmed contacts" in listing.splitlines()[-1]
    assert operator_directory(content, "xx", "en").startswith("Give a country code")
