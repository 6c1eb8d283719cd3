"""Button clicks, by feature: proposals, the pair's rhythm, owners' cohort plans, the App Home."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.matching.cohort_view import PUBLISH_ACTION
from bot.matching.messages import (
    ACCEPT_ACTION,
    DECLINE_ACTION,
    MATCH_BROADLY_ACTION,
    REASON_ACTION,
    WAIT_FOR_TOPICS_ACTION,
)
from bot.pairing import messages as rhythm_views
from bot.reporting.home import HOME_OFFER_ACTION, HOME_PAUSE_ACTION, HOME_REQUEST_ACTION
from handlers.actions import broader, home, owners, proposals, rhythm


def register(app: App) -> None:
    app.action(ACCEPT_ACTION)(proposals.accept)
    app.action(DECLINE_ACTION)(proposals.decline)
    app.action(REASON_ACTION)(proposals.add_reason)

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

    app.action(PUBLISH_ACTION)(owners.publish)

    app.action(HOME_REQUEST_ACTION)(home.find_mentor)
    app.action(HOME_OFFER_ACTION)(home.offer_to_mentor)
    app.action(HOME_PAUSE_ACTION)(home.pause)
