"""The `migrant-bot` command: run, chat, triage, eval and the editors' content tools."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections import Counter
from pathlib import Path

from bot.config import Config, MissingSetting
from bot.content.loader import ContentError, inspect_content, load_content
from bot.events import Inbound

MIN_SECRET_LENGTH = 32


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except MissingSetting as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="migrant-bot", description=__doc__)
    commands = parser.add_subparsers()
    run = commands.add_parser(
        "run", help="the Telegram bot when BOT_TOKEN is set, else the terminal chat"
    )
    run.add_argument(
        "--webhook", action="store_true", help="serve a webhook instead of long polling"
    )
    run.set_defaults(handler=_run)
    chat = commands.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--content", type=Path, default=None)
    chat.add_argument(
        "--flow", default=None, help="start this checklist at once (editors' preview)"
    )
    chat.add_argument("--lang", default=None, choices=["ru", "ky", "uz", "tg", "en"])
    chat.add_argument("--memory", action="store_true", help="keep nothing on disk")
    chat.set_defaults(handler=_chat)
    triage = commands.add_parser("triage", help="JSON lines in, what the bot understands out")
    triage.add_argument("--content", type=Path, default=None)
    triage.set_defaults(handler=_triage)
    evaluate = commands.add_parser("eval", help="accuracy on the evaluation sets, with a baseline")
    evaluate.add_argument("--content", type=Path, default=None)
    evaluate.add_argument("--data", type=Path, default=Path("tests/data"))
    evaluate.add_argument("--errors", type=int, default=15, help="wrong answers to list per set")
    evaluate.set_defaults(handler=_eval)
    fit = commands.add_parser("train-risk", help="fit the danger model (needs the dev extras)")
    fit.add_argument("--data", type=Path, default=Path("tests/data"))
    fit.add_argument("--sets", default=None, help="comma-separated set names to learn from")
    fit.add_argument("--out", type=Path, default=None, help="model file (default: shipped one)")
    fit.add_argument("--content", type=Path, default=None, help="whose rules to pair with")
    fit.set_defaults(handler=_train_risk)
    _content_commands(commands.add_parser("content", help="editors' tools"))
    report = commands.add_parser("report", help="donor report (CSV and PNG) from the counters")
    report.add_argument("--from", dest="first_day", type=_iso_day, required=True)
    report.add_argument("--to", dest="last_day", type=_iso_day, required=True)
    report.add_argument("--out", type=Path, default=Path("."), help="folder for the files")
    report.add_argument("--content", type=Path, default=None)
    report.set_defaults(handler=_report)
    rotate = commands.add_parser(
        "rotate-key", help="move stored pseudonyms and sealed chat ids to a new SECRET_KEY"
    )
    rotate.add_argument(
        "--new-key-file", type=Path, required=True, help="file holding the new secret"
    )
    rotate.set_defaults(handler=_rotate_key)
    return parser


def _rotate_key(args: argparse.Namespace) -> int:
    from bot.rotation import rotate_key
    from bot.storage import open_storage

    config = Config()
    old = config.secret_key.get_secret_value()
    new = args.new_key_file.read_text(encoding="utf-8").strip()
    if len(new) < MIN_SECRET_LENGTH or new == old:
        print(
            f"error: the new key must differ and be {MIN_SECRET_LENGTH}+ characters",
            file=sys.stderr,
        )
        return 2

    async def rotate() -> int:
        storage = await open_storage(config)
        try:
            result = await rotate_key(storage, old, new)
        finally:
            await storage.close()
        print(f"{result.moved} people moved to the new key, {result.unreadable} unreadable")
        return 0

    return asyncio.run(rotate())


def _iso_day(text: str) -> str:
    return dt.date.fromisoformat(text).isoformat()


def _report(args: argparse.Namespace) -> int:
    from bot.report import write_report

    if args.first_day > args.last_day:
        print("error: --from is after --to", file=sys.stderr)
        return 2
    content = load_content(_content_dir(args))
    written = asyncio.run(write_report(Config(), content, args.first_day, args.last_day, args.out))
    for path in written:
        print(path)
    return 0


def _content_commands(parser: argparse.ArgumentParser) -> None:
    tools = parser.add_subparsers()
    check = tools.add_parser("check", help="validate every content file")
    check.add_argument("directory", nargs="?", type=Path, default=None)
    check.add_argument("--quiet", action="store_true", help="errors only")
    check.set_defaults(handler=_content_check)
    diagram = tools.add_parser("diagram", help="Mermaid flowchart of a checklist")
    diagram.add_argument("flow", nargs="?", default=None)
    diagram.add_argument(
        "--all", type=Path, default=None, metavar="FOLDER", help="write one .mmd per flow"
    )
    diagram.add_argument("--content", type=Path, default=None)
    diagram.set_defaults(handler=_content_diagram)
    schema = tools.add_parser("schema", help="write content/schema/*.json for YAML editors")
    schema.add_argument("directory", nargs="?", type=Path, default=None)
    schema.set_defaults(handler=_content_schema)
    export = tools.add_parser("export-translations", help="every text as CSV, one row per string")
    export.add_argument("directory", type=Path)
    export.add_argument("csv", type=Path)
    export.set_defaults(handler=_export_translations)
    imports = tools.add_parser("import-translations", help="write an edited CSV back into YAML")
    imports.add_argument("directory", type=Path)
    imports.add_argument("csv", type=Path)
    imports.set_defaults(handler=_import_translations)


def _content_dir(args: argparse.Namespace, attribute: str = "content") -> Path:
    given = getattr(args, attribute, None)
    return Path(given) if given else Config().content_dir


def _content_check(args: argparse.Namespace) -> int:
    from bot.content.stats import counts_table, language_counts, missing_by_language

    directory = _content_dir(args, "directory")
    content, problems = inspect_content(directory)
    shown = [p for p in problems if p.severity == "error" or not args.quiet]
    for problem in shown:
        print(f"{directory}/{problem}" if not problem.path.startswith(str(directory)) else problem)
    if content is not None and not args.quiet:
        print(counts_table(language_counts(content)))
    by_severity = Counter(p.severity for p in problems)
    missing = sum(missing_by_language(content).values()) if content else "?"
    print(
        f"{by_severity['error']} errors, {missing} missing translations, "
        f"{by_severity['warning']} warnings, {by_severity['note']} notes (unverified entries)"
    )
    return 1 if by_severity["error"] else 0


def _content_schema(args: argparse.Namespace) -> int:
    from bot.content.schema import write_schemas

    for path in write_schemas(_content_dir(args, "directory")):
        print(f"wrote {path}")
    return 0


def _export_translations(args: argparse.Namespace) -> int:
    from bot.content.translations import export_translations

    rows = export_translations(args.directory, args.csv)
    print(f"{rows} texts written to {args.csv}")
    return 0


def _import_translations(args: argparse.Namespace) -> int:
    from bot.content.translations import TranslationError, import_translations

    try:
        changed = import_translations(args.directory, args.csv)
    except TranslationError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    for name in changed:
        print(f"updated {args.directory / name}")
    print(f"{len(changed)} files updated" if changed else "no changes")
    return 0


def _content_diagram(args: argparse.Namespace) -> int:
    from bot.flows.diagram import mermaid

    content = load_content(_content_dir(args))
    if args.all:
        args.all.mkdir(parents=True, exist_ok=True)
        for flow in content.flows.values():
            (args.all / f"{flow.id}.mmd").write_text(mermaid(flow, "en"), encoding="utf-8")
            print(args.all / f"{flow.id}.mmd")
        return 0
    chosen = content.flows.get(args.flow or "")
    if chosen is None:
        print(f"unknown flow '{args.flow}'; known: {', '.join(content.flows)}", file=sys.stderr)
        return 2
    print(mermaid(chosen, "en"))
    return 0


def _triage(args: argparse.Namespace) -> int:
    from bot.understanding import Understanding

    understanding = Understanding(load_content(_content_dir(args)))
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(_triage_line(understanding, line), ensure_ascii=False), flush=True)
    return 0


def _triage_line(understanding: object, line: str) -> dict[str, object]:
    from bot.understanding import Understanding

    assert isinstance(understanding, Understanding)
    try:
        message = json.loads(line)
    except ValueError as exc:
        return {"error": f"not JSON: {exc}"}
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return {"error": "expected an object with a string field 'text'"}
    lang = message.get("lang")
    if lang is not None and lang not in ("ru", "ky", "uz", "tg", "en"):
        return {"error": f"unknown lang {lang!r}: use ru, ky, uz, tg or en"}
    return understanding.triage(message["text"], lang).as_json()


def _eval(args: argparse.Namespace) -> int:
    from bot.evaluation import run_evaluation

    content = load_content(_content_dir(args))
    return int(run_evaluation(content, args.data, args.errors, sys.stdout))


def _train_risk(args: argparse.Namespace) -> int:
    from bot.risk.detector import RiskDetector
    from bot.risk.model import MODEL_PATH
    from bot.risk.thresholds import choose
    from bot.risk.training import TRAINING_SETS, export, fit, gather_evidence, read_corpus

    names = args.sets.split(",") if args.sets else TRAINING_SETS
    corpus = read_corpus(args.data, names)
    print(f"learning from {', '.join(names)}: {corpus.summary()}")
    rules = RiskDetector.from_content(load_content(_content_dir(args)).risk)
    thresholds = choose(gather_evidence(corpus, rules))
    print(f"chosen out of fold, on sets the lexicon was not tuned on: {thresholds.describe()}")
    export(fit(corpus), thresholds).save(args.out or MODEL_PATH)
    print(f"written {args.out or MODEL_PATH}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    config = Config()
    content_dir = args.content or config.content_dir
    return asyncio.run(_chat_async(config, content_dir, args.flow, args.lang, args.memory))


async def _chat_async(
    config: Config, content_dir: Path, flow: str | None, lang: str | None, memory: bool
) -> int:
    from bot.console.chat import TerminalChat, input_lines
    from bot.service import Conversations
    from bot.state import State
    from bot.storage import open_storage

    content = load_content(content_dir)
    storage = await open_storage(config, memory)
    conversations = Conversations(content, storage, time.time)
    chat = TerminalChat(conversations, content, config.secret_key.get_secret_value(), sys.stdout)
    try:
        if flow:
            if flow not in content.flows:
                print(f"unknown flow '{flow}'; known: {', '.join(content.flows)}", file=sys.stderr)
                return 2
            await storage.save_state(chat.key, State(lang=lang or "en").to_json(), time.time())
            await chat.send(_button(f"v1:fs:{flow}"))
        await chat.run(input_lines(), lang, echo=not sys.stdin.isatty())
    finally:
        await storage.close()
    return 0


def _button(data: str) -> Inbound:
    return Inbound("button", data=data, at=time.time())


def _run(args: argparse.Namespace) -> int:
    config = Config()
    if config.bot_token is None:
        print("BOT_TOKEN is not set: starting the terminal chat (Ctrl-D or /quit to leave).")
        return asyncio.run(_chat_async(config, config.content_dir, None, None, False))
    from bot.telegram.app import run_telegram

    return int(run_telegram(config, webhook=args.webhook))


if __name__ == "__main__":
    raise SystemExit(main())
