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


def register(app: App) -> None:
    app.action(ACCEPT_ACTION)(proposals.accept)
    app.action(DECLINE_ACTION)(proposals.decline)
    app.action(REASON_ACTION)(proposals.add_reason)
    app.action(CHOOSE_ACTION)(proposals.choose_mentor)
    app.action(PASS_ACTION)(proposals.pass_on_list)

    app.action(WAIT_FOR_TOPICS_ACTION)(broader.wait_for_topics)
    app.action(MATCH_BROADLY_ACTION)(broader.match_broadly)

    app.action(rhythm_views.MET_ACTION)(rhythm.met)
    app.action(rhythm_views.NOT_YET_ACTION)(rhythm.not_yet)
    app.action(rhythm_views.HELP_ACTION)(rhythm.need_help)
    app.action(rhythm_views.SKIP_REMINDER_ACTION)(rhythm.skip_reminder)
    app.action(re.compile("^" + rhythm_views.CONFIDENCE_ACTION_PREFIX + r"\d$"))(rhythm.confidence)
    app.action(rhythm_views.SHARE_PROMPT_ACTION)(rhythm.share)
    app.action(rhythm_views.FEEDBACK_ACTION)(rhythm.open_feedback)
    app.action(rhythm_views.SURVEY_ACTION)(rhythm.open_survey)
    app.action(rhythm_views.INFORMAL_ACTION)(rhythm.keep_informally)
    app.action(rhythm_views.REMATCH_ACTION)(rhythm.rematch)
    app.action(practice.GOALS_KEEP_ACTION)(rhythm.goals_keep)
    app.action(practice.GOALS_EDIT_ACTIONS[GoalsChoice.REFINE])(rhythm.goals_refine)
    app.action(practice.GOALS_EDIT_ACTIONS[GoalsChoice.REPLACE])(rhythm.goals_replace)
    app.action(practice.GOALS_REVIEWED_ACTION)(rhythm.goals_reviewed)
    app.action(practice.GOALS_SUGGEST_ACTION)(rhythm.goals_suggest)
    app.action(practice.RELATIONSHIP_ACTIONS[Relationship.GOOD])(rhythm.relationship_good)
    app.action(practice.RELATIONSHIP_ACTIONS[Relationship.DRIFTING])(rhythm.relationship_drifting)
    app.action(practice.RELATIONSHIP_ACTIONS[Relationship.DISAGREE])(rhythm.relationship_disagree)
    app.action(practice.RHYTHM_KEEP_ACTION)(rhythm.rhythm)
    app.action(practice.RHYTHM_CHANGE_ACTION)(rhythm.rhythm)
    app.action(practice.RAISE_ACTION)(rhythm.raise_privately)

    app.action(PUBLISH_ACTION)(owners.publish)
    app.action(EDIT_ACTION)(owners.edit_pair)

    app.action(HOME_REQUEST_ACTION)(home.find_mentor)
    app.action(HOME_OFFER_ACTION)(home.offer_to_mentor)
    app.action(HOME_PAUSE_ACTION)(home.pause)
    app.action(practice.NOTE_ACTION)(home.add_note)
    app.action(practice.SUPPORT_ACTION)(home.encouragement)
