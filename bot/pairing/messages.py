"""Messages of a pair's life: check-ins, prompts, feedback, nudges, alerts, the closing survey, and where you stand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.blockkit.blocks import Block, actions, button, context, escape, message, quote, section
from bot.blockkit.text import join_words, plural, slack_date
from bot.matching.reasons import Reader, render
from bot.pairing.prompts import Prompt
from bot.programs.catalog import cohort_end
from bot.storage.models import MentoringRequest, Pairing, Program
from bot.storage.statuses import CheckInAnswer, EndReason, PairingStatus, RequestStatus

if TYPE_CHECKING:
    from bot.pairing.pairings import Places, Standing

MET_ACTION = "checkin_met"
NOT_YET_ACTION = "checkin_not_yet"
HELP_ACTION = "checkin_help"
SKIP_REMINDER_ACTION = "checkin_skip_reminder"
CONFIDENCE_ACTION_PREFIX = "pulse_confidence_"
SHARE_PROMPT_ACTION = "prompt_share"
FEEDBACK_ACTION = "feedback_open"
SURVEY_ACTION = "survey_open"
INFORMAL_ACTION = "after_informal"
REMATCH_ACTION = "after_rematch"


def _checkin_buttons(checkin_id: int) -> Block:
    value = str(checkin_id)
    return actions(
        button("We met", MET_ACTION, value, style="primary"),
        button("Not yet", NOT_YET_ACTION, value),
        button("Need help", HELP_ACTION, value),
        block_id=f"checkin-{checkin_id}",
    )


def checkin_message(pairing: Pairing, checkin_id: int, period: int) -> dict[str, Any]:
    mentee, mentor = f"<@{pairing.mentee_user_id}>", f"<@{pairing.mentor_user_id}>"
    text = f"Check-in, week {period}: have you two met since my last message?"
    blocks = [
        section(f"*Check-in, week {period}* · {mentee} and {mentor}\nHave you two met since my last message?"),
        _checkin_buttons(checkin_id),
        context("Either of you can answer. *Need help* is private: only the program owners see what you write."),
    ]
    return message(text, blocks)


def checkin_reminder(pairing: Pairing, checkin_id: int) -> dict[str, Any]:
    text = "A friendly nudge: have you found time to meet yet?"
    blocks = [
        section(
            f"<@{pairing.mentee_user_id}> <@{pairing.mentor_user_id}>, a friendly nudge: "
            "have you found time to meet yet? Even 20 minutes keeps the momentum going."
        ),
        _checkin_buttons(checkin_id),
    ]
    return message(text, blocks)


def checkin_answered(answer: CheckInAnswer, user_id: str, checkin_id: int, period: int) -> dict[str, Any]:
    """The check-in message after an answer; the ratings themselves stay private."""
    who = f"<@{user_id}>"
    if answer == CheckInAnswer.MET:
        text = f"Week {period}: {who} says you met. Great to hear, keep it going!"
        return message(text, [section(text)])
    text = f"Week {period}: not yet, says {who}. No problem: I'll check back in 2 days."
    return message(
        text,
        [
            section(text),
            actions(
                button("Skip the reminder", SKIP_REMINDER_ACTION, str(checkin_id)), block_id=f"remind-{checkin_id}"
            ),
            _checkin_buttons(checkin_id),
        ],
    )


def confidence_request(checkin_id: int, mentor_user_id: str) -> dict[str, Any]:
    text = f"You met <@{mentor_user_id}>! A quick pulse: how confident do you feel about your goals?"
    return message(
        text,
        [
            section(text),
            actions(
                *(button(str(n), f"{CONFIDENCE_ACTION_PREFIX}{n}", f"{checkin_id}:{n}") for n in range(1, 6)),
                block_id=f"pulse-{checkin_id}",
            ),
            context(
                "1 = not at all, 5 = very confident. Your score stays private: owners see only anonymous trends. "
                "If it dips, your mentor may get a nudge to encourage you, never the score (App Home turns this off)."
            ),
        ],
    )


def pulse_recorded(score: int) -> dict[str, Any]:
    text = f"Thanks! I've noted {score} out of 5, just for you and the program's anonymous trends."
    return message(text, [section(text)])


def mentee_prompt(pairing: Pairing, prompt: Prompt, prompt_use_id: int, reverse: bool) -> dict[str, Any]:
    body = prompt.text(reverse)
    return message(
        f"Something to think through with your mentor: {body}",
        [
            section(f"*Something to think through with <@{pairing.mentor_user_id}>*\n{body}"),
            actions(
                button("Share with my mentor", SHARE_PROMPT_ACTION, str(prompt_use_id)),
                block_id=f"prompt-{prompt_use_id}",
            ),
            context("Only you see this until you share it."),
        ],
    )


def shared_prompt(pairing: Pairing, prompt: Prompt, reverse: bool) -> dict[str, Any]:
    text = f"<@{pairing.mentee_user_id}> would like to talk about this next time:"
    return message(text, [section(text + "\n" + quote(prompt.text(reverse)))])


def mentor_prompt(pairing: Pairing, prompt: Prompt, reverse: bool) -> dict[str, Any]:
    body = prompt.text(reverse)
    return message(
        f"A thought for your mentoring: {body}",
        [
            section(f"*A thought for your mentoring with <@{pairing.mentee_user_id}>*\n{body}"),
            context("Just for you. Use it if it helps."),
        ],
    )


def feedback_invitation(pairing: Pairing, user_id: str, weeks: int, round_: int) -> dict[str, Any]:
    other = pairing.mentee_user_id if user_id == pairing.mentor_user_id else pairing.mentor_user_id
    text = f"{plural(weeks, 'week')} in with <@{other}>: time to trade feedback."
    return message(
        text,
        [
            section(f"*{text}*\nWhat's working, and one thing to try differently? Good feedback flows both ways."),
            actions(
                button("Share feedback", FEEDBACK_ACTION, f"{pairing.id}:{round_}", style="primary"),
                block_id=f"feedback-{pairing.id}-{round_}",
            ),
            context(f"Only <@{other}> will see what you write."),
        ],
    )


def feedback_delivery(from_user_id: str, working: str, try_differently: str) -> dict[str, Any]:
    text = f"<@{from_user_id}> shared some feedback with you."
    return message(
        text,
        [
            section(f"*{text}*"),
            section("*What's working*\n" + quote(working)),
            section("*One thing to try differently*\n" + quote(try_differently)),
            context("This is private to you."),
        ],
    )


def stalled_nudge(pairing: Pairing, user_id: str) -> dict[str, Any]:
    other = pairing.mentee_user_id if user_id == pairing.mentor_user_id else pairing.mentor_user_id
    text = f"It's been three check-ins since you and <@{other}> last met."
    return message(
        text,
        [
            section(
                f"{text} Weeks fill up fast. Could you find 30 minutes this week? If the match isn't working, "
                "that's all right too: press *Need help* on a check-in to tell the program owners privately."
            )
        ],
    )


def owner_stalled_alert(pairing: Pairing, program: Program) -> dict[str, Any]:
    text = (
        f"The pair <@{pairing.mentor_user_id}> (mentor) and <@{pairing.mentee_user_id}> (mentee) in "
        f"{escape(program.name)} hasn't met for four check-ins in a row."
    )
    return message(text, [section(text + " Both were nudged after the third. A personal word from you might help.")])


def owner_help_report(pairing: Pairing, program: Program, reporter: str, note: str) -> dict[str, Any]:
    text = f"<@{reporter}> asked for help with their mentoring pair."
    return message(
        text,
        [
            section(
                f"*{text}*\nPair: <@{pairing.mentor_user_id}> (mentor) and <@{pairing.mentee_user_id}> (mentee), "
                f"{escape(program.name)}."
            ),
            section("*What they wrote*\n" + quote(note or "(nothing written)")),
            context("Shared with program owners only."),
        ],
    )


def rematch_offer(pairing: Pairing) -> dict[str, Any]:
    text = "Thanks for telling me. I've passed your note to the program owners, privately."
    return message(
        text,
        [
            section(
                text + " If you'd like a fresh start, I can find you a different mentor. No one is at fault, "
                "and your current mentor will simply hear that the pairing has ended."
            ),
            actions(button("Find me a new mentor", REMATCH_ACTION, str(pairing.id)), block_id=f"rematch-{pairing.id}"),
        ],
    )


def help_acknowledged() -> dict[str, Any]:
    text = "Thanks for telling me. I've passed your note to the program owners, privately."
    return message(text, [section(text)])


def closing_survey(
    pairing: Pairing, user_id: str, program: Program, reflection: list[Block] | None = None
) -> dict[str, Any]:
    """The closing word: a cohort's pairs graduate together, a rolling pair completes its own weeks.

    `reflection` (the mentee's goals, then and now) goes in the mentee's copy alone."""
    is_mentee = user_id == pairing.mentee_user_id
    other = pairing.mentor_user_id if is_mentee else pairing.mentee_user_id
    if program.starts_at is not None and pairing.ends_at == cohort_end(program):
        text = (
            f"The {escape(program.name)} cohort has graduated: your time with <@{other}> is complete. Thank you both!"
        )
    else:
        lasted = (pairing.ends_at - pairing.started_at) if pairing.ends_at else timedelta(weeks=program.length_weeks)
        weeks = max(round(lasted / timedelta(weeks=1)), 1)
        text = (
            f"Your {plural(weeks, 'week')} with <@{other}> "
            + ("is" if weeks == 1 else "are")
            + " complete. Thank you both!"
        )
    buttons = [
        button("Take the survey", SURVEY_ACTION, str(pairing.id), style="primary"),
        button("Keep meeting informally", INFORMAL_ACTION, str(pairing.id)),
    ]
    if is_mentee:
        buttons.append(button("Find me a new mentor", REMATCH_ACTION, str(pairing.id)))
    blocks = [
        section(
            f"*{text}*\nTwo minutes for a closing survey? It helps the next pairs. "
            "You're welcome to keep meeting on your own" + (", or I can find you a new mentor." if is_mentee else ".")
        ),
        actions(*buttons, block_id=f"closing-{pairing.id}"),
    ]
    if is_mentee and reflection:
        blocks += reflection
    return message(text, blocks)


def pairing_ended_notice(other_user_id: str, reason: EndReason) -> dict[str, Any]:
    texts = {
        EndReason.LEFT: (
            f"<@{other_user_id}> has left the mentoring program, so your pairing has ended. "
            "Thank you for the time you gave each other."
        ),
        EndReason.REMATCH: (
            f"Your pairing with <@{other_user_id}> has ended: they asked for a fresh match. It's nobody's "
            "fault, and thank you for the time you gave. Your place is open for someone new."
        ),
        EndReason.UNREACHABLE: (
            f"Your pairing with <@{other_user_id}> has ended because I can no longer reach them on Slack. "
            "They may have left the workspace."
        ),
    }
    text = texts.get(reason, texts[EndReason.LEFT])
    return message(text, [section(text)])


def mentor_gone_notice(mentor_user_id: str, reason: EndReason, looking: bool) -> dict[str, Any]:
    """To a mentee whose mentor left or can no longer be reached: what happened, and what happens next."""
    if reason == EndReason.REMATCH:
        ended = (
            f"Your pairing with <@{mentor_user_id}> has ended: they felt a fresh match would serve you better. "
            "It's nobody's fault, and thank you for the time you gave."
        )
    else:
        ended = pairing_ended_notice(mentor_user_id, reason)["text"]
    if looking:
        text = (
            f"{ended} I've kept your goals and I'm already looking for a new mentor for you, "
            "so there's nothing you need to do. You'll hear from me here as soon as someone says yes."
        )
    else:
        text = f"{ended} Your program has closed, so I can't look for a new mentor in it. Try `/mentor request`."
    return message(text, [section(text)])


def partner_paused_note(user_id: str, until: datetime) -> dict[str, Any]:
    text = (
        f"<@{user_id}> is taking a break from mentoring until {slack_date(until)}. Your check-ins and prompts "
        "together pause until then and start again on their own."
    )
    return message(text, [section(text)])


def partner_resumed_note(user_id: str) -> dict[str, Any]:
    text = f"<@{user_id}> is back from their break, so your check-ins together pick up again from the next one."
    return message(text, [section(text)])


def paused_message(until: datetime, partners_told: bool = False) -> dict[str, Any]:
    when = slack_date(until)
    text = f"Paused until {when}. Your check-ins and prompts stop until then and start again on their own."
    if partners_told:
        text += " I've told your mentoring partner you're taking a break, without giving a reason."
    text += " `/mentor resume` picks up earlier. Enjoy!"
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def paused_alone_message(until: datetime) -> dict[str, Any]:
    text = (
        f"You're not in a mentoring pair right now, so there's nothing to pause yet. I've noted your break "
        f"until {slack_date(until)}: if you're matched before then, check-ins start after it."
    )
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def resumed_message(resumed: bool) -> dict[str, Any]:
    if resumed:
        text = "Welcome back! Your check-ins and prompts pick up again from the next one."
    else:
        text = "You're not paused, so there's nothing to resume. `/mentor pause` takes a break whenever you need one."
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def left_message(pairings: int, requests: int, profiles: int) -> dict[str, Any]:
    if not (pairings or requests or profiles):
        text = "You weren't part of any mentoring, so there was nothing to leave. You're welcome back any time."
    else:
        parts = []
        if pairings:
            parts.append(
                f"ended {plural(pairings, 'pairing')}, telling " + ("your partner" if pairings == 1 else "each partner")
            )
        if requests:
            parts.append("withdrawn your request" if requests == 1 else "withdrawn your requests")
        if profiles:
            parts.append("hidden your mentor profile")
        text = f"Done: I've {join_words(parts)}. Thank you for taking part; you're welcome back any time."
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}


def _places_line(places: Places) -> str:
    if not places.free:
        return "all your places are taken" if places.capacity > 1 else "your one place is taken"
    taken = f" ({places.load} of {plural(places.capacity, 'place')} taken)" if places.load else ""
    return f"you have room for {plural(places.free, 'more mentee', 'more mentees')}{taken}"


def mentor_room_lines(standing: Standing) -> list[str]:
    """A mentor's free places, per program when they mentor in more than one."""
    if len(standing.places) == 1:
        return [f"You're a mentor, and {_places_line(standing.places[0])}."]
    return [f"As a mentor in {escape(places.program)}, {_places_line(places)}." for places in standing.places]


def ended_pairing_line(standing: Standing, p: Pairing) -> str:
    """One ended pairing, told truthfully from the reader's side, with what happens next for a mentee."""
    other = p.mentor_user_id if p.mentee_user_id == standing.user_id else p.mentee_user_id
    when = f"{p.ended_at:%d %b %Y}" if p.ended_at else "recently"
    if p.status == PairingStatus.COMPLETED:
        return f"Your pairing with <@{other}> was completed on {when}."
    looking = p.mentee_user_id == standing.user_id and any(
        r.program_id == p.program_id and (p.ended_at is None or r.created_at >= p.ended_at)
        for r in standing.open_requests
    )
    return f"Your pairing with <@{other}> ended on {when}" + (
        "; I'm looking for a new mentor for you." if looking else "."
    )


def request_state(standing: Standing, request: MentoringRequest) -> str:
    """Where an open request stands, for its mentee: who was asked and why, or what they are waiting for."""
    if request.status == RequestStatus.PROPOSED:
        asked = standing.asked.get(request.id)
        if asked is None:
            return "a mentor has been asked and I'm waiting for their answer"
        why = escape("; ".join(render(asked.reasons, Reader.MENTEE)))
        return (
            f"<@{asked.mentor_user_id}> has been asked" + (f": {why}" if why else "") + ". I'm waiting for their answer"
        )
    if request.status == RequestStatus.CHOOSING:
        return "choose your mentor from the list I sent you"
    return "waiting for a mentor with room"


def paused_line(until: datetime) -> str:
    return (
        f"You're paused until {slack_date(until)}: no check-ins or prompts until then. "
        "`/mentor resume` picks up earlier."
    )


def status_message(standing: Standing) -> dict[str, Any]:
    lines: list[str] = []
    for p in standing.as_mentee:
        lines.append(f"• You're being mentored by <@{p.mentor_user_id}> since {p.started_at:%d %b %Y}.")
    for p in standing.as_mentor:
        lines.append(f"• You're mentoring <@{p.mentee_user_id}> since {p.started_at:%d %b %Y}.")
    for r in standing.open_requests:
        lines.append(f"• Your request from {r.created_at:%d %b %Y}: {request_state(standing, r)}.")
    lines += [f"• {room}" for room in mentor_room_lines(standing)]
    lines += [f"• {ended_pairing_line(standing, p)}" for p in standing.ended]
    if standing.paused_until:
        lines.append(f"• {paused_line(standing.paused_until)}")
    if not lines:
        text = (
            "You're not part of a mentoring pair yet. "
            "Try `/mentor request` to find a mentor or `/mentor offer` to become one."
        )
    elif not (standing.has_pairs() or standing.open_requests or standing.mentor_capacity):
        text = "You're not part of a mentoring pair right now.\n" + "\n".join(lines)
    else:
        text = "*Your mentoring at a glance*\n" + "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
