"""Hot reload: notice edited content files and swap in the new snapshot only if it is valid."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.content.loader import Content, ContentHolder
from bot.content.yamlsource import Problem

Fingerprint = dict[str, tuple[int, int]]
REPORTED_PROBLEMS = 20


def fingerprint(directory: Path) -> Fingerprint:
    """Modification time and size of every content file: cheap to take every few seconds."""
    found: Fingerprint = {}
    for path in sorted(directory.rglob("*.yaml")):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        found[str(path.relative_to(directory))] = (stat.st_mtime_ns, stat.st_size)
    return found


class ContentWatcher:
    """Polls the folder and reloads once a change has settled: half-saved files go unreported."""

    def __init__(self, holder: ContentHolder) -> None:
        self.holder = holder
        self.loaded = fingerprint(holder.directory)
        self.pending: Fingerprint | None = None
        self.lock = threading.Lock()

    def poll(self) -> list[Problem] | None:
        """None when nothing changed (or a change is still settling), else the reload's errors."""
        with self.lock:
            now = fingerprint(self.holder.directory)
            if now == self.loaded:
                self.pending = None
                return None
            if now != self.pending:
                self.pending = now
                return None
            return self._reload(now)

    def reload_now(self) -> list[Problem]:
        """An admin's /reload: load at once, and do not report the same change again later."""
        with self.lock:
            return self._reload(fingerprint(self.holder.directory))

    def _reload(self, now: Fingerprint) -> list[Problem]:
        self.loaded, self.pending = now, None
        return self.holder.reload()


def reload_report(content: Content, lang: str, problems: list[Problem]) -> str:
    """What admins read after a reload: done, or the first errors with file:line."""
    if not problems:
        return content.text("admin_reload_ok", lang)
    shown = [str(problem) for problem in problems[:REPORTED_PROBLEMS]]
    if len(problems) > REPORTED_PROBLEMS:
        shown.append(f"… +{len(problems) - REPORTED_PROBLEMS}")
    return content.text("admin_reload_failed", lang, errors="\n".join(shown))
