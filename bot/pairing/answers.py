"""What pairs answer: check-ins, the confidence pulse, "need help", shared prompts, feedback and surveys.

Every method re-checks that the person answering belongs to the pair, inside the workspace the
request came from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.pairing import prompts
from bot.storage.database import rows_changed, unit_of_work
from bot.storage.models import CheckIn, Feedback, HelpReport, Pairing, Program, PromptUse, Survey
from bot.delivery.outbox import Dispatcher
from bot.pairing.planner import REMINDER_DELAY, owners_of
from bot.pairing import messages as views

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    # "ok", "already", "forbidden", "not_found", "superseded" or "ended"
    kind: str
    pairing: Pairing | None = None
    checkin: CheckIn | None = None


def _member(pairing: Pairing | None, user_id: str) -> bool:
    return pairing is not None and user_id in (pairing.mentee_user_id, pairing.mentor_user_id)


class PairAnswers:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, owners: frozenset[str]):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.owners = owners

    def _checkin(self, s: Session, team_id: str, user_id: str, checkin_id: int) -> Answer:
        checkin = s.scalar(select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.team_id == team_id))
        pairing = s.get(Pairing, checkin.pairing_id) if checkin else None
        if checkin is None or pairing is None:
            return Answer("not_found")
        if not _member(pairing, user_id):
            return Answer("forbidden", pairing, checkin)
        if checkin.status == "superseded":
            return Answer("superseded", pairing, checkin)
        if pairing.status != "active" or checkin.status == "closed":
            return Answer("ended", pairing, checkin)
        return Answer("ok", pairing, checkin)

    def checkin_for(self, team_id: str, user_id: str, checkin_id: int) -> Answer:
        with unit_of_work(self.sessions) as s:
            return self._checkin(s, team_id, user_id, checkin_id)

    def answer(self, team_id: str, user_id: str, checkin_id: int, answer: str, now: datetime) -> Answer:
        """Records "met", "not_yet" or "need_help". A "met" is never overwritten by a later answer."""
        ids: list[int | None] = []
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            if found.kind != "ok":
                return found
            checkin, pairing = found.checkin, found.pairing
            assert checkin is not None and pairing is not None
            if checkin.answer == "met":
                return Answer("already", pairing, checkin)
            checkin.answer, checkin.answered_by, checkin.answered_at = answer, user_id, now
            if answer == "met":
                checkin.status = "answered"
                checkin.remind_at = None
                if user_id == pairing.mentor_user_id:
                    # The confidence pulse belongs to the mentee: ask them privately.
                    ids.append(outbox.enqueue(
                        s, team_id=team_id, key=f"pulse:{checkin.id}", kind="pulse",
                        payload=views.confidence_request(checkin.id, pairing.mentor_user_id),
                        target=pairing.mentee_user_id, pairing_id=pairing.id, now=now,
                    ))
            elif answer == "not_yet":
                checkin.remind_at = now + REMINDER_DELAY
        self.dispatcher.dispatch(ids, now)
        return Answer("ok", pairing, checkin)

    def skip_reminder(self, team_id: str, user_id: str, checkin_id: int) -> Answer:
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            if found.checkin is not None and found.kind == "ok":
                found.checkin.remind_at = None
            return found

    def pulse(self, team_id: str, user_id: str, checkin_id: int, usefulness: int | None,
              confidence: int | None) -> Answer:
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            if found.kind not in ("ok", "superseded") or found.checkin is None or found.pairing is None:
                return found
            if usefulness is not None:
                found.checkin.usefulness = usefulness
            if confidence is not None and user_id == found.pairing.mentee_user_id:
                found.checkin.confidence = confidence
            return Answer("ok", found.pairing, found.checkin)

    def need_help(self, team_id: str, user_id: str, checkin_id: int, note: str, source_key: str,
                  now: datetime) -> Answer:
        """The note goes to the program owners only; the mentee is offered a no-fault rematch."""
        try:
            with unit_of_work(self.sessions) as s:
                found = self._checkin(s, team_id, user_id, checkin_id)
                if found.kind not in ("ok", "superseded") or found.pairing is None:
                    return found
                pairing = found.pairing
                checkin = found.checkin
                if checkin is not None and checkin.answer != "met":
                    checkin.answer, checkin.answered_by, checkin.answered_at = "need_help", user_id, now
                report = HelpReport(team_id=team_id, pairing_id=pairing.id, user_id=user_id, text=note,
                                    source_key=source_key, created_at=now)
                s.add(report)
                s.flush()
                program = s.get(Program, pairing.program_id)
                assert program is not None
                owners = owners_of(s, team_id, self.owners)
                if not owners:
                    log.error("help report %s in workspace %s has no program owner to go to; set MENTOR_PROGRAM_OWNERS",
                              report.id, team_id)
                ids = [
                    outbox.enqueue(s, team_id=team_id, key=f"help:{report.id}:{owner}", kind="owner_help",
                                   payload=views.owner_help_report(pairing, program, user_id, note), target=owner,
                                   now=now)
                    for owner in owners
                ]
                offer = (views.rematch_offer(pairing) if user_id == pairing.mentee_user_id
                         else views.help_acknowledged())
                ids.append(outbox.enqueue(s, team_id=team_id, key=f"help:{report.id}:ack", kind="help_ack",
                                          payload=offer, target=user_id, now=now))
        except IntegrityError:
            return Answer("already")
        self.dispatcher.dispatch(ids, now)
        return Answer("ok", pairing, found.checkin)

    def share_prompt(self, team_id: str, user_id: str, prompt_use_id: int, now: datetime) -> Answer:
        with unit_of_work(self.sessions) as s:
            use = s.scalar(select(PromptUse).where(PromptUse.id == prompt_use_id, PromptUse.team_id == team_id))
            pairing = s.get(Pairing, use.pairing_id) if use else None
            prompt = prompts.by_key(use.prompt_key) if use else None
            if use is None or pairing is None or prompt is None:
                return Answer("not_found")
            if user_id != pairing.mentee_user_id:
                return Answer("forbidden", pairing)
            if pairing.status != "active":
                return Answer("ended", pairing)
            program = s.get(Program, pairing.program_id)
            reverse = program is not None and program.kind == "reverse"
            delivery = outbox.enqueue(s, team_id=team_id, key=f"share:{use.id}", kind="shared_prompt",
                                      payload=views.shared_prompt(pairing, prompt, reverse), pairing_id=pairing.id,
                                      now=now)
        self.dispatcher.dispatch([delivery], now)
        return Answer("ok" if delivery else "already", pairing)

    def pairing_for(self, team_id: str, user_id: str, pairing_id: int) -> Answer:
        with unit_of_work(self.sessions) as s:
            pairing = s.scalar(select(Pairing).where(Pairing.id == pairing_id, Pairing.team_id == team_id))
            if pairing is None:
                return Answer("not_found")
            return Answer("ok" if _member(pairing, user_id) else "forbidden", pairing)

    def feedback(self, team_id: str, user_id: str, pairing_id: int, round_: int, working: str, try_differently: str,
                 now: datetime) -> Answer:
        try:
            with unit_of_work(self.sessions) as s:
                found = self.pairing_for(team_id, user_id, pairing_id)
                if found.kind != "ok" or found.pairing is None:
                    return found
                pairing = found.pairing
                other = pairing.mentor_user_id if user_id == pairing.mentee_user_id else pairing.mentee_user_id
                item = Feedback(team_id=team_id, pairing_id=pairing.id, round=round_, from_user_id=user_id,
                                to_user_id=other, working=working, try_differently=try_differently, created_at=now)
                s.add(item)
                s.flush()
                delivery = outbox.enqueue(s, team_id=team_id, key=f"feedback:{item.id}", kind="feedback",
                                          payload=views.feedback_delivery(user_id, working, try_differently),
                                          target=other, pairing_id=pairing.id, now=now)
        except IntegrityError:
            return Answer("already")
        self.dispatcher.dispatch([delivery], now)
        return Answer("ok", pairing)

    def survey(self, team_id: str, user_id: str, pairing_id: int, rating: int, recommend: int, goals: str,
               now: datetime) -> Answer:
        try:
            with unit_of_work(self.sessions) as s:
                found = self.pairing_for(team_id, user_id, pairing_id)
                if found.kind != "ok":
                    return found
                s.add(Survey(team_id=team_id, pairing_id=pairing_id, user_id=user_id, rating=rating,
                             recommend=recommend, goals_reached=goals, created_at=now))
        except IntegrityError:
            return Answer("already")
        return Answer("ok", found.pairing)

    def afterwards(self, team_id: str, user_id: str, pairing_id: int, choice: str) -> Answer:
        with unit_of_work(self.sessions) as s:
            changed = s.execute(
                update(Pairing)
                .where(Pairing.id == pairing_id, Pairing.team_id == team_id,
                       (Pairing.mentee_user_id == user_id) | (Pairing.mentor_user_id == user_id))
                .values(afterwards=choice)
            )
            return Answer("ok" if rows_changed(changed) else "not_found")
