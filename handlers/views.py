"""Modal submissions: mentor profile, mentee request and decline reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blockkit import forms
from bot.storage.database import unit_of_work
from bot.runtime import Runtime
from bot.blockkit.blocks import modal, section
from bot.matching.modals import DECLINE_REASON_CALLBACK, OFFER_CALLBACK, REQUEST_CALLBACK
from bot.people.directory import open_programs
from handlers.context import int_or_none, metadata, team_of, user_of
from handlers.home import publish_home

ALREADY_OPEN = (
    "You already have a request open in this program. I'll message you as soon as a mentor accepts; "
    "`/mentor status` shows where it stands."
)


def notice(title: str, text: str) -> dict[str, Any]:
    view = modal("notice", title, [section(text)], "OK")
    del view["submit"]
    view["close"]["text"] = "Close"
    return view


def _program_id(rt: Runtime, team_id: str, view: dict[str, Any]) -> tuple[int | None, dict[str, str]]:
    with unit_of_work(rt.sessions) as s:
        allowed = {p.id for p in open_programs(s, team_id, rt.now())}
    fallback = int_or_none(metadata(view).get("program_id"))
    if fallback not in allowed:
        fallback = min(allowed) if len(allowed) == 1 else None
    return forms.parse_program(forms.StateReader(view.get("state", {}).get("values")), allowed, fallback)


def register(app: App, rt: Runtime) -> None:
    def offer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), user_of(body)
        program_id, errors = _program_id(rt, team_id, view)
        program = rt.programs.get(team_id, program_id) if program_id is not None else None
        form, form_errors = forms.read_profile(view.get("state", {}).get("values"),
                                               program.default_capacity if program else 2)
        errors = {**errors, **form_errors}
        if not errors and form is not None and program_id is not None:
            rt.people.refresh(team_id, user_id, rt.now())
            errors = rt.mentoring.save_profile(team_id, user_id, program_id, form, rt.now())
        if errors:
            ack(response_action="errors", errors=errors)
            return
        publish_home(rt, team_id, [user_id])
        ack(
            response_action="update",
            view=notice(
                "You're a mentor!",
                "Your mentor profile is saved. When a mentee's goals fit your strengths, I'll message you "
                "with their request so you can accept or decline. Run `/mentor offer` any time to edit it.",
            ),
        )

    def request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = team_of(body), user_of(body)
        program_id, errors = _program_id(rt, team_id, view)
        form, form_errors = forms.read_request(view.get("state", {}).get("values"))
        errors = {**errors, **form_errors}
        if errors or form is None or program_id is None:
            ack(response_action="errors", errors=errors)
            return
        rt.people.refresh(team_id, user_id, rt.now())
        source_key = f"view:{view.get('id') or view.get('hash') or body.get('trigger_id')}"
        outcome = rt.mentoring.create_request(team_id, user_id, program_id, form, source_key, rt.now())
        if outcome.kind == "already_open":
            ack(response_action="errors", errors={"goals": ALREADY_OPEN})
            return
        if outcome.kind == "created":
            publish_home(rt, team_id, [user_id])
        ack()

    def reason_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        proposal_id = int_or_none(metadata(view).get("proposal_id"))
        reason = forms.read_reason(view.get("state", {}).get("values"))
        saved = proposal_id is not None and rt.mentoring.record_decline_reason(
            team_of(body), user_of(body), proposal_id, reason
        )
        if saved:
            ack()
        else:
            ack(response_action="errors", errors={"reason": "I couldn't find that declined request any more."})

    app.view(OFFER_CALLBACK)(offer_submitted)
    app.view(REQUEST_CALLBACK)(request_submitted)
    app.view(DECLINE_REASON_CALLBACK)(reason_submitted)
