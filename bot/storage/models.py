"""Typed ORM models. Every row carries the Slack team_id of the workspace it belongs to."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.storage.statuses import (
    Afterwards,
    Audience,
    CheckInAnswer,
    CheckInStatus,
    ChoiceStatus,
    Chooser,
    CohortPlanStatus,
    DeliveryKind,
    DeliveryStatus,
    GoalsChoice,
    GoalsReached,
    PairingStatus,
    ProgramKind,
    ProgramStatus,
    ProposalStatus,
    Relationship,
    RequestStatus,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain value in a VARCHAR, handed back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 16):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


TEAM_FK = "workspaces.team_id"

# A program's settings until its owners change them: the one place these defaults live.
PROGRAM_DEFAULTS: dict[str, Any] = {
    "kind": ProgramKind.CLASSIC,
    "length_weeks": 12,
    "cadence_weeks": 1,
    "checkin_weekday": 0,  # Monday
    "checkin_hour": 10,
    "default_capacity": 2,
    "feedback_every_weeks": 4,
    "timezone": "UTC",
    # Who picks the mentor: the best-matched mentor is asked, or the mentee chooses from their best matches.
    "who_chooses": Chooser.MENTOR,
    # Days a mentor has to answer a proposal before it goes to the next best mentor.
    "proposal_expiry_days": 5,
    # Weeks between "How is the relationship going?" checks; 0 turns them off.
    "relationship_every_weeks": 4,
}


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    # Set after a long 429: no sends to this workspace before then, from any replica.
    send_paused_until: Mapped[datetime | None]
    # Set while Slack refuses the workspace's token itself (revoked, suspended, not granted): every
    # send to it waits, and the token is probed again from `token_probe_at`.
    token_error: Mapped[str | None] = mapped_column(String(64))
    token_failed_at: Mapped[datetime | None]
    token_probe_at: Mapped[datetime | None]
    # Set for a workspace of an Enterprise Grid org: its token is found through the org's install
    # when the app was installed org-wide (`is_enterprise_install`), else through the workspace's own.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the app is uninstalled or its tokens revoked: nothing is sent from then on, and every
    # row of the workspace is deleted at `erase_after` unless the app is installed again first.
    uninstalled_at: Mapped[datetime | None]
    erase_after: Mapped[datetime | None]


# slack_sdk's installation store and OAuth state store keep their tables on our database, under our
# migrations: declared here with the store's own definitions, so the schema check covers them too.
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        CheckConstraint("kind IN ('classic', 'reverse')", name="program_kind"),
        CheckConstraint("status IN ('open', 'closed')", name="program_status"),
        CheckConstraint("who_chooses IN ('mentor', 'mentee')", name="program_who_chooses"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[ProgramKind] = mapped_column(EnumText(ProgramKind), default=PROGRAM_DEFAULTS["kind"])
    status: Mapped[ProgramStatus] = mapped_column(EnumText(ProgramStatus), default=ProgramStatus.OPEN)
    topics: Mapped[list[str]]
    created_at: Mapped[datetime]
    cadence_weeks: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["cadence_weeks"])
    checkin_weekday: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["checkin_weekday"])
    checkin_hour: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["checkin_hour"])
    length_weeks: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["length_weeks"])
    feedback_every_weeks: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["feedback_every_weeks"])
    timezone: Mapped[str] = mapped_column(String(64), default=PROGRAM_DEFAULTS["timezone"])
    # Before this instant requests wait for the owners' cohort match instead of being proposed at once.
    starts_at: Mapped[datetime | None]
    owners: Mapped[list[str]] = mapped_column(JSON, default=list)
    stats_channel: Mapped[str | None] = mapped_column(String(32))
    default_capacity: Mapped[int] = mapped_column(Integer, default=PROGRAM_DEFAULTS["default_capacity"])
    proposal_expiry_days: Mapped[int] = mapped_column(
        Integer, default=PROGRAM_DEFAULTS["proposal_expiry_days"], server_default="5"
    )
    who_chooses: Mapped[Chooser] = mapped_column(
        EnumText(Chooser), default=PROGRAM_DEFAULTS["who_chooses"], server_default=Chooser.MENTOR.value
    )
    relationship_every_weeks: Mapped[int] = mapped_column(
        Integer, default=PROGRAM_DEFAULTS["relationship_every_weeks"], server_default="4"
    )


class Person(Base):
    """What we know of a Slack user: cached from users.info, enriched by HR imports."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        # A workspace's admins, who own every program: read whenever owners are told something.
        Index(
            "ix_people_admins",
            "team_id",
            sqlite_where=text("is_admin IS 1"),
            postgresql_where=text("is_admin IS true"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_offset: Mapped[int | None] = mapped_column(Integer)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    department: Mapped[str | None] = mapped_column(String(80))
    level: Mapped[int | None] = mapped_column(Integer)
    manager_user_id: Mapped[str | None] = mapped_column(String(32))
    refreshed_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    # Set when Slack deactivates the person: their data is erased then, unless they are back by then.
    erase_after: Mapped[datetime | None]
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(120))


class MentorProfile(Base):
    """A mentor's offer within one program. `load` counts active mentees plus pending proposals."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (
        UniqueConstraint("team_id", "program_id", "user_id"),
        CheckConstraint("capacity BETWEEN 1 AND 5", name="profile_capacity_range"),
        CheckConstraint("load >= 0 AND load <= capacity", name="profile_load_within_capacity"),
        # A person's places across programs (`/mentor status`); the workspace's, by its first column.
        Index("ix_mentor_profiles_person", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    topics: Mapped[list[str]]
    capacity: Mapped[int] = mapped_column(Integer)
    load: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer)
    department: Mapped[str | None] = mapped_column(String(80))
    bio: Mapped[str | None] = mapped_column(Text)
    open_to_reverse: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# The open requests (bot.storage.statuses.OPEN_REQUEST_STATUSES), as the partial index below reads them.
OPEN_REQUEST_WHERE = "status IN ('waiting', 'choosing', 'proposed')"


class MentoringRequest(Base):
    __tablename__ = "mentoring_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "source_key"),
        CheckConstraint("status IN ('waiting', 'choosing', 'proposed', 'matched', 'withdrawn')", name="request_status"),
        # One open request per mentee and program.
        Index(
            "uq_open_request_per_mentee",
            "team_id",
            "program_id",
            "mentee_user_id",
            unique=True,
            sqlite_where=text(OPEN_REQUEST_WHERE),
            postgresql_where=text(OPEN_REQUEST_WHERE),
        ),
        Index("ix_requests_program_status", "team_id", "program_id", "status"),
        # A mentee's requests in every program (`/mentor status`).
        Index("ix_requests_mentee", "team_id", "mentee_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    mentee_user_id: Mapped[str] = mapped_column(String(32))
    goals: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]]
    wants_outside_team: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_more_senior: Mapped[bool] = mapped_column(Boolean, default=False)
    mentee_level: Mapped[int | None] = mapped_column(Integer)
    mentee_department: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[RequestStatus] = mapped_column(EnumText(RequestStatus), default=RequestStatus.WAITING)
    # Identifies the Slack submission that created the request, so a redelivery creates nothing.
    source_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    matched_at: Mapped[datetime | None]


class Proposal(Base):
    """One mentor asked to take one request. At most one is pending per request."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("request_id", "mentor_profile_id"),
        CheckConstraint("status IN ('pending', 'accepted', 'declined', 'withdrawn')", name="proposal_status"),
        Index(
            "uq_pending_proposal_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mentoring_requests.id"))
    mentor_profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"))
    mentor_user_id: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]]
    status: Mapped[ProposalStatus] = mapped_column(EnumText(ProposalStatus), default=ProposalStatus.PENDING)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # When the mentor was reminded of a proposal still waiting for their answer.
    reminded_at: Mapped[datetime | None]


class Pairing(Base):
    __tablename__ = "pairings"
    __table_args__ = (
        UniqueConstraint("request_id"),
        CheckConstraint("status IN ('active', 'ended', 'completed')", name="pairing_status"),
        CheckConstraint("mentor_user_id <> mentee_user_id", name="pairing_two_people"),
        # One active pairing per mentor-mentee pair.
        Index(
            "uq_active_pairing",
            "team_id",
            "mentor_user_id",
            "mentee_user_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # A program's pairs, for /mentor stats.
        Index("ix_pairings_program", "team_id", "program_id", "status"),
        # A person's pairs, as mentor and as mentee, active or ended (`/mentor status`, App Home).
        Index("ix_pairings_mentor", "team_id", "mentor_user_id"),
        Index("ix_pairings_mentee", "team_id", "mentee_user_id"),
        # The planner's reads: active pairs in the order their next check-in falls due, and those
        # whose program has ended. Ended pairs, most of them in time, stay out of both.
        Index(
            "ix_pairings_due",
            "next_checkin_at",
            "id",
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "ix_pairings_ending",
            "ends_at",
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by workspace through ix_pairings_program, which it begins. Every index here is written
    # again each week, when the planner moves the pair on.
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("mentoring_requests.id"))
    mentor_profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"))
    mentor_user_id: Mapped[str] = mapped_column(String(32))
    mentee_user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[PairingStatus] = mapped_column(EnumText(PairingStatus), default=PairingStatus.ACTIVE)
    # Cached group DM: conversations.open is rate-limited far harder than chat.postMessage.
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    checkin_weekday: Mapped[int] = mapped_column(Integer, default=0)
    # The rhythm: the next check-in slot (UTC) and the period it belongs to; the program's end.
    next_checkin_at: Mapped[datetime | None]  # read through ix_pairings_due
    next_period: Mapped[int] = mapped_column(Integer, default=1)
    ends_at: Mapped[datetime | None]  # read through ix_pairings_ending
    # After the program: "informal" or "rematch", as the pair chose.
    afterwards: Mapped[Afterwards | None] = mapped_column(EnumText(Afterwards))
    # The pair's mid-point, when both are asked to look at the mentee's goals again, and when they were.
    goals_review_at: Mapped[datetime | None]
    goals_asked_at: Mapped[datetime | None]
    # The mentee's choice: whether a dip in their confidence pulse prompts their mentor to encourage them.
    confidence_support: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # The pair's own check-in cadence in weeks, once they chose one; until then the program's.
    cadence_weeks: Mapped[int | None] = mapped_column(Integer)


class MessageShape(Base):
    """A message as many deliveries share it, with a numbered mark where each one's values go
    (bot/storage/shapes.py). Found by the digest of its text, never changed. Stored once per workspace,
    but for writers that met it at the same moment: the digest is not unique, so they never wait."""

    __tablename__ = "message_shapes"
    __table_args__ = (Index("ix_message_shapes_digest", "team_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    digest: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class Delivery(Base):
    """An outbound message, written in the same transaction as the change that causes it.

    The unique (team_id, key) makes every send idempotent: a retry, a double click or a second
    replica finds the row already there and sends nothing new.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="delivery_status"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[DeliveryKind] = mapped_column(EnumText(DeliveryKind, 40))
    # A channel or user ID; or, when `pairing_id` is set and the target is empty, the pair's group DM.
    target: Mapped[str | None] = mapped_column(String(32))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"))
    # The message; or, with a shape, the values that fill the shape in (bot/storage/shapes.py).
    payload: Mapped[dict[str, Any]]
    shape_id: Mapped[int | None] = mapped_column(ForeignKey("message_shapes.id"))
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    # Set by each claim; only the holder of the current token may mark the row sent or hand it back.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    sent_channel: Mapped[str | None] = mapped_column(String(32))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class CheckIn(Base):
    """One period's check-in for a pair. At most one is open per pair; a newer one supersedes it."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("pairing_id", "period"),
        CheckConstraint("status IN ('open', 'answered', 'superseded', 'closed')", name="checkin_status"),
        CheckConstraint("answer IS NULL OR answer IN ('met', 'not_yet', 'need_help')", name="checkin_answer"),
        CheckConstraint("usefulness IS NULL OR usefulness BETWEEN 1 AND 5", name="checkin_usefulness"),
        CheckConstraint("confidence IS NULL OR confidence BETWEEN 1 AND 5", name="checkin_confidence"),
        Index(
            "uq_open_checkin_per_pairing",
            "pairing_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # Reminders waiting: only an open check-in holds one (answering, superseding or closing it clears
        # it), so this index holds the few waiting and nothing else.
        Index(
            "ix_checkins_reminder",
            "remind_at",
            sqlite_where=text("remind_at IS NOT NULL"),
            postgresql_where=text("remind_at IS NOT NULL"),
        ),
        # /mentor stats reads check-ins from these alone: each pair's in period order, and the rated
        # ones with the usefulness and who gave it.
        Index("ix_checkins_pair_stats", "pairing_id", "period", "answer", "due_at", "confidence", "status"),
        Index(
            "ix_checkins_rated",
            "pairing_id",
            "answered_by",
            "usefulness",
            sqlite_where=text("usefulness IS NOT NULL"),
            postgresql_where=text("usefulness IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    period: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[CheckInStatus] = mapped_column(EnumText(CheckInStatus), default=CheckInStatus.OPEN)
    answer: Mapped[CheckInAnswer | None] = mapped_column(EnumText(CheckInAnswer))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None]
    usefulness: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[int | None] = mapped_column(Integer)
    remind_at: Mapped[datetime | None]


class PromptUse(Base):
    """A prompt sent to one side of a pair, so none repeats until its library is used up."""

    __tablename__ = "prompt_uses"
    __table_args__ = (UniqueConstraint("pairing_id", "audience", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))  # its unique constraint begins with it
    audience: Mapped[Audience] = mapped_column(EnumText(Audience))
    prompt_key: Mapped[str] = mapped_column(String(40))
    period: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Feedback(Base):
    """Two-way feedback. Its text reaches only `to_user_id`."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("pairing_id", "from_user_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    from_user_id: Mapped[str] = mapped_column(String(32))
    to_user_id: Mapped[str] = mapped_column(String(32))
    working: Mapped[str] = mapped_column(Text)
    try_differently: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("pairing_id", "user_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="survey_rating"),
        CheckConstraint("recommend BETWEEN 0 AND 10", name="survey_recommend"),
        CheckConstraint("goals_reached IN ('yes', 'partly', 'no')", name="survey_goals"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)
    recommend: Mapped[int] = mapped_column(Integer)
    goals_reached: Mapped[GoalsReached] = mapped_column(EnumText(GoalsReached, 8))
    created_at: Mapped[datetime]


class HelpReport(Base):
    """A private "need help" note. Its text goes to the program owners and nowhere else."""

    __tablename__ = "help_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class CohortPlan(Base):
    """An owner's preview of a cohort match. Publishing it sends the proposals, once."""

    __tablename__ = "cohort_plans"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="cohort_plan_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    created_by: Mapped[str] = mapped_column(String(32))
    # [{"request_id", "profile_id", "score", "reasons"}]
    assignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total_score: Mapped[float] = mapped_column(Float)
    status: Mapped[CohortPlanStatus] = mapped_column(EnumText(CohortPlanStatus), default=CohortPlanStatus.DRAFT)
    created_at: Mapped[datetime]
    # Who the plan leaves waiting, and why: [{"request_id", "why"}].
    unmatched: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # The owners' edits before publishing, oldest first: [{"kind", "requests", "profiles", "before", "after"}].
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")


class MentorChoice(Base):
    """The mentors offered to a mentee to choose from, best first, in programs where mentees choose.

    Only profile ids are kept: who they are, and why they fit, is read again when the mentee picks.
    """

    __tablename__ = "mentor_choices"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'picked', 'passed', 'replaced')", name="mentor_choice_status"),
        # A request has at most one list the mentee can still choose from.
        Index(
            "uq_open_choice_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mentoring_requests.id"), index=True)
    profile_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[ChoiceStatus] = mapped_column(EnumText(ChoiceStatus), default=ChoiceStatus.OPEN)
    # The mentor the mentee chose (PICKED), or tried to choose when their place was gone (REPLACED).
    picked_profile_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_profiles.id"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


# /mentor stats rollups: what the stats add up, kept in step with the rows above by database triggers
# (bot/storage/rollups.py, installed by migration 0007), in the same transaction as every write. The
# app never writes them. A program's rows go with it: a deleted program takes its rollups along.
STATS_PROGRAM_FK = "programs.id"


class StatsPerson(Base):
    """One person's share of a program's figures: their counts, each summed into a total, and the person
    counted behind a figure when their count is above zero. Requests, offers, surveys and ratings are
    theirs; a pair counts on both sides for its people, and once, on its mentor's row, for the totals."""

    __tablename__ = "stats_people"
    # Read a program at a time: SQLite keeps the rows in key order rather than behind a rowid.
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey(STATS_PROGRAM_FK, ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, server_default="0")
    open_requests: Mapped[int] = mapped_column(Integer, server_default="0")
    matched_requests: Mapped[int] = mapped_column(Integer, server_default="0")
    timed_requests: Mapped[int] = mapped_column(Integer, server_default="0")  # with a time to match
    offers: Mapped[int] = mapped_column(Integer, server_default="0")  # active mentor profiles: 0 or 1
    places: Mapped[int] = mapped_column(Integer, server_default="0")  # their capacity
    places_taken: Mapped[int] = mapped_column(Integer, server_default="0")  # their load
    active_pairs: Mapped[int] = mapped_column(Integer, server_default="0")
    met_pairs: Mapped[int] = mapped_column(Integer, server_default="0")
    pulsed_pairs: Mapped[int] = mapped_column(Integer, server_default="0")  # as the mentee
    first_confidence: Mapped[int] = mapped_column(Integer, server_default="0")  # summed over pulsed pairs
    latest_confidence: Mapped[int] = mapped_column(Integer, server_default="0")
    mentored_active: Mapped[int] = mapped_column(Integer, server_default="0")  # the same, as the mentor
    mentored_met: Mapped[int] = mapped_column(Integer, server_default="0")
    mentored_with_feedback: Mapped[int] = mapped_column(Integer, server_default="0")
    rated_checkins: Mapped[int] = mapped_column(Integer, server_default="0")  # usefulness they gave
    feedback_given: Mapped[int] = mapped_column(Integer, server_default="0")
    surveys: Mapped[int] = mapped_column(Integer, server_default="0")
    promoters: Mapped[int] = mapped_column(Integer, server_default="0")
    detractors: Mapped[int] = mapped_column(Integer, server_default="0")


class StatsPair(Base):
    """One pairing as the stats see it, summed from its check-ins and feedback."""

    __tablename__ = "stats_pairs"
    __table_args__ = (
        # A person's pairs, the person first: nothing else could pass for this lookup.
        Index("ix_stats_pairs_mentor", "mentor_user_id", "team_id", "program_id"),
        Index("ix_stats_pairs_mentee", "mentee_user_id", "team_id", "program_id"),
        # Stalled pairs: active ones with enough check-ins missed since they last met.
        Index(
            "ix_stats_pairs_missed",
            "team_id",
            "program_id",
            "missed",
            sqlite_where=text("active = 1"),
            postgresql_where=text("active = 1"),
        ),
    )

    # No foreign key: the row outlives a deleted pairing until the trigger that takes its sums back.
    pairing_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    program_id: Mapped[int] = mapped_column(ForeignKey(STATS_PROGRAM_FK, ondelete="CASCADE"))
    mentor_user_id: Mapped[str] = mapped_column(String(32))
    mentee_user_id: Mapped[str] = mapped_column(String(32))
    active: Mapped[int] = mapped_column(Integer)  # 1 while the pairing is active
    met: Mapped[int] = mapped_column(Integer)  # 1 once any check-in says "we met"
    missed: Mapped[int] = mapped_column(Integer)  # closed check-ins after the last "we met"
    first_confidence: Mapped[int | None] = mapped_column(Integer)
    latest_confidence: Mapped[int | None] = mapped_column(Integer)
    last_due: Mapped[datetime | None]
    feedback: Mapped[int] = mapped_column(Integer)


class StatsDueTime(Base):
    """A program's check-ins counted per due time: the weekly chart, the 4-week rates and usefulness."""

    __tablename__ = "stats_due_times"
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey(STATS_PROGRAM_FK, ondelete="CASCADE"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, server_default="0")
    answered: Mapped[int] = mapped_column(Integer, server_default="0")
    met: Mapped[int] = mapped_column(Integer, server_default="0")
    usefulness: Mapped[int] = mapped_column(Integer, server_default="0")  # summed over the rated ones
    rated: Mapped[int] = mapped_column(Integer, server_default="0")


class StatsMatchWait(Base):
    """How long a matched request waited, in hours, in order per program: the median is read off the index."""

    __tablename__ = "stats_match_waits"
    __table_args__ = (Index("ix_stats_match_waits", "team_id", "program_id", "hours"),)

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK))
    program_id: Mapped[int] = mapped_column(ForeignKey(STATS_PROGRAM_FK, ondelete="CASCADE"))
    hours: Mapped[float] = mapped_column(Float)


class StatsCheckInChange(Base):
    """A check-in as a bulk write changed it, signed: +1 as it is now, -1 as it was.

    Empty outside a transaction. A writer of many check-ins at once (the weekly plan) collects its
    changes here and sums them into the rollups once, before it commits (bot/storage/rollups.py,
    `batch`), instead of once per row or per statement. On SQLite, a row with sign 0 marks the batch.
    """

    __tablename__ = "stats_checkin_changes"
    # Rows never outlive the transaction that wrote them: the workspace is not checked against its
    # table for every row (it is the check-in's own), and on PostgreSQL the table is UNLOGGED, out of
    # the WAL (migration 0015).

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    sign: Mapped[int] = mapped_column(Integer)
    checkin_id: Mapped[int | None] = mapped_column(Integer)
    pairing_id: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    usefulness: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[int | None] = mapped_column(Integer)


class GoalReview(Base):
    """One person's answer to the mid-point look at the mentee's goals.

    `goals` is the mentee's own rewrite: it reaches no one but the mentee (their App Home, their copy
    of the closing survey, their data export).
    """

    __tablename__ = "goal_reviews"
    __table_args__ = (
        UniqueConstraint("pairing_id", "user_id"),
        CheckConstraint("choice IN ('keep', 'refine', 'replace', 'reviewed', 'suggested')", name="goal_review_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    choice: Mapped[GoalsChoice] = mapped_column(EnumText(GoalsChoice))
    goals: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProgressNote(Base):
    """A mentee's private note on their progress. It is shown to the mentee alone."""

    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # Identifies the Slack submission that wrote it, so a redelivery adds nothing.
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class ConfidenceNudge(Base):
    """A mentor prompted to encourage their mentee after a pulse: at most one per check-in, never the score."""

    __tablename__ = "confidence_nudges"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id"), unique=True)
    prompt_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class RelationshipAnswer(Base):
    """One person's answer to a relationship check. It reaches no one else; stats count answers only."""

    __tablename__ = "relationship_answers"
    __table_args__ = (
        UniqueConstraint("pairing_id", "round", "user_id"),
        CheckConstraint("answer IN ('good', 'drifting', 'disagree')", name="relationship_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey(TEAM_FK), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[Relationship] = mapped_column(EnumText(Relationship))
    created_at: Mapped[datetime]
