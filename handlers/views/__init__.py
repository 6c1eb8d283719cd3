"""Modal submissions, by feature: matching forms, the pair's rhythm, programs."""

from __future__ import annotations

from slack_bolt import App

from bot.matching.cohort_view import SWAP_CALLBACK
from bot.matching.modals import DECLINE_REASON_CALLBACK, OFFER_CALLBACK, REQUEST_CALLBACK
from bot.pairing import modals as rhythm_modals
from bot.pairing import practice_forms
from bot.programs.program_modal import PROGRAM_CALLBACK
from bot.reporting.privacy_view import ERASE_CALLBACK
from handlers.views import cohorts, matching, privacy, programs, rhythm


def register(app: App) -> None:
    app.view(OFFER_CALLBACK)(matching.offer_submitted)
    app.view(REQUEST_CALLBACK)(matching.request_submitted)
    app.view(DECLINE_REASON_CALLBACK)(matching.reason_submitted)

    app.view(rhythm_modals.PULSE_CALLBACK)(rhythm.pulse)
    app.view(rhythm_modals.HELP_CALLBACK)(rhythm.help_note)
    app.view(rhythm_modals.FEEDBACK_CALLBACK)(rhythm.feedback)
    app.view(rhythm_modals.SURVEY_CALLBACK)(rhythm.survey)
    app.view(practice_forms.GOALS_CALLBACK)(rhythm.goals)
    app.view(practice_forms.SUGGEST_CALLBACK)(rhythm.suggestion)
    app.view(practice_forms.NOTE_CALLBACK)(rhythm.note)
    app.view(practice_forms.RAISE_CALLBACK)(rhythm.raise_privately)

    app.view(PROGRAM_CALLBACK)(programs.program_saved)
    app.view(SWAP_CALLBACK)(cohorts.swap_submitted)

    app.view(ERASE_CALLBACK)(privacy.erase_confirmed)
