"""Modal submissions, by feature: matching forms, the pair's rhythm, programs."""

from __future__ import annotations

from slack_bolt import App

from bot.matching.cohort_view import SWAP_CALLBACK
from bot.matching.modals import DECLINE_REASON_CALLBACK, OFFER_CALLBACK, REQUEST_CALLBACK
from bot.pairing import modals as rhythm_modals
from bot.pairing import practice_forms
from bot.programs.program_modal import PROGRAM_CALLBACK
from bot.reporting.privacy_view import ERASE_CALLBACK
from handlers.fallbacks import ANYTHING, unknown_view
from handlers.routes import Routes, callback_id
from handlers.views import cohorts, matching, privacy, programs, rhythm


def register(app: App) -> None:
    forms = Routes(callback_id, fallback=unknown_view)
    forms.on(OFFER_CALLBACK)(matching.offer_submitted)
    forms.on(REQUEST_CALLBACK)(matching.request_submitted)
    forms.on(DECLINE_REASON_CALLBACK)(matching.reason_submitted)

    forms.on(rhythm_modals.PULSE_CALLBACK)(rhythm.pulse)
    forms.on(rhythm_modals.HELP_CALLBACK)(rhythm.help_note)
    forms.on(rhythm_modals.FEEDBACK_CALLBACK)(rhythm.feedback)
    forms.on(rhythm_modals.SURVEY_CALLBACK)(rhythm.survey)
    forms.on(practice_forms.GOALS_CALLBACK)(rhythm.goals)
    forms.on(practice_forms.SUGGEST_CALLBACK)(rhythm.suggestion)
    forms.on(practice_forms.NOTE_CALLBACK)(rhythm.note)
    forms.on(practice_forms.RAISE_CALLBACK)(rhythm.raise_privately)

    forms.on(PROGRAM_CALLBACK)(programs.program_saved)
    forms.on(SWAP_CALLBACK)(cohorts.swap_submitted)

    forms.on(ERASE_CALLBACK)(privacy.erase_confirmed)

    app.view(ANYTHING)(forms.listener())
