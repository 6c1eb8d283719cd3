"""Many workspaces through OAuth installs, and one through a token: each workspace is served with its own
token, sees only its own rows, and leaves no data behind once it uninstalls. Through the real HTTP
endpoint, the install pages and the tick, on both databases."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.delivery.installations import WORKSPACE_DATA_KEPT
from bot.storage.database import unit_of_work
from bot.storage.models import Delivery, MentoringRequest, Pairing, Workspace
from bot.storage.tenancy import UNOWNED_TABLES, owned_tables
from sandbox.emulator_oauth import CLIENT_ID, CLIENT_SECRET
from tests.conftest import OWNER, RunningBot, bot_env, serving
from tests.fakeslack import DEFAULT_TEAM, FakeSlack
from tests.flows import checkins, offer, proposals_to, request, rows, tick
from tests.slackclient import fixture
from tests.test_rhythm import MONDAY, WEEK

OTHER = "T0OTHERCO1"
ORG, ORG_WORKSPACE = "E0ORGANIS1", "T0ORGWS001"
MENTEE, MENTOR = "U0MENTEE01", "U0MENTOR01"


@pytest.fixture
def installs(fake_slack: FakeSlack, migrated_database_url: str) -> Iterator[RunningBot]:
    """The bot in OAuth mode: no SLACK_BOT_TOKEN, only the app's client id and secret."""
    env = bot_env(fake_slack, migrated_database_url, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    del env["SLACK_BOT_TOKEN"]
    with serving(fake_slack, env) as running:
        yield running


def get(bot: RunningBot, path: str, cookie: str | None = None) -> tuple[int, str, dict[str, str]]:
    url = bot.url.replace("/slack/events", path)
    headers = {"Cookie": cookie} if cookie else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def start_install(bot: RunningBot) -> tuple[str, str]:
    """Opens /slack/install as a browser would: the state on Slack's authorize link, and the cookie."""
    status, page, headers = get(bot, "/slack/install")
    assert status == 200, page
    state = re.search(r"state=([A-Za-z0-9_\-.%]+)", page)
    assert state is not None and "slack.com/oauth/v2/authorize" in page
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    assert cookie.startswith("slack-app-oauth-state=")
    return state.group(1), cookie


def install(bot: RunningBot, team: str | None, enterprise: str | None = None, org_wide: bool = False) -> str:
    """The whole "Add to Slack" round trip; returns the token Slack issued."""
    state, cookie = start_install(bot)
    code = bot.fake.oauth.grant(team, team_name=f"Workspace {team}", enterprise_id=enterprise, org_wide=org_wide)
    status, page, _ = get(bot, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
    assert status == 200 and "mentor-bot is installed" in page, page
    # The newest token: installing again issues another.
    return bot.fake.oauth.tokens_of(enterprise if org_wide else team)[-1]  # type: ignore[arg-type]


def tokens_since(bot: RunningBot, mark: int) -> set[str | None]:
    return {c.token for c in bot.fake.calls[mark:] if c.method != "oauth.v2.access"}


def journey(bot: RunningBot, team: str, mentee: str = MENTEE, mentor: str = MENTOR) -> None:
    """A mentor offers, a mentee asks, the mentor accepts: the pair is introduced."""
    bot.fake.add_user(mentee, team_id=team)
    bot.fake.add_user(mentor, team_id=team)
    assert offer(bot, mentor, team=team).status == 200
    assert request(bot, user=mentee, team=team).status == 200
    [proposal] = proposals_to(bot, mentor)
    assert bot.slack.click_button(proposal, "Accept", mentor, team=team).status == 200


def count(bot: RunningBot, model, *where) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(bot.rt.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_each_installed_workspace_is_served_with_its_own_token(installs):
    token_a = install(installs, DEFAULT_TEAM)
    token_b = install(installs, OTHER)
    assert token_a != token_b

    mark = len(installs.fake.calls)
    journey(installs, DEFAULT_TEAM)
    assert tokens_since(installs, mark) == {token_a}
    mark = len(installs.fake.calls)
    journey(installs, OTHER, mentee="U0MENTEE02", mentor="U0MENTOR02")
    assert tokens_since(installs, mark) == {token_b}
    assert {p.team_id for p in rows(installs, Pairing)} == {DEFAULT_TEAM, OTHER}
    assert installs.fake.refusals == []

    # The tick plans both workspaces' check-ins and sends each with its own workspace's token.
    mark = len(installs.fake.calls)
    tick(installs, MONDAY + timedelta(hours=1))
    posts = [c for c in installs.fake.calls[mark:] if c.method == "chat.postMessage"]
    pairs = {p.team_id: p for p in rows(installs, Pairing)}
    for team, token in ((DEFAULT_TEAM, token_a), (OTHER, token_b)):
        assert checkins(installs, pairs[team])
        channel = pairs[team].dm_channel_id
        assert {c.token for c in posts if c.args.get("channel") == channel} == {token}


def test_one_workspace_never_sees_anothers_rows(installs):
    install(installs, DEFAULT_TEAM)
    install(installs, OTHER)
    journey(installs, DEFAULT_TEAM)
    journey(installs, OTHER, mentee="U0MENTEE02", mentor="U0MENTOR02")
    tick(installs, MONDAY + timedelta(hours=1))

    status = installs.slack.command(MENTEE, "status", team=DEFAULT_TEAM).body
    assert "<@U0MENTOR01>" in status and "U0MENTOR02" not in status and "U0MENTEE02" not in status
    # The same user ID in another workspace is another person: it has no pairing there.
    assert "<@U0MENTOR01>" not in installs.slack.command(MENTEE, "status", team=OTHER).body

    installs.slack.event({"type": "app_home_opened", "user": OWNER, "tab": "home", "event_ts": "1.1"}, team=OTHER)
    home = json.dumps(installs.fake.calls_to("views.publish")[-1]["view"])
    assert "Dashboard" in home and "U0MENTEE01" not in home and "U0MENTOR01" not in home

    # Stats count only the asking workspace's rows: one request each, never two.
    from bot.reporting import stats

    with unit_of_work(installs.rt.sessions) as s:
        programs = {p.team_id: p.program_id for p in rows(installs, Pairing)}
        figures = stats.compute(s, OTHER, programs[OTHER], MONDAY)
    assert figures.requested.value == 1 and figures.matched.value == 1


def test_an_install_with_a_bad_state_or_a_spent_code_does_not_complete(installs):
    state, cookie = start_install(installs)
    code = installs.fake.oauth.grant(OTHER)
    forged = get(installs, "/slack/oauth_redirect?" + urlencode({"code": code, "state": "not-ours"}), cookie)
    assert forged[0] >= 400 and "did not complete" in forged[1]
    no_cookie = get(installs, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}))
    assert no_cookie[0] >= 400 and "did not complete" in no_cookie[1]
    done = get(installs, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
    assert done[0] == 200 and "mentor-bot is installed" in done[1]
    # The same code again, with a fresh state: Slack refuses a code twice, so nothing is installed twice.
    state, cookie = start_install(installs)
    again = get(installs, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
    assert again[0] >= 400 and "did not complete" in again[1]
    assert installs.fake.oauth.tokens_of(OTHER) and len(installs.fake.oauth.tokens_of(OTHER)) == 1
    # The first state was spent by the completed install: it cannot be replayed either.


def test_a_workspace_without_an_install_gets_a_polite_answer_and_nothing_is_stored(installs):
    install(installs, DEFAULT_TEAM)
    mark = len(installs.fake.calls)
    answer = installs.slack.command(MENTEE, "request", team=OTHER)
    assert answer.status == 200 and "isn't installed in this workspace" in answer.body
    assert installs.fake.calls[mark:] == []
    assert count(installs, Workspace, Workspace.team_id == OTHER) == 0


def test_uninstalling_stops_sends_and_deletes_the_workspace_after_its_grace_period(installs):
    install(installs, DEFAULT_TEAM)
    token_b = install(installs, OTHER)
    journey(installs, DEFAULT_TEAM)
    journey(installs, OTHER, mentee="U0MENTEE02", mentor="U0MENTOR02")

    uninstall = fixture("app_home_opened.json")
    uninstall.update(team_id=OTHER, event={"type": "app_uninstalled", "event_ts": "1.9"})
    assert installs.slack.post(json.dumps(uninstall).encode(), "application/json").status == 200
    [gone] = rows(installs, Workspace, Workspace.team_id == OTHER)
    assert gone.uninstalled_at is not None and gone.erase_after == gone.uninstalled_at + WORKSPACE_DATA_KEPT

    mark = len(installs.fake.calls)
    tick(installs, MONDAY + timedelta(hours=1))
    assert token_b not in tokens_since(installs, mark)
    assert count(installs, Delivery, Delivery.team_id == OTHER, Delivery.status == "failed") == 0
    # The other workspace carries on.
    [pair_a] = rows(installs, Pairing, Pairing.team_id == DEFAULT_TEAM)
    assert checkins(installs, pair_a)

    tick(installs, gone.erase_after + timedelta(minutes=1))
    with unit_of_work(installs.rt.sessions) as s:
        for table in owned_tables():
            left = s.scalar(select(func.count()).select_from(table).where(table.c.team_id == OTHER))
            assert left == 0, f"{table.name} still holds rows of the uninstalled workspace"
    assert count(installs, Pairing, Pairing.team_id == DEFAULT_TEAM) == 1
    assert count(installs, MentoringRequest, MentoringRequest.team_id == DEFAULT_TEAM) == 1


def test_installing_again_within_the_grace_period_keeps_everything(installs):
    install(installs, OTHER)
    journey(installs, OTHER)
    uninstall = fixture("app_home_opened.json")
    uninstall.update(team_id=OTHER, event={"type": "tokens_revoked", "tokens": {"bot": ["UBOT00001"]}})
    installs.slack.post(json.dumps(uninstall).encode(), "application/json")
    assert rows(installs, Workspace, Workspace.team_id == OTHER)[0].uninstalled_at is not None
    token = install(installs, OTHER)
    [back] = rows(installs, Workspace, Workspace.team_id == OTHER)
    assert back.uninstalled_at is None and back.erase_after is None

    mark = len(installs.fake.calls)
    tick(installs, MONDAY + 2 * WEEK + WORKSPACE_DATA_KEPT)
    assert count(installs, Pairing, Pairing.team_id == OTHER) == 1
    assert tokens_since(installs, mark) <= {token}


def test_an_org_wide_install_serves_each_workspace_of_the_org(installs):
    token = install(installs, None, enterprise=ORG, org_wide=True)
    installs.fake.add_user(MENTEE, team_id=ORG_WORKSPACE)
    installs.fake.add_user(MENTOR, team_id=ORG_WORKSPACE)
    mark = len(installs.fake.calls)

    def org_command(user: str, text: str):  # type: ignore[no-untyped-def]
        body = installs.slack.command_body(user, text, team=ORG_WORKSPACE).decode()
        body += "&" + urlencode({"enterprise_id": ORG, "is_enterprise_install": "true"})
        return installs.slack.post(body.encode(), "application/x-www-form-urlencoded")

    status = org_command(MENTEE, "status")
    assert status.status == 200 and "not part of a mentoring pair" in status.body, status.body
    answer = org_command(MENTOR, "help")
    assert answer.status == 200 and "/mentor request" in answer.body
    [workspace] = rows(installs, Workspace, Workspace.team_id == ORG_WORKSPACE)
    assert (workspace.enterprise_id, workspace.is_enterprise_install) == (ORG, True)
    # The outbox finds the org's token for a workspace of the org.
    slack = installs.rt.gateway.to(ORG_WORKSPACE)
    slack.post_message(MENTEE, "hello")
    assert tokens_since(installs, mark) <= {token}


def test_token_mode_refuses_other_workspaces_politely(bot):
    mark = len(bot.fake.calls)
    answer = bot.slack.command(MENTEE, "request", team=OTHER)
    assert answer.status == 200 and "set up for another Slack workspace" in answer.body
    assert bot.fake.calls[mark:] == []
    assert count(bot, Workspace, Workspace.team_id == OTHER) == 0
    # Its own workspace is served as ever.
    assert "/mentor request" in bot.slack.command(MENTEE, "help").body


def test_every_table_but_an_install_in_progress_belongs_to_one_workspace():
    from bot.storage.models import Base

    names = {t.name for t in owned_tables()}
    assert names | UNOWNED_TABLES == set(Base.metadata.tables)
    assert all("team_id" in t.c for t in owned_tables())


def test_the_same_person_id_in_two_workspaces_exports_only_each_workspaces_data(installs, tmp_path):
    """One user ID in two workspaces (as in an Enterprise Grid org): /mentor mydata, the CSV export
    and /mentor stats each see only the workspace they were asked in."""
    from tests.test_cli import run_cli

    token_a = install(installs, DEFAULT_TEAM)
    token_b = install(installs, OTHER)
    journey(installs, DEFAULT_TEAM)
    installs.fake.add_user("U0MENTOR09", team_id=OTHER)
    assert offer(installs, "U0MENTOR09", team=OTHER).status == 200
    installs.fake.add_user(MENTEE, team_id=OTHER)
    installs.slack.command(MENTEE, "request", team=OTHER)
    view = installs.slack.opened_view("mentee_request")
    from tests.flows import request_values

    installs.slack.submit(view, request_values(goals="Learn to run a budget review."), MENTEE, team=OTHER)

    mark = len(installs.fake.calls)
    assert installs.slack.command(MENTEE, "mydata", team=OTHER).status == 200
    [upload] = [c for c in installs.fake.calls[mark:] if c.method == "files.getUploadURLExternal"]
    assert upload.token == token_b
    exported = json.loads(list(installs.fake.uploads.values())[-1])
    assert exported["workspace"] == OTHER and exported["pairings"] == []
    [mine] = exported["requests"]
    assert mine["goals"] == "Learn to run a budget review."
    assert "I want to lead my first cross-team project" not in json.dumps(exported)

    env = {"DATABASE_URL": installs.rt.engine.url.render_as_string(hide_password=False)}
    env |= {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": "x"}
    ambiguous = run_cli(["export", "--program", "Mentoring", "--out", str(tmp_path / "x.csv")], env, tmp_path)
    assert ambiguous.returncode == 2 and "--team" in ambiguous.stderr
    out = tmp_path / "b.csv"
    done = run_cli(["export", "--program", "Mentoring", "--team", OTHER, "--out", str(out)], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert MENTOR not in out.read_text() and "U0MENTOR09" not in out.read_text()

    mark = len(installs.fake.calls)
    stats = installs.slack.command(OWNER, "stats", team=OTHER)
    assert stats.status == 200
    posted = [c for c in installs.fake.calls[mark:] if c.method == "chat.postMessage"]
    assert posted and {c.token for c in posted} == {token_b} and token_a not in tokens_since(installs, mark)
