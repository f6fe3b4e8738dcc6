"""In-process storage for tests and the terminal chat: same contract, nothing on disk."""

from __future__ import annotations

from dataclasses import replace

from bot.storage.base import Case, CounterRow, MessagePair, NewCase, ScheduledJob

ACTIVE = ("waiting", "claimed")


class MemoryStorage:
    def __init__(self) -> None:
        self.states: dict[str, tuple[str, float]] = {}
        self.cases: dict[int, Case] = {}
        self.pairs: list[MessagePair] = []
        self.counts: dict[tuple[str, str, str], int] = {}
        self.addresses: dict[str, tuple[str, float]] = {}
        self.jobs: dict[tuple[str, str], float] = {}

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

    async def forget_user(self, user_key: str) -> None:
        self.jobs = {k: at for k, at in self.jobs.items() if k[0] != user_key}
        self.states.pop(user_key, None)
        self.addresses.pop(user_key, None)
        case_ids = {c.id for c in self.cases.values() if c.user_key == user_key}
        self.pairs = [p for p in self.pairs if p.case_id not in case_ids]
        for case_id in case_ids:
            del self.cases[case_id]

    async def purge_before(self, cutoff: float) -> int:
        waiting = {key for key, _ in self.jobs}
        old_states = [k for k, (_, at) in self.states.items() if at < cutoff and k not in waiting]
        for key in old_states:
            del self.states[key]
            self.addresses.pop(key, None)
        old_cases = {
            c.id
            for c in self.cases.values()
            if c.status == "closed" and (c.closed_at or 0) < cutoff
        }
        old_pairs = [p for p in self.pairs if p.case_id in old_cases or p.created_at < cutoff]
        self.pairs = [p for p in self.pairs if p not in old_pairs]
        for case_id in old_cases:
            del self.cases[case_id]
        return len(old_states) + len(old_cases) + len(old_pairs)

    async def close(self) -> None:
        return None
