"""Modal submissions, by feature: matching forms, the pair's rhythm, programs."""

from __future__ import annotations

from slack_bolt import App

from bot.matching.modals import DECLINE_REASON_CALLBACK, OFFER_CALLBACK, REQUEST_CALLBACK
from bot.pairing import modals as rhythm_modals
from bot.programs.program_modal import PROGRAM_CALLBACK
from bot.reporting.privacy_view import ERASE_CALLBACK
from handlers.views import matching, privacy, programs, rhythm


def register(app: App) -> None:
    app.view(OFFER_CALLBACK)(matching.offer_submitted)
    app.view(REQUEST_CALLBACK)(matching.request_submitted)
    app.view(DECLINE_REASON_CALLBACK)(matching.reason_submitted)

    app.view(rhythm_modals.PULSE_CALLBACK)(rhythm.pulse)
    app.view(rhythm_modals.HELP_CALLBACK)(rhythm.help_note)
    app.view(rhythm_modals.FEEDBACK_CALLBACK)(rhythm.feedback)
    app.view(rhythm_modals.SURVEY_CALLBACK)(rhythm.survey)

    app.view(PROGRAM_CALLBACK)(programs.program_saved)

    app.view(ERASE_CALLBACK)(privacy.erase_confirmed)
