"""In-process storage for tests and the terminal chat: same contract, nothing on disk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.storage.base import Case, CounterRow, MessagePair, NewCase, OutboxItem, ScheduledJob

ACTIVE = ("waiting", "claimed")


class MemoryStorage:
    def __init__(self) -> None:
        self.states: dict[str, tuple[str, float]] = {}
        self.cases: dict[int, Case] = {}
        self.pairs: list[MessagePair] = []
        self.counts: dict[tuple[str, str, str], int] = {}
        self.addresses: dict[str, tuple[str, float]] = {}
        self.jobs: dict[tuple[str, str], float] = {}
        self.outbox: dict[int, OutboxItem] = {}
        self.outbox_serial = 0
        self.trail: dict[tuple[str, int], float] = {}

    async def load_state(self, user_key: str) -> str | None:
        stored = self.states.get(user_key)
        return stored[0] if stored else None

    async def save_state(self, user_key: str, state: str, at: float) -> None:
        self.states[user_key] = (state, at)

    async def open_case(self, new: NewCase) -> Case:
        case = Case(
            id=len(self.cases) + 1,
            user_key=new.user_key,
            code=new.code,
            lang=new.lang,
            reason=new.reason,
            categories=new.categories,
            opened_at=new.opened_at,
        )
        self.cases[case.id] = case
        return case

    async def active_case(self, user_key: str) -> Case | None:
        found = [c for c in self.cases.values() if c.user_key == user_key and c.status in ACTIVE]
        return found[-1] if found else None

    async def case_by_id(self, case_id: int) -> Case | None:
        return self.cases.get(case_id)

    async def case_by_thread(self, thread_id: int) -> Case | None:
        found = [c for c in self.cases.values() if c.thread_id == thread_id]
        return found[-1] if found else None

    async def update_case(self, case: Case) -> None:
        stored = self.cases.get(case.id)
        if stored is not None and stored.escalated_at is not None:
            case = replace(case, escalated_at=stored.escalated_at)
        self.cases[case.id] = case

    async def claim_escalation(self, case_id: int, at: float) -> bool:
        case = self.cases.get(case_id)
        if case is None or case.escalated_at is not None:
            return False
        self.cases[case_id] = replace(case, escalated_at=at)
        return True

    async def waiting_cases(self) -> list[Case]:
        return [c for c in self.cases.values() if c.status == "waiting"]

    async def save_address(self, user_key: str, sealed: str, at: float) -> None:
        self.addresses[user_key] = (sealed, at)

    async def load_address(self, user_key: str) -> str | None:
        stored = self.addresses.get(user_key)
        return stored[0] if stored else None

    async def add_pair(self, pair: MessagePair) -> None:
        self.pairs.append(pair)

    async def pair_for_user_message(
        self, case_id: int, user_message_id: int
    ) -> MessagePair | None:
        return next(
            (
                p
                for p in self.pairs
                if p.case_id == case_id and p.user_message_id == user_message_id
            ),
            None,
        )

    async def pair_for_operator_message(self, operator_message_id: int) -> MessagePair | None:
        return next((p for p in self.pairs if p.operator_message_id == operator_message_id), None)

    async def count(self, day: str, name: str, label: str = "", by: int = 1) -> None:
        key = (day, name, label)
        self.counts[key] = self.counts.get(key, 0) + by

    async def counters(self, first_day: str, last_day: str) -> list[CounterRow]:
        rows = [
            CounterRow(d, n, lb, v)
            for (d, n, lb), v in self.counts.items()
            if first_day <= d <= last_day
        ]
        return sorted(rows, key=lambda row: (row.day, row.name, row.label))

    async def schedule_job(self, user_key: str, job: str, run_at: float) -> None:
        self.jobs[(user_key, job)] = run_at

    async def cancel_job(self, user_key: str, job: str) -> bool:
        return self.jobs.pop((user_key, job), None) is not None

    async def scheduled_jobs(self) -> list[ScheduledJob]:
        found = [ScheduledJob(key, job, at) for (key, job), at in self.jobs.items()]
        return sorted(found, key=lambda j: (j.run_at, j.user_key, j.job))

    async def sealed_addresses(self) -> list[tuple[str, str]]:
        return [(key, sealed) for key, (sealed, _) in self.addresses.items()]

    async def rename_user(self, old_key: str, new_key: str, sealed: str) -> None:
        if old_key in self.states:
            self.states[new_key] = self.states.pop(old_key)
        if old_key in self.addresses:
            self.addresses[new_key] = (sealed, self.addresses.pop(old_key)[1])
        for case in [c for c in self.cases.values() if c.user_key == old_key]:
            self.cases[case.id] = replace(case, user_key=new_key)
        self.jobs = {
            (new_key if key == old_key else key, job): at for (key, job), at in self.jobs.items()
        }
        self.outbox = {
            i: replace(item, user_key=new_key) if item.user_key == old_key else item
            for i, item in self.outbox.items()
        }
        self.trail = {
            (new_key if key == old_key else key, message_id): at
            for (key, message_id), at in self.trail.items()
        }

    async def forget_user(self, user_key: str) -> None:
        self.jobs = {k: at for k, at in self.jobs.items() if k[0] != user_key}
        self.states.pop(user_key, None)
        self.addresses.pop(user_key, None)
        case_ids = {c.id for c in self.cases.values() if c.user_key == user_key}
        self.pairs = [p for p in self.pairs if p.case_id not in case_ids]
        for case_id in case_ids:
            del self.cases[case_id]
        self.outbox = {i: item for i, item in self.outbox.items() if item.user_key != user_key}
        await self.untrack_messages(user_key)

    async def purge_before(self, cutoff: float) -> int:
        waiting = {key for key, _ in self.jobs}
        old_states = [k for k, (_, at) in self.states.items() if at < cutoff and k not in waiting]
        for key in old_states:
            del self.states[key]
        old_addresses = [
            k for k, (_, at) in self.addresses.items() if at < cutoff and k not in waiting
        ]
        for key in old_addresses:
            del self.addresses[key]
        old_cases = {c.id for c in self.cases.values() if _expired(c, cutoff, self.states)}
        old_pairs = [p for p in self.pairs if p.case_id in old_cases or p.created_at < cutoff]
        self.pairs = [p for p in self.pairs if p not in old_pairs]
        for case_id in old_cases:
            del self.cases[case_id]
        old_items = [i for i, item in self.outbox.items() if item.created_at < cutoff]
        for item_id in old_items:
            del self.outbox[item_id]
        removed = len(old_states) + len(old_addresses) + len(old_cases) + len(old_pairs)
        return removed + len(old_items) + await self.purge_trail_before(cutoff)

    async def close(self) -> None:
        return None

    # --- Outbox and chat trail -----------------------------------------------------------------

    async def outbox_add(
        self, case_id: int, user_key: str, direction: str, message_id: int, at: float
    ) -> OutboxItem:
        self.outbox_serial += 1
        item = OutboxItem(self.outbox_serial, case_id, user_key, direction, message_id, at)
        self.outbox[item.id] = item
        return item

    async def outbox_done(self, item_id: int) -> None:
        self.outbox.pop(item_id, None)

    async def outbox_pending(self) -> list[OutboxItem]:
        return [item for _, item in sorted(self.outbox.items())]

    async def track_messages(self, user_key: str, message_ids: Sequence[int], at: float) -> None:
        for message_id in message_ids:
            self.trail.setdefault((user_key, message_id), at)

    async def tracked_messages(self, user_key: str, since: float) -> list[int]:
        return sorted(m for (k, m), at in self.trail.items() if k == user_key and at >= since)

    async def untrack_messages(self, user_key: str) -> None:
        self.trail = {key: at for key, at in self.trail.items() if key[0] != user_key}

    async def purge_trail_before(self, cutoff: float) -> int:
        old = [key for key, at in self.trail.items() if at < cutoff]
        for key in old:
            del self.trail[key]
        return len(old)


def _expired(case: Case, cutoff: float, states: dict[str, tuple[str, float]]) -> bool:
    """Closed before the cutoff, or still open but abandoned: opened before it, no fresh state."""
    if case.status == "closed":
        return (case.closed_at or 0) < cutoff
    return case.opened_at < cutoff and case.user_key not in states
