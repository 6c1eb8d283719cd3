"""`/mentor mydata`: the caller's own data, by DM and as a JSON file, and nothing of anyone else's."""

from __future__ import annotations

import json

from bot.reporting.mydata import SENT_STUB, collect
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery
from tests.fakeslack import DEFAULT_TEAM
from tests.flows import GOALS, MENTEE, MENTOR, all_text, rows
from tests.privacy_seed import HELP_NOTE, MENTEE_FEEDBACK, MENTOR_FEEDBACK, OTHER_SECRET, seed


def _export(bot, user):
    answer = bot.slack.command(user, "mydata")
    assert answer.status == 200
    [upload] = bot.fake.uploads.values()
    return answer, json.loads(upload)


def test_mydata_sends_the_callers_data_by_dm_and_as_a_json_file(bot):
    seed(bot)
    bot.fake.reset_calls()
    answer, data = _export(bot, MENTEE)
    assert "on its way" in answer.body

    [dm] = [p for p in bot.fake.posts_to(MENTEE) if "Your mentoring data" in all_text(p)]
    text = all_text(dm)
    for mine in (GOALS, MENTEE_FEEDBACK, MENTOR_FEEDBACK, HELP_NOTE, f"<@{MENTOR}>"):
        assert mine in text
    [done] = bot.fake.calls_to("files.completeUploadExternal")
    assert done["channel_id"].startswith("D")

    assert data["user_id"] == MENTEE and data["workspace"] == DEFAULT_TEAM
    [request] = data["requests"]
    assert request["goals"] == GOALS and request["status"] == "matched"
    [pairing] = data["pairings"]
    assert (pairing["your_role"], pairing["partner"], pairing["status"]) == ("mentee", MENTOR, "active")
    # Only their own answers and surveys: the mentor's usefulness of 5 and survey of 2/3 are not theirs.
    assert [(a["period"], a["usefulness"], a["confidence"]) for a in data["checkin_answers"]] == [(1, 4, 3)]
    assert [(v["overall"], v["would_recommend"]) for v in data["closing_surveys"]] == [(5, 10)]
    assert sorted((f["direction"], f["what_is_working"]) for f in data["feedback"]) == [
        ("you received", MENTOR_FEEDBACK),
        ("you wrote", MENTEE_FEEDBACK),
    ]
    assert [n["text"] for n in data["help_notes"]] == [HELP_NOTE]
    assert data["mentor_profiles"] == [] and data["proposals_you_were_asked"] == []


def test_another_workspace_with_the_same_user_id_never_appears(bot):
    seed(bot)
    bot.fake.reset_calls()
    _answer, data = _export(bot, MENTEE)
    dump = json.dumps(data) + "".join(all_text(p) for p in bot.fake.posts_to(MENTEE))
    assert OTHER_SECRET not in dump
    assert "Someone else entirely" not in dump
    assert len(data["requests"]) == 1


def test_the_mentor_sees_their_side_only(bot):
    seed(bot)
    with unit_of_work(bot.rt.sessions) as s:
        data = collect(s, DEFAULT_TEAM, MENTOR)
    dump = json.dumps(data)
    assert GOALS not in dump  # the mentee's goals are theirs
    assert HELP_NOTE not in dump  # a help note goes to the owners alone
    assert [(a["period"], a["usefulness"]) for a in data["checkin_answers"]] == [(2, 5)]
    assert [p["status"] for p in data["proposals_you_were_asked"]] == ["accepted"]
    assert len(data["mentor_profiles"]) == 1 and data["mentor_profiles"][0]["department"] == "Sales"


def test_someone_unknown_gets_an_empty_record(bot):
    bot.fake.add_user("U0NEWCOMER")
    _answer, data = _export(bot, "U0NEWCOMER")
    assert data["person"] is None or data["person"]["email"] is None
    assert data["requests"] == data["pairings"] == data["feedback"] == []


def test_the_sent_export_keeps_no_copy_of_the_data(bot):
    seed(bot)
    _export(bot, MENTEE)
    [sent] = [d for d in rows(bot, Delivery, Delivery.key.startswith("mydata:"))]
    assert sent.status == "sent" and sent.payload == SENT_STUB
    assert GOALS not in json.dumps(sent.payload)
