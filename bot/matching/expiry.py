"""Proposals that wait too long: a reminder to the mentor after two days, then, after the program's
`proposal_expiry_days`, the proposal is withdrawn, the mentor is told kindly, their place is freed and
the request goes to the next best mentor.

Run by the scheduler's tick. Each proposal is settled in its own short transaction, taking locks in the
one order every service uses (requests, then proposals, then mentor profiles, through `withdraw_pending`),
so a mentor's Accept racing the expiry either wins, and nothing expires, or finds the proposal withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.blocks import actions, button, context, message, section
from bot.blockkit.text import plural, slack_date
from bot.delivery import outbox
from bot.matching.messages import ACCEPT_ACTION, DECLINE_ACTION
from bot.matching.proposals import DeliveryIds, withdraw_pending
from bot.storage.database import retry_on_conflict, rows_changed, unit_of_work
from bot.storage.models import MentoringRequest, Program, Proposal
from bot.storage.statuses import DeliveryKind, ProposalStatus

REMIND_AFTER = timedelta(days=2)
# The shortest expiry a program may set (its form offers 1 to 30 days): younger proposals are never due.
SHORTEST_EXPIRY = timedelta(days=1)


def reminder_message(proposal: Proposal, mentee_user_id: str, expires_at: datetime) -> dict[str, Any]:
    """Asks the mentor again, with the same answers as the proposal (its buttons decide the same proposal)."""
    text = f"A gentle reminder: <@{mentee_user_id}> is still hoping you'll mentor them."
    return message(
        text,
        [
            section(
                f"{text} Could you answer by {slack_date(expires_at)}? If now isn't a good time, that's fine: "
                "say so and I'll ask someone else."
            ),
            actions(
                button("Yes, I'll mentor them", ACCEPT_ACTION, str(proposal.id), style="primary"),
                button("Not this time", DECLINE_ACTION, str(proposal.id)),
                block_id=f"proposal-reminder-{proposal.id}",
            ),
            context("Their goals and topics are in my first message about this."),
        ],
    )


def expired_message(mentee_user_id: str, days: int) -> dict[str, Any]:
    text = (
        f"No need to answer about <@{mentee_user_id}> any more. Their request waited {plural(days, 'day')}, so I've "
        "passed it on to keep things moving for them. No worries at all: your place is free again."
    )
    return message(
        text,
        [
            section(text),
            context("Too busy for new mentees right now? `/mentor offer` lets you change how many you take."),
        ],
    )


@dataclass(frozen=True)
class ExpiryReport:
    reminded: int = 0
    expired: int = 0


class ProposalExpiry:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def run(self, now: datetime) -> ExpiryReport:
        """Reminds and expires whatever is due at `now`. The tick sends the deliveries it queues."""
        with unit_of_work(self.sessions) as s:
            due = s.execute(
                select(Proposal.id, Proposal.created_at, Proposal.reminded_at, Program.proposal_expiry_days)
                .join(MentoringRequest, MentoringRequest.id == Proposal.request_id)
                .join(Program, Program.id == MentoringRequest.program_id)
                .where(Proposal.status == ProposalStatus.PENDING, Proposal.created_at <= now - SHORTEST_EXPIRY)
                .order_by(Proposal.id)
            ).all()
        reminded = expired = 0
        for proposal_id, created_at, reminded_at, days in due:
            expires_at = created_at + timedelta(days=days)
            if expires_at <= now:
                expired += bool(self._expire(proposal_id, now))
            elif reminded_at is None and created_at + REMIND_AFTER <= now:
                reminded += bool(self._remind(proposal_id, expires_at, now))
        return ExpiryReport(reminded, expired)

    def _remind(self, proposal_id: int, expires_at: datetime, now: datetime) -> DeliveryIds:
        with unit_of_work(self.sessions) as s:
            marked = s.execute(
                update(Proposal)
                .where(
                    Proposal.id == proposal_id,
                    Proposal.status == ProposalStatus.PENDING,
                    Proposal.reminded_at.is_(None),
                )
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            )
            if not rows_changed(marked):
                return []
            proposal = s.get(Proposal, proposal_id)
            assert proposal is not None
            request = s.get(MentoringRequest, proposal.request_id)
            assert request is not None
            return [
                outbox.enqueue(
                    s,
                    team_id=proposal.team_id,
                    key=f"proposal:{proposal.id}:reminder",
                    kind=DeliveryKind.PROPOSAL_REMINDER,
                    payload=reminder_message(proposal, request.mentee_user_id, expires_at),
                    target=proposal.mentor_user_id,
                    now=now,
                )
            ]

    @retry_on_conflict
    def _expire(self, proposal_id: int, now: datetime) -> DeliveryIds:
        """Withdraws one proposal that waited too long, tells its mentor, and asks the next best mentor."""
        with unit_of_work(self.sessions) as s:
            proposal = s.get(Proposal, proposal_id)
            if proposal is None or proposal.status != ProposalStatus.PENDING:
                return []
            freed = withdraw_pending(s, Proposal.id == proposal_id, now)
            # Marked withdrawn only when this call withdrew it; an answer that came first stands.
            if proposal.status != ProposalStatus.WITHDRAWN:
                return freed
            request = s.get(MentoringRequest, proposal.request_id)
            assert request is not None
            program = s.get(Program, request.program_id)
            assert program is not None
            ids: DeliveryIds = [
                outbox.enqueue(
                    s,
                    team_id=proposal.team_id,
                    key=f"proposal:{proposal.id}:expired",
                    kind=DeliveryKind.PROPOSAL_EXPIRED,
                    payload=expired_message(request.mentee_user_id, program.proposal_expiry_days),
                    target=proposal.mentor_user_id,
                    now=now,
                )
            ]
            # The freed room went to the oldest waiting requests; `withdraw_pending` then asked for this one at
            # once if it was still waiting.
            return ids + freed
