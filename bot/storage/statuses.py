"""Every status and outcome the database stores, as StrEnums: one spelling each, checked by mypy."""

from __future__ import annotations

from enum import StrEnum


class ProgramKind(StrEnum):
    CLASSIC = "classic"
    REVERSE = "reverse"  # junior colleagues mentor seniors, usually on tech


class ProgramStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RequestStatus(StrEnum):
    WAITING = "waiting"
    CHOOSING = "choosing"  # the mentee has a list of mentors to choose from (programs where mentees choose)
    PROPOSED = "proposed"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"


OPEN_REQUEST_STATUSES = (RequestStatus.WAITING, RequestStatus.CHOOSING, RequestStatus.PROPOSED)


class Chooser(StrEnum):
    """Who picks the mentor for a request in a program."""

    MENTOR = "mentor"  # the best match is asked at once, and accepts or declines
    MENTEE = "mentee"  # the mentee picks from their best matches; only that mentor is asked


class ChoiceStatus(StrEnum):
    """A list of mentors sent to a mentee to choose from."""

    OPEN = "open"
    PICKED = "picked"  # the mentee chose a mentor, who was asked
    PASSED = "passed"  # the mentee chose none of them
    REPLACED = "replaced"  # the mentor they chose had no place any more: a fresh list followed


class ProposalStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class PairingStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # before the program's end: someone left, asked for a rematch or became unreachable
    COMPLETED = "completed"  # the program ran its course


class EndReason(StrEnum):
    LEFT = "left"
    REMATCH = "rematch"
    UNREACHABLE = "unreachable"
    PROGRAM_FINISHED = "program finished"


class Afterwards(StrEnum):
    """What a pair chose once the program ended."""

    INFORMAL = "informal"
    REMATCH = "rematch"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class CheckInStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


class CheckInAnswer(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    NEED_HELP = "need_help"


class GoalsReached(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class CohortPlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Audience(StrEnum):
    """Who a prompt is written for."""

    MENTEE = "mentee"
    MENTOR = "mentor"


class GoalsChoice(StrEnum):
    """What someone made of the mentee's goals at the pair's mid-point."""

    KEEP = "keep"  # the mentee keeps them as they are
    REFINE = "refine"  # the mentee sharpened them
    REPLACE = "replace"  # the mentee set new ones
    REVIEWED = "reviewed"  # the mentor looked them over
    SUGGESTED = "suggested"  # the mentor looked them over and sent the mentee a suggestion


class Relationship(StrEnum):
    """An answer to "How is the relationship going?"."""

    GOOD = "good"
    DRIFTING = "drifting"
    DISAGREE = "disagree"


class DeliveryKind(StrEnum):
    """What an outbound message is, for logs and for the rules that depend on it."""

    PROPOSAL = "proposal"
    PROPOSAL_REMINDER = "proposal_reminder"
    PROPOSAL_EXPIRED = "proposal_expired"
    MENTEE_NOTE = "mentee_note"
    INTRO = "intro"
    PAIRING_ENDED = "pairing_ended"
    CHECKIN = "checkin"
    CHECKIN_REMINDER = "checkin_reminder"
    PROMPT = "prompt"
    SHARED_PROMPT = "shared_prompt"
    PULSE = "pulse"
    FEEDBACK_INVITE = "feedback_invite"
    FEEDBACK = "feedback"
    NUDGE = "nudge"
    HELP_ACK = "help_ack"
    CLOSING_SURVEY = "closing_survey"
    STATS = "stats"
    PAUSE_NOTE = "pause_note"  # to a partner: the other person paused or came back
    MY_DATA = "my_data"  # a person's own data, on request
    GOALS_REVIEW = "goals_review"  # the mid-point look at the mentee's goals, to each of the pair
    GOALS_SUGGESTION = "goals_suggestion"  # a mentor's suggestion about the goals, to the mentee alone
    CONFIDENCE_SUPPORT = "confidence_support"  # to a mentor: a prompt to encourage, never the score
    RELATIONSHIP_CHECK = "relationship_check"  # "How is the relationship going?", to each of the pair
    RELATIONSHIP_FOLLOW_UP = "relationship_follow_up"  # a re-start plan or a guide, after an answer
    RHYTHM_NOTE = "rhythm_note"  # to a partner: the pair's check-ins now come at another cadence
    # Private to the program owners: re-checked against the owner rule just before sending.
    OWNER_HELP = "owner_help"
    OWNER_ALERT = "owner_alert"


OWNER_ONLY_KINDS = frozenset({DeliveryKind.OWNER_HELP, DeliveryKind.OWNER_ALERT})
