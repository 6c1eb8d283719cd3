"""What pairs answer: check-ins, the confidence pulse, "need help", shared prompts, feedback and surveys;
and, through `goals`, `relationship` and `support`, the mid-point goals, the relationship check and the
mentee's choice of encouragement.

Every method re-checks that the person answering belongs to the pair, inside the workspace the
request came from, and that the pairing is still in the state the answer belongs to: an active pair
for everything of the weekly rhythm, a completed one for the closing survey and what comes after. An
old button from a pair that has ended delivers nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.text import is_blank
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.pairing import messages as views
from bot.pairing import prompts
from bot.pairing.goals import GoalReviews
from bot.pairing.membership import Answer, AnswerKind, active_pair, id_ok, in_pair, member
from bot.pairing.relationship import RelationshipChecks
from bot.pairing.support import ConfidenceSupport, nudge_after_pulse
from bot.programs.owners import Owners
from bot.storage.database import rows_changed, unit_of_work
from bot.storage.models import CheckIn, Feedback, HelpReport, Pairing, Program, PromptUse, Survey
from bot.storage.statuses import (
    Afterwards,
    CheckInAnswer,
    CheckInStatus,
    DeliveryKind,
    GoalsReached,
    PairingStatus,
    ProgramKind,
)

log = logging.getLogger(__name__)

REMINDER_DELAY = timedelta(days=2)


def may_rematch(pairing: Pairing) -> bool:
    """A mentee may ask for a new mentor from an active pair, or once the program has run its course."""
    return pairing.status in (PairingStatus.ACTIVE, PairingStatus.COMPLETED)


class PairAnswers:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, owners: Owners):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.owners = owners
        self.goals = GoalReviews(sessions, dispatcher)
        self.relationship = RelationshipChecks(sessions, dispatcher)
        self.support = ConfidenceSupport(sessions)

    def _checkin(self, s: Session, team_id: str, user_id: str, checkin_id: int) -> Answer:
        if not id_ok(checkin_id):
            return Answer(AnswerKind.NOT_FOUND)
        checkin = s.scalar(select(CheckIn).where(CheckIn.id == checkin_id, CheckIn.team_id == team_id))
        pairing = s.get(Pairing, checkin.pairing_id) if checkin else None
        if checkin is None or pairing is None:
            return Answer(AnswerKind.NOT_FOUND)
        if not member(pairing, user_id):
            return Answer(AnswerKind.FORBIDDEN, pairing, checkin)
        # An ended pair comes first: a superseded check-in of an ended pair takes no late answers either.
        if pairing.status != PairingStatus.ACTIVE or checkin.status == CheckInStatus.CLOSED:
            return Answer(AnswerKind.ENDED, pairing, checkin)
        if checkin.status == CheckInStatus.SUPERSEDED:
            return Answer(AnswerKind.SUPERSEDED, pairing, checkin)
        return Answer(AnswerKind.OK, pairing, checkin)

    def checkin_for(self, team_id: str, user_id: str, checkin_id: int) -> Answer:
        with unit_of_work(self.sessions) as s:
            return self._checkin(s, team_id, user_id, checkin_id)

    def answer(self, team_id: str, user_id: str, checkin_id: int, answer: CheckInAnswer, now: datetime) -> Answer:
        """Records the answer and who gave it. A "we met" is never overwritten by a later answer."""
        ids: list[int | None] = []
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            if found.kind != AnswerKind.OK:
                return found
            checkin, pairing = found.checkin, found.pairing
            assert checkin is not None and pairing is not None
            if checkin.answer == CheckInAnswer.MET:
                return Answer(AnswerKind.ALREADY, pairing, checkin)
            checkin.answer, checkin.answered_by, checkin.answered_at = answer, user_id, now
            if answer == CheckInAnswer.MET:
                checkin.status = CheckInStatus.ANSWERED
                checkin.remind_at = None
                if user_id == pairing.mentor_user_id:
                    # The confidence pulse belongs to the mentee: ask them privately.
                    ids.append(
                        outbox.enqueue(
                            s,
                            team_id=team_id,
                            key=f"pulse:{checkin.id}",
                            kind=DeliveryKind.PULSE,
                            payload=views.confidence_request(checkin.id, pairing.mentor_user_id),
                            target=pairing.mentee_user_id,
                            pairing_id=pairing.id,
                            now=now,
                        )
                    )
            elif answer == CheckInAnswer.NOT_YET:
                checkin.remind_at = now + REMINDER_DELAY
        self.dispatcher.dispatch(ids, now)
        return Answer(AnswerKind.OK, pairing, checkin)

    def skip_reminder(self, team_id: str, user_id: str, checkin_id: int) -> Answer:
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            if found.checkin is not None and found.kind == AnswerKind.OK:
                found.checkin.remind_at = None
            return found

    def pulse(
        self,
        team_id: str,
        user_id: str,
        checkin_id: int,
        usefulness: int | None,
        confidence: int | None,
        now: datetime,
        support: bool | None = None,
    ) -> Answer:
        """Records the ratings. A mentee's pulse may prompt their mentor to encourage them (`bot.pairing.support`),
        and the mentee may say, with `support`, whether it should."""
        nudge = None
        with unit_of_work(self.sessions) as s:
            found = self._checkin(s, team_id, user_id, checkin_id)
            checkin, pairing = found.checkin, found.pairing
            if found.kind not in (AnswerKind.OK, AnswerKind.SUPERSEDED) or checkin is None or pairing is None:
                return found
            if usefulness is not None:
                checkin.usefulness = usefulness
            if user_id == pairing.mentee_user_id:
                if support is not None:
                    pairing.confidence_support = support
                if confidence is not None:
                    checkin.confidence = confidence
                    s.flush()
                    nudge = nudge_after_pulse(s, pairing, checkin, now)
        self.dispatcher.dispatch([nudge], now)
        return Answer(AnswerKind.OK, pairing, checkin)

    def need_help(
        self, team_id: str, user_id: str, checkin_id: int, note: str, source_key: str, now: datetime
    ) -> Answer:
        """The note goes to the program owners only; the mentee is offered a no-fault rematch."""
        if is_blank(note):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = self._checkin(s, team_id, user_id, checkin_id)
                if found.kind not in (AnswerKind.OK, AnswerKind.SUPERSEDED) or found.pairing is None:
                    return found
                checkin = found.checkin
                if checkin is not None and checkin.answer != CheckInAnswer.MET:
                    checkin.answer, checkin.answered_by, checkin.answered_at = CheckInAnswer.NEED_HELP, user_id, now
                ids = self._help_note(s, found.pairing, user_id, note, source_key, now)
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        self.dispatcher.dispatch(ids, now)
        return Answer(AnswerKind.OK, found.pairing, found.checkin)

    def raise_privately(
        self, team_id: str, user_id: str, pairing_id: int, note: str, source_key: str, now: datetime
    ) -> Answer:
        """A note to the program owners about an active pair, outside any check-in (after "we disagree")."""
        if is_blank(note):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = active_pair(s, team_id, user_id, pairing_id)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                ids = self._help_note(s, found.pairing, user_id, note, source_key, now)
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        self.dispatcher.dispatch(ids, now)
        return Answer(AnswerKind.OK, found.pairing)

    def _help_note(
        self, s: Session, pairing: Pairing, user_id: str, note: str, source_key: str, now: datetime
    ) -> list[int | None]:
        """Stores the note and queues it to each program owner, with an answer to its author."""
        team_id = pairing.team_id
        report = HelpReport(
            team_id=team_id,
            pairing_id=pairing.id,
            user_id=user_id,
            text=note,
            source_key=source_key,
            created_at=now,
        )
        s.add(report)
        s.flush()
        program = s.get(Program, pairing.program_id)
        assert program is not None
        owners = self.owners.recipients(s, program)
        if not owners:
            log.error(
                "help report %s in workspace %s has no program owner to go to; set MENTOR_PROGRAM_OWNERS",
                report.id,
                team_id,
            )
        ids = [
            outbox.enqueue(
                s,
                team_id=team_id,
                key=f"help:{report.id}:{owner}",
                kind=DeliveryKind.OWNER_HELP,
                payload=views.owner_help_report(pairing, program, user_id, note),
                target=owner,
                pairing_id=pairing.id,
                now=now,
            )
            for owner in owners
        ]
        offer = views.rematch_offer(pairing) if user_id == pairing.mentee_user_id else views.help_acknowledged()
        ids.append(
            outbox.enqueue(
                s,
                team_id=team_id,
                key=f"help:{report.id}:ack",
                kind=DeliveryKind.HELP_ACK,
                payload=offer,
                target=user_id,
                now=now,
            )
        )
        return ids

    def share_prompt(self, team_id: str, user_id: str, prompt_use_id: int, now: datetime) -> Answer:
        if not id_ok(prompt_use_id):
            return Answer(AnswerKind.NOT_FOUND)
        with unit_of_work(self.sessions) as s:
            use = s.scalar(select(PromptUse).where(PromptUse.id == prompt_use_id, PromptUse.team_id == team_id))
            pairing = s.get(Pairing, use.pairing_id) if use else None
            prompt = prompts.by_key(use.prompt_key) if use else None
            if use is None or pairing is None or prompt is None:
                return Answer(AnswerKind.NOT_FOUND)
            if user_id != pairing.mentee_user_id:
                return Answer(AnswerKind.FORBIDDEN, pairing)
            if pairing.status != PairingStatus.ACTIVE:
                return Answer(AnswerKind.ENDED, pairing)
            program = s.get(Program, pairing.program_id)
            reverse = program is not None and program.kind == ProgramKind.REVERSE
            delivery = outbox.enqueue(
                s,
                team_id=team_id,
                key=f"share:{use.id}",
                kind=DeliveryKind.SHARED_PROMPT,
                payload=views.shared_prompt(pairing, prompt, reverse),
                pairing_id=pairing.id,
                now=now,
            )
        self.dispatcher.dispatch([delivery], now)
        return Answer(AnswerKind.OK if delivery else AnswerKind.ALREADY, pairing)

    def _pairing(self, s: Session, team_id: str, pairing_id: int) -> Pairing | None:
        if not id_ok(pairing_id):
            return None
        return s.scalar(select(Pairing).where(Pairing.id == pairing_id, Pairing.team_id == team_id))

    def _pairing_in(self, team_id: str, user_id: str, pairing_id: int, *statuses: PairingStatus) -> Answer:
        with unit_of_work(self.sessions) as s:
            return in_pair(self._pairing(s, team_id, pairing_id), user_id, *statuses)

    def pairing_for(self, team_id: str, user_id: str, pairing_id: int) -> Answer:
        """A pairing the person belongs to that is active or has run its course; ENDED if it ended early."""
        return self._pairing_in(team_id, user_id, pairing_id, PairingStatus.ACTIVE, PairingStatus.COMPLETED)

    def feedback_for(self, team_id: str, user_id: str, pairing_id: int) -> Answer:
        """The pairing a "Share feedback" button belongs to, while it is active."""
        return self._pairing_in(team_id, user_id, pairing_id, PairingStatus.ACTIVE)

    def survey_for(self, team_id: str, user_id: str, pairing_id: int) -> Answer:
        """The pairing a closing survey belongs to, once the program has run its course."""
        return self._pairing_in(team_id, user_id, pairing_id, PairingStatus.COMPLETED)

    def feedback(
        self,
        team_id: str,
        user_id: str,
        pairing_id: int,
        round_: int,
        working: str,
        try_differently: str,
        now: datetime,
    ) -> Answer:
        if is_blank(working) or is_blank(try_differently):
            return Answer(AnswerKind.EMPTY)
        try:
            with unit_of_work(self.sessions) as s:
                found = in_pair(self._pairing(s, team_id, pairing_id), user_id, PairingStatus.ACTIVE)
                if found.kind != AnswerKind.OK or found.pairing is None:
                    return found
                pairing = found.pairing
                other = pairing.mentor_user_id if user_id == pairing.mentee_user_id else pairing.mentee_user_id
                item = Feedback(
                    team_id=team_id,
                    pairing_id=pairing.id,
                    round=round_,
                    from_user_id=user_id,
                    to_user_id=other,
                    working=working,
                    try_differently=try_differently,
                    created_at=now,
                )
                s.add(item)
                s.flush()
                delivery = outbox.enqueue(
                    s,
                    team_id=team_id,
                    key=f"feedback:{item.id}",
                    kind=DeliveryKind.FEEDBACK,
                    payload=views.feedback_delivery(user_id, working, try_differently),
                    target=other,
                    pairing_id=pairing.id,
                    now=now,
                )
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        self.dispatcher.dispatch([delivery], now)
        return Answer(AnswerKind.OK, pairing)

    def survey(
        self,
        team_id: str,
        user_id: str,
        pairing_id: int,
        rating: int,
        recommend: int,
        goals: GoalsReached,
        now: datetime,
    ) -> Answer:
        try:
            with unit_of_work(self.sessions) as s:
                found = in_pair(self._pairing(s, team_id, pairing_id), user_id, PairingStatus.COMPLETED)
                if found.kind != AnswerKind.OK:
                    return found
                s.add(
                    Survey(
                        team_id=team_id,
                        pairing_id=pairing_id,
                        user_id=user_id,
                        rating=rating,
                        recommend=recommend,
                        goals_reached=goals,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return Answer(AnswerKind.ALREADY)
        return Answer(AnswerKind.OK, found.pairing)

    def afterwards(self, team_id: str, user_id: str, pairing_id: int, choice: Afterwards) -> Answer:
        """What a pair chose once the program ended; a pair that ended early has nothing to choose."""
        with unit_of_work(self.sessions) as s:
            found = in_pair(self._pairing(s, team_id, pairing_id), user_id, PairingStatus.COMPLETED)
            if found.kind != AnswerKind.OK:
                return found
            changed = s.execute(
                update(Pairing)
                .where(Pairing.id == pairing_id, Pairing.status == PairingStatus.COMPLETED)
                .values(afterwards=choice)
            )
            return Answer(AnswerKind.OK if rows_changed(changed) else AnswerKind.ENDED, found.pairing)
