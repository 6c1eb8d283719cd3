"""The page's mrkdwn renderer (sandbox/static/blockkit.js), run under Node when it is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

RENDERER = Path(__file__).resolve().parent.parent / "sandbox" / "static" / "blockkit.js"
NODE = shutil.which("node") or shutil.which("nodejs")
if NODE is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the renderer test: install Node.js", pytrace=False)
    pytest.skip("Node.js is not installed", allow_module_level=True)


def mrkdwn(text: str, names: dict[str, str] | None = None, clock: dict[str, str] | None = None) -> str:
    args = f"{json.dumps(text)}, {json.dumps(names or {})}, {json.dumps(clock or {})}"
    script = f"const B = require({json.dumps(str(RENDERER))}); process.stdout.write(B.mrkdwn({args}));"
    assert NODE is not None
    return subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("*bold* and _italic_ and ~gone~", "<b>bold</b> and <i>italic</i> and <s>gone</s>"),
        ("run `/mentor help`", "run <code>/mentor help</code>"),
        (
            "<https://example.com|the guide>",
            '<a href="https://example.com" target="_blank" rel="noopener">the guide</a>',
        ),
        ("line one\nline two", "line one<br>line two"),
        ("a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"),
        ("<script>", '<a href="script" target="_blank" rel="noopener">script</a>'),
    ],
)
def test_mrkdwn_formats_like_slack(source: str, html: str) -> None:
    assert mrkdwn(source) == html


def test_mentions_show_names() -> None:
    names = {"U0AMARA001": "Amara Nwosu", "C0STATS001": "mentoring-stats"}
    assert mrkdwn("Hi <@U0AMARA001>, see <#C0STATS001>", names) == (
        'Hi <span class="mention">@Amara Nwosu</span>, see <span class="mention">#mentoring-stats</span>'
    )


def test_user_text_cannot_inject_html() -> None:
    assert "<img" not in mrkdwn("&lt;img src=x onerror=alert(1)&gt;")


def test_dates_show_in_the_readers_timezone_and_today_is_the_bots_day() -> None:
    # 1796032800 is 30 November 2026 10:00 UTC, 15:30 in Kolkata.
    kolkata = {"tz": "Asia/Kolkata", "now": "2026-11-29T20:00:00Z"}  # already the 30th there
    long = mrkdwn("until <!date^1796032800^{date_long}|30 November 2026>.", clock=kolkata)
    assert long == 'until <time datetime="2026-11-30T10:00:00.000Z">Monday, November 30th, 2026</time>.'
    pretty = mrkdwn("<!date^1796032800^{date_short_pretty} at {time}|30 Nov 10:00 UTC>", clock=kolkata)
    assert ">today at 3:30 PM</time>" in pretty
    assert ">tomorrow at 10:00 AM</time>" in mrkdwn(
        "<!date^1796032800^{date_short_pretty} at {time}|x>", clock={"tz": "UTC", "now": "2026-11-29T20:00:00Z"}
    )


def test_a_date_slack_cannot_read_shows_its_fallback_text() -> None:
    assert mrkdwn("<!date^soon^{date}|next week &amp; after>") == "next week &amp; after"


def test_a_quote_is_one_block_without_an_empty_line_after_it() -> None:
    assert mrkdwn("*Goals*\n&gt; lead a project\nThanks") == (
        "<b>Goals</b><br><blockquote>lead a project</blockquote>Thanks"
    )
