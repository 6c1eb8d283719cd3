"""The prompt library: questions worth bringing to a mentoring conversation, for each side of the pair.

Sounding-board prompts help the mentee think out loud with their mentor; mentor prompts help the
mentor open doors, offer other angles, give honest feedback kindly, and notice what they are
learning in return. Each prompt has a reverse-mentoring wording, where a more junior mentor
teaches a senior mentee about tools and new ways of working.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.statuses import Audience

MENTEE, MENTOR = Audience.MENTEE, Audience.MENTOR


@dataclass(frozen=True)
class Prompt:
    key: str
    audience: Audience
    theme: str
    classic: str
    reverse: str

    def text(self, reverse: bool) -> str:
        return self.reverse if reverse else self.classic


def _p(key: str, audience: Audience, theme: str, classic: str, reverse: str) -> Prompt:
    return Prompt(key, audience, theme, classic, reverse)


LIBRARY: tuple[Prompt, ...] = (
    # --- the mentee's sounding board -------------------------------------------------------
    _p(
        "decision-weighing",
        MENTEE,
        "decision",
        "What decision is on your mind this week? Say it out loud to your mentor before you make it.",
        "Which tool or way of working are you deciding whether to adopt? Ask your mentor what they would do.",
    ),
    _p(
        "decision-criteria",
        MENTEE,
        "decision",
        "For a choice you're facing, what would 'a good outcome' look like a year from now?",
        "For a technology choice in front of you, what would success look like in a year? Test it with your mentor.",
    ),
    _p(
        "decision-regret",
        MENTEE,
        "decision",
        "Which option would you regret not trying? Which would you regret trying? Compare notes with your mentor.",
        "Which new practice would you regret not trying? Ask your mentor how people on their team use it.",
    ),
    _p(
        "options-listed",
        MENTEE,
        "options",
        "Which options have you considered for a problem you're stuck on? Ask your mentor for one you haven't.",
        "How would you tackle a task on your list today? Ask your mentor how they'd do it with their tools.",
    ),
    _p(
        "options-third-way",
        MENTEE,
        "options",
        "When you're choosing between A and B, is there a C? Ask your mentor to help you find a third way.",
        "Which routine task do you still do the old way? Ask your mentor to show you a third way.",
    ),
    _p(
        "options-constraints",
        MENTEE,
        "options",
        "Which constraint are you treating as fixed that might not be? Ask your mentor to poke at it.",
        "Which 'we can't do that with our tools' belief might be out of date? Ask your mentor to check it.",
    ),
    _p(
        "org-navigate",
        MENTEE,
        "organisation",
        "Is there a situation at work you're not sure how to navigate? Describe who's involved and ask for a read.",
        "Is there a team or channel whose way of working puzzles you? Ask your mentor how it looks from inside.",
    ),
    _p(
        "org-influence",
        MENTEE,
        "organisation",
        "Whose support would make your current goal easier? Ask your mentor how they'd approach that person.",
        "Whose habits would you like to understand better: newer colleagues, a younger team? Ask your mentor.",
    ),
    _p(
        "org-unwritten",
        MENTEE,
        "organisation",
        "What's an unwritten rule here that you've noticed, or suspect? Check it with your mentor.",
        "What's an unwritten rule of online collaboration that you suspect you're missing? Ask your mentor.",
    ),
    _p(
        "growth-next",
        MENTEE,
        "growth",
        "What's a project or responsibility you'd love to take on next? Tell your mentor, so they can watch for it.",
        "Which skill would make you more effective with today's tools? Ask your mentor for a first exercise.",
    ),
    _p(
        "growth-stretch",
        MENTEE,
        "growth",
        "Where do you feel most stretched right now, and is it the good kind? Talk it through with your mentor.",
        "Which tool have you started and given up on? Ask your mentor to sit with you through the awkward part.",
    ),
    _p(
        "growth-visible",
        MENTEE,
        "growth",
        "What work of yours deserves more visibility? Ask your mentor how to share it without bragging.",
        "What would you like to build or automate yourself? Ask your mentor to help you scope a first version.",
    ),
    _p(
        "risk-hesitating",
        MENTEE,
        "risk",
        "What's a risk you keep hesitating to take? What's the worst realistic outcome? Share it with your mentor.",
        "What's a new tool you hesitate to use in front of others? Practise it with your mentor first.",
    ),
    _p(
        "risk-small-bet",
        MENTEE,
        "risk",
        "Could you turn a big risk into a small experiment this month? Design it with your mentor.",
        "Which meeting or report could you run a new way this month? Design the experiment with your mentor.",
    ),
    # --- prompts for the mentor ------------------------------------------------------------
    _p(
        "mentor-stretch-door",
        MENTOR,
        "opportunity",
        "Is there a meeting, project or person your mentee should meet? Think of one door you could open this month.",
        "Is there a community, channel or tool your mentee should join? Offer to bring them in this month.",
    ),
    _p(
        "mentor-stretch-task",
        MENTOR,
        "opportunity",
        "What stretch task could your mentee take on with you as a safety net? Suggest one at your next meeting.",
        "What small hands-on task could your mentee try with you beside them? Suggest one at your next meeting.",
    ),
    _p(
        "mentor-stretch-spotlight",
        MENTOR,
        "opportunity",
        "Where could your mentee present, lead or be seen this quarter? Offer to help them prepare.",
        "Could your mentee show their own team something they learned from you? Offer to help them prepare.",
    ),
    _p(
        "mentor-perspective-other",
        MENTOR,
        "perspective",
        "Think of a challenge your mentee raised. What's an angle they haven't mentioned? Offer it as a question.",
        "Think of a task your mentee described. Which tool or shortcut haven't they heard of? Show them.",
    ),
    _p(
        "mentor-perspective-story",
        MENTOR,
        "perspective",
        "Which story from your own career, including a misstep, might help your mentee right now?",
        "Which of your own early stumbles with a tool would make your mentee feel less alone? Share it.",
    ),
    _p(
        "mentor-perspective-politics",
        MENTOR,
        "perspective",
        "How does the organisation really decide things in your mentee's area? Help them see the map.",
        "How do newer colleagues actually communicate and decide? Help your mentee see how it works.",
    ),
    _p(
        "mentor-feedback-one",
        MENTOR,
        "feedback",
        "What's one piece of honest feedback your mentee would benefit from? Plan to say it kindly and specifically.",
        "What's one habit that's slowing your mentee down with their tools? Plan how to say it kindly.",
    ),
    _p(
        "mentor-feedback-praise",
        MENTOR,
        "feedback",
        "What has your mentee done well lately? Tell them specifically; confidence grows from concrete praise.",
        "What has your mentee picked up faster than they think? Tell them specifically.",
    ),
    _p(
        "mentor-feedback-bar",
        MENTOR,
        "feedback",
        "Are you holding your mentee to a high enough bar? Name one thing you believe they can do that they doubt.",
        "Are you expecting enough of your mentee? Name one thing you believe they can do that they doubt.",
    ),
    _p(
        "mentor-learning",
        MENTOR,
        "two-way",
        "What have you learned from your mentee so far? Tell them; mentoring works in both directions.",
        "What have you learned from your mentee about leading, deciding or the business? Tell them.",
    ),
    _p(
        "mentor-learning-ask",
        MENTOR,
        "two-way",
        "What are you working on that could use fresh eyes? Ask your mentee; their view may surprise you.",
        "Which career question of your own could your mentee help with? Experience runs both ways.",
    ),
    _p(
        "mentor-belief",
        MENTOR,
        "support",
        "Does your mentee know you believe in them? Tell them what you see in them; it makes bold moves easier.",
        "Does your mentee know their progress shows? Tell them; it makes the next experiment easier.",
    ),
)


def library(audience: Audience) -> list[Prompt]:
    return [p for p in LIBRARY if p.audience == audience]


def by_key(key: str) -> Prompt | None:
    return next((p for p in LIBRARY if p.key == key), None)


def pick(audience: Audience, used: Sequence[str], seed: int) -> Prompt:
    """The next prompt for one side of a pair: none repeats until every prompt for that audience is used.

    `used` lists the keys already sent, oldest first. The order is shuffled per pair (by `seed`), so
    pairs starting together don't all get the same question on the same day.
    """
    prompts = library(audience)
    order = prompts[:]
    random.Random(seed).shuffle(order)
    cycle = len(used) % len(prompts)
    this_round = set(used[len(used) - cycle :]) if cycle else set()
    return next(p for p in order if p.key not in this_round)
