"""Opt-in deadline reminders from a checklist: pure, like the rest of the core.

The user asks for them at the end of a checklist, names the day they arrived (or paid), and
the core answers with `Schedule` events; adapters keep the timers. When a timer fires, the
adapter sends the job back as a system notice and the core says what is due. The state keeps
`extra["reminders"]`: job name -> deadline, so one button can cancel them all.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

from bot.content.loader import Content
from bot.content.models import Flow, Reminder
from bot.events import Ask, Button, Event, Schedule, Unschedule
from bot.flows.engine import conditions_met, replay
from bot.menu import human_button, menu_button
from bot.state import Result, State

JOB_PREFIX = "reminder:"
DAY = 24 * 3600
ARRIVAL_CHOICES = (0, 1, 3, 7, 14)
CANCEL = "v1:rm:off"
ASK_TEXTS = (("arrival", "reminder_ask_start"), ("payment", "reminder_ask_payment"))


def offered(flow: Flow, facts: dict[str, str]) -> list[Reminder]:
    """Verified reminders whose conditions match what the user told the checklist."""
    return [r for r in flow.reminders if r.verified and conditions_met(r.when, facts)]


def offer_button(content: Content, flow: Flow, facts: dict[str, str], lang: str) -> Button | None:
    """The opt-in button under a checklist summary, when there is anything to remind about."""
    if not offered(flow, facts):
        return None
    return Button(content.text("reminder_offer_button", lang), f"v1:rm:ask:{flow.id}")


def is_job(command: str) -> bool:
    return command.startswith(JOB_PREFIX)


def handle_button(content: Content, state: State, lang: str, args: list[str]) -> Result | None:
    """`ask:FLOW`, `on:FLOW:arrival|payment:DAYS_AGO` or `off`; None for anything forged."""
    action = args[0] if args else ""
    if action == "off":
        return cancel(content, state, lang)
    flow, facts = _finished_run(content, state, args[1] if len(args) > 1 else "")
    if flow is None or not offered(flow, facts):
        return None
    if action == "ask" and len(args) == 2:
        return state, [_ask_start(content, flow, facts, lang)]
    starts = {reminder.start for reminder in offered(flow, facts)}
    if action == "on" and len(args) == 4 and args[2] in starts:
        days_ago = int(args[3]) if args[3].isdigit() else -1
        if days_ago in ARRIVAL_CHOICES:
            return opt_in(content, state, flow, facts, args[2], days_ago, lang)
    return None


def _finished_run(
    content: Content, state: State, flow_id: str
) -> tuple[Flow | None, dict[str, str]]:
    flow = content.flows.get(flow_id)
    run = state.flow
    if flow is None or not run or run.get("flow") != flow_id:
        return None, {}
    position = replay(flow, run.get("answers", []))
    return (flow, position.facts) if position.finished else (None, {})


def _ask_start(content: Content, flow: Flow, facts: dict[str, str], lang: str) -> Ask:
    starts = {reminder.start for reminder in offered(flow, facts)}
    buttons: list[Button] = []
    if "arrival" in starts:
        buttons += [
            Button(content.text(f"reminder_arrived_{days}", lang), _on(flow, "arrival", days))
            for days in ARRIVAL_CHOICES
        ]
    if "payment" in starts:
        buttons.append(Button(content.text("reminder_paid_today", lang), _on(flow, "payment", 0)))
    keys = [key for start, key in ASK_TEXTS if start in starts]
    text = "\n\n".join(content.text(key, lang) for key in keys)
    return Ask(text, (*buttons, menu_button(content, lang)))


def _on(flow: Flow, start: str, days_ago: int) -> str:
    return f"v1:rm:on:{flow.id}:{start}:{days_ago}"


def opt_in(
    content: Content,
    state: State,
    flow: Flow,
    facts: dict[str, str],
    start: str,
    days_ago: int,
    lang: str,
) -> Result:
    """Schedule every matching reminder from the named day; say which dates were set."""
    now = state.seen_at
    jobs = dict(_jobs(state))
    events: list[Event] = []
    lines: list[str] = []
    for reminder in (r for r in offered(flow, facts) if r.start == start):
        due = _first_deadline(reminder, now - days_ago * DAY)
        remind_at = due - reminder.remind_days_before * DAY
        job = f"{JOB_PREFIX}{flow.id}:{reminder.id}"
        title = reminder.title[lang]
        if remind_at > now:
            events.append(Schedule(job, int(remind_at - now)))
            jobs[job] = due
            lines.append(content.text("reminder_line", lang, date=_date(remind_at), title=title))
        else:
            lines.append(content.text("reminder_too_late", lang, date=_date(due), title=title))
    text = content.text("reminder_set" if events else "reminder_none_set", lang)
    buttons = (Button(content.text("reminder_cancel_button", lang), CANCEL),) if jobs else ()
    ask = Ask("\n\n".join([text, "\n".join(lines)]), (*buttons, menu_button(content, lang)))
    return _with_jobs(state, jobs), [*events, ask]


def _first_deadline(reminder: Reminder, start: float) -> float:
    if reminder.due_days is not None:
        return start + reminder.due_days * DAY
    return add_months(start, reminder.every_months or 1)


def cancel(content: Content, state: State, lang: str) -> Result:
    """One button turns every reminder off; the timers go with `Unschedule`."""
    events: list[Event] = [Unschedule(job) for job in _jobs(state)]
    ask = Ask(content.text("reminder_cancelled", lang), (menu_button(content, lang),))
    return _with_jobs(state, {}), [*events, ask]


def fire(content: Content, state: State, job: str, now: float) -> Result:
    """The reminder's text; a monthly one schedules its next month. Cancelled jobs stay silent."""
    jobs = dict(_jobs(state))
    reminder = _reminder_of(content, job)
    if job not in jobs or reminder is None:
        jobs.pop(job, None)
        return _with_jobs(state, jobs), []
    lang = state.lang or "ru"
    due = float(jobs.pop(job))
    events: list[Event] = [_reminder_message(content, reminder, due, lang)]
    if reminder.every_months:
        following = add_months(due, reminder.every_months)
        remind_at = following - reminder.remind_days_before * DAY
        events.append(Schedule(job, max(0, int(remind_at - now))))
        jobs[job] = following
    return _with_jobs(state, jobs), events


def _reminder_message(content: Content, reminder: Reminder, due: float, lang: str) -> Ask:
    buttons = (
        Button(content.text("reminder_cancel_button", lang), CANCEL),
        human_button(content, lang),
        menu_button(content, lang),
    )
    return Ask(reminder.text[lang].format(date=_date(due)), buttons)


def _reminder_of(content: Content, job: str) -> Reminder | None:
    flow_id, _, reminder_id = job.removeprefix(JOB_PREFIX).partition(":")
    flow = content.flows.get(flow_id)
    if flow is None:
        return None
    return next((r for r in flow.reminders if r.id == reminder_id and r.verified), None)


def _jobs(state: State) -> dict[str, Any]:
    stored = state.extra.get("reminders")
    return stored if isinstance(stored, dict) else {}


def _with_jobs(state: State, jobs: dict[str, Any]) -> State:
    extra = {k: v for k, v in state.extra.items() if k != "reminders"}
    return replace(state, extra={**extra, "reminders": jobs} if jobs else extra)


def add_months(timestamp: float, months: int) -> float:
    """Same day next month (the 31st becomes the month's last day), same time of day."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day).timestamp()


def _date(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%d.%m.%Y")
