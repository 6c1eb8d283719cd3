"""Button clicks, by feature: proposals, the pair's rhythm, owners' cohort plans, the App Home."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.matching.choice_view import CHOOSE_ACTION, PASS_ACTION
from bot.matching.cohort_view import EDIT_ACTION, PUBLISH_ACTION
from bot.matching.messages import (
    ACCEPT_ACTION,
    DECLINE_ACTION,
    MATCH_BROADLY_ACTION,
    REASON_ACTION,
    WAIT_FOR_TOPICS_ACTION,
)
from bot.pairing import messages as rhythm_views
from bot.pairing import practice_views as practice
from bot.reporting.home import HOME_OFFER_ACTION, HOME_PAUSE_ACTION, HOME_REQUEST_ACTION
from bot.storage.statuses import GoalsChoice, Relationship
from handlers.actions import broader, home, owners, proposals, rhythm
from handlers.fallbacks import ANYTHING, unknown_button
from handlers.routes import Routes, action_id


def register(app: App) -> None:
    clicks = Routes(action_id, fallback=unknown_button)
    clicks.on(ACCEPT_ACTION)(proposals.accept)
    clicks.on(DECLINE_ACTION)(proposals.decline)
    clicks.on(REASON_ACTION)(proposals.add_reason)
    clicks.on(CHOOSE_ACTION)(proposals.choose_mentor)
    clicks.on(PASS_ACTION)(proposals.pass_on_list)

    clicks.on(WAIT_FOR_TOPICS_ACTION)(broader.wait_for_topics)
    clicks.on(MATCH_BROADLY_ACTION)(broader.match_broadly)

    clicks.on(rhythm_views.MET_ACTION)(rhythm.met)
    clicks.on(rhythm_views.NOT_YET_ACTION)(rhythm.not_yet)
    clicks.on(rhythm_views.HELP_ACTION)(rhythm.need_help)
    clicks.on(rhythm_views.SKIP_REMINDER_ACTION)(rhythm.skip_reminder)
    clicks.on(re.compile("^" + rhythm_views.CONFIDENCE_ACTION_PREFIX + r"\d$"))(rhythm.confidence)
    clicks.on(rhythm_views.SHARE_PROMPT_ACTION)(rhythm.share)
    clicks.on(rhythm_views.FEEDBACK_ACTION)(rhythm.open_feedback)
    clicks.on(rhythm_views.SURVEY_ACTION)(rhythm.open_survey)
    clicks.on(rhythm_views.INFORMAL_ACTION)(rhythm.keep_informally)
    clicks.on(rhythm_views.REMATCH_ACTION)(rhythm.rematch)
    clicks.on(practice.GOALS_KEEP_ACTION)(rhythm.goals_keep)
    clicks.on(practice.GOALS_EDIT_ACTIONS[GoalsChoice.REFINE])(rhythm.goals_refine)
    clicks.on(practice.GOALS_EDIT_ACTIONS[GoalsChoice.REPLACE])(rhythm.goals_replace)
    clicks.on(practice.GOALS_REVIEWED_ACTION)(rhythm.goals_reviewed)
    clicks.on(practice.GOALS_SUGGEST_ACTION)(rhythm.goals_suggest)
    clicks.on(practice.RELATIONSHIP_ACTIONS[Relationship.GOOD])(rhythm.relationship_good)
    clicks.on(practice.RELATIONSHIP_ACTIONS[Relationship.DRIFTING])(rhythm.relationship_drifting)
    clicks.on(practice.RELATIONSHIP_ACTIONS[Relationship.DISAGREE])(rhythm.relationship_disagree)
    clicks.on(practice.RHYTHM_KEEP_ACTION)(rhythm.rhythm)
    clicks.on(practice.RHYTHM_CHANGE_ACTION)(rhythm.rhythm)
    clicks.on(practice.RAISE_ACTION)(rhythm.raise_privately)

    clicks.on(PUBLISH_ACTION)(owners.publish)
    clicks.on(EDIT_ACTION)(owners.edit_pair)

    clicks.on(HOME_REQUEST_ACTION)(home.find_mentor)
    clicks.on(HOME_OFFER_ACTION)(home.offer_to_mentor)
    clicks.on(HOME_PAUSE_ACTION)(home.pause)
    clicks.on(practice.NOTE_ACTION)(home.add_note)
    clicks.on(practice.SUPPORT_ACTION)(home.encouragement)

    app.action(ANYTHING)(clicks.listener())
