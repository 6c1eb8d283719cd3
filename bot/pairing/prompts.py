"""The prompt library: questions worth bringing to a mentoring conversation, for each side of the pair.

Every prompt serves one of the practices in PRACTICES, and each practice has at least three prompts
for the mentee (a sounding board to think out loud with their mentor) and three for the mentor
(doors to open, other angles, honest feedback given kindly, belief, a high bar, disagreement handled
well, and what they learn in return). Each prompt has a reverse-mentoring wording, where a more
junior mentor teaches a senior mentee about tools and new ways of working. A separate set of
encouragements is kept for the nudge a mentor gets when their mentee may need support.
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
        "belief",
        "What's a risk you keep hesitating to take? What's the worst realistic outcome? Share it with your mentor.",
        "What's a new tool you hesitate to use in front of others? Practise it with your mentor first.",
    ),
    _p(
        "risk-small-bet",
        MENTEE,
        "belief",
        "Could you turn a big risk into a small experiment this month? Design it with your mentor.",
        "Which meeting or report could you run a new way this month? Design the experiment with your mentor.",
    ),
    _p(
        "belief-surprised",
        MENTEE,
        "belief",
        "When did you last surprise yourself at work? Tell your mentor, and ask what it says you could try next.",
        "Which new tool did you pick up faster than you expected? Tell your mentor, then choose a bolder next step.",
    ),
    _p(
        "feedback-critique",
        MENTEE,
        "feedback",
        "Which piece of your work would you like honestly critiqued? Bring it, and ask what your mentor would change.",
        "Which of your documents or dashboards could look more current? Ask your mentor for a frank critique.",
    ),
    _p(
        "feedback-stung",
        MENTEE,
        "feedback",
        "What feedback stung a little lately? Unpack it with your mentor: what part of it is true?",
        "What feedback from a younger colleague surprised you lately? Ask your mentor how they would read it.",
    ),
    _p(
        "feedback-blind-spot",
        MENTEE,
        "feedback",
        "What might others notice about your work that you don't? Ask your mentor for their honest read.",
        "What might newer colleagues notice about how you work that you don't? Ask your mentor for an honest read.",
    ),
    _p(
        "expect-excellent",
        MENTEE,
        "expectations",
        "What would excellent, not just good, look like on your current project? Set that bar with your mentor.",
        "What would fluent, not just passable, look like with your new tools? Set that bar with your mentor.",
    ),
    _p(
        "expect-by-next-time",
        MENTEE,
        "expectations",
        "What will you have done by your next meeting? Name it, and ask your mentor to hold you to it.",
        "What will you have tried by your next meeting? Name it, and ask your mentor to check on it.",
    ),
    _p(
        "expect-twice-as-high",
        MENTEE,
        "expectations",
        "If you aimed twice as high this quarter, what would change? Explore it with your mentor.",
        "What would it take to teach your own team a new tool this quarter? Explore it with your mentor.",
    ),
    _p(
        "disagree-with-mentor",
        MENTEE,
        "disagreement",
        "Has your mentor said something you don't quite agree with? Saying so is welcome: how would you put it?",
        "Is there advice from your mentor that doesn't fit how you work? Saying so is welcome: how would you put it?",
    ),
    _p(
        "disagree-rehearse",
        MENTEE,
        "disagreement",
        "Is there a disagreement at work you keep putting off? Rehearse your first sentence with your mentor.",
        "Is there a disagreement about tools or process you keep putting off? Rehearse it with your mentor.",
    ),
    _p(
        "disagree-curious",
        MENTEE,
        "disagreement",
        "When you disagree with someone, what keeps you curious, not defensive? Compare habits with your mentor.",
        "When a junior colleague challenges you, what keeps you curious? Compare habits with your mentor.",
    ),
    _p(
        "two-way-teach",
        MENTEE,
        "two-way",
        "What could you teach your mentor: a tool, a team you know well, a fresh view? Mentoring runs both ways.",
        "What could you teach your mentor about the business, decisions or leading people? Offer it next time.",
    ),
    _p(
        "two-way-thanks",
        MENTEE,
        "two-way",
        "What has your mentor done that helped most so far? Tell them: it helps them help you.",
        "What has your mentor shown you that you now use every week? Tell them: it helps them teach you.",
    ),
    _p(
        "two-way-their-path",
        MENTEE,
        "two-way",
        "What would you like to know about your mentor's own path? Ask them one question about it this time.",
        "How does your mentor learn new things so quickly? Ask them about their habits this time.",
    ),
    # --- prompts for the mentor ------------------------------------------------------------
    _p(
        "mentor-stretch-door",
        MENTOR,
        "growth",
        "Is there a meeting, project or person your mentee should meet? Think of one door you could open this month.",
        "Is there a community, channel or tool your mentee should join? Offer to bring them in this month.",
    ),
    _p(
        "mentor-stretch-task",
        MENTOR,
        "growth",
        "What stretch task could your mentee take on with you as a safety net? Suggest one at your next meeting.",
        "What small hands-on task could your mentee try with you beside them? Suggest one at your next meeting.",
    ),
    _p(
        "mentor-stretch-spotlight",
        MENTOR,
        "growth",
        "Where could your mentee present, lead or be seen this quarter? Offer to help them prepare.",
        "Could your mentee show their own team something they learned from you? Offer to help them prepare.",
    ),
    _p(
        "mentor-perspective-other",
        MENTOR,
        "options",
        "Think of a challenge your mentee raised. What's an angle they haven't mentioned? Offer it as a question.",
        "Think of a task your mentee described. Which tool or shortcut haven't they heard of? Show them.",
    ),
    _p(
        "mentor-perspective-story",
        MENTOR,
        "decision",
        "Which story from your own career, including a misstep, might help your mentee right now?",
        "Which of your own early stumbles with a tool would make your mentee feel less alone? Share it.",
    ),
    _p(
        "mentor-perspective-politics",
        MENTOR,
        "organisation",
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
        "belief",
        "What has your mentee done well lately? Tell them specifically; confidence grows from concrete praise.",
        "What has your mentee picked up faster than they think? Tell them specifically.",
    ),
    _p(
        "mentor-feedback-bar",
        MENTOR,
        "expectations",
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
        "belief",
        "Does your mentee know you believe in them? Tell them what you see in them; it makes bold moves easier.",
        "Does your mentee know their progress shows? Tell them; it makes the next experiment easier.",
    ),
    _p(
        "mentor-options-widen",
        MENTOR,
        "options",
        "Which of your mentee's choices could one question widen: what else could you do? Try it next time.",
        "Which task could your mentee do another way with a tool they don't know yet? Ask what they've tried.",
    ),
    _p(
        "mentor-options-hold-back",
        MENTOR,
        "options",
        "Next time, could you hold back your own answer and ask your mentee for three options first?",
        "Next time, could you give your mentee a hint rather than the shortcut, and let them find it?",
    ),
    _p(
        "mentor-decision-test",
        MENTOR,
        "decision",
        "What decision is your mentee facing? Help them test it: what would have to be true for it to work?",
        "Which tool decision is your mentee facing? Help them test it with a small trial before they commit.",
    ),
    _p(
        "mentor-decision-theirs",
        MENTOR,
        "decision",
        "Are you steering your mentee toward your choice rather than theirs? Ask what they'd decide without you.",
        "Are you pushing your own favourite tools? Ask your mentee what fits the way they already work.",
    ),
    _p(
        "mentor-org-introduce",
        MENTOR,
        "organisation",
        "Who should your mentee know two levels up or two teams over? Offer an introduction this month.",
        "Which newer colleagues or communities could your mentee learn from? Offer to introduce them.",
    ),
    _p(
        "mentor-org-read",
        MENTOR,
        "organisation",
        "Is your mentee in a tricky situation at work? Share how you'd read who wants what, and why.",
        "Is your mentee puzzled by how younger colleagues work together? Explain what drives their habits.",
    ),
    _p(
        "mentor-feedback-invited",
        MENTOR,
        "feedback",
        "Have you asked what your mentee would like feedback on? Ask first: invited feedback lands better.",
        "Have you asked which habits your mentee would like feedback on? Ask first: invited feedback lands better.",
    ),
    _p(
        "mentor-feedback-example",
        MENTOR,
        "feedback",
        "Can you turn a vague impression of your mentee's work into one example and one suggestion?",
        "Can you show your mentee one concrete quicker way, instead of saying there's a better tool?",
    ),
    _p(
        "mentor-belief-backing",
        MENTOR,
        "belief",
        "Is there a risk your mentee keeps circling? Tell them you'd back them, and talk through the worst case.",
        "Is there a tool your mentee is nervous to use in front of others? Tell them you'll help if it goes wrong.",
    ),
    _p(
        "mentor-expect-ambition",
        MENTOR,
        "expectations",
        "Is your mentee's next goal ambitious enough? Ask what they'd aim for if they knew you'd back them.",
        "Is your mentee aiming low with their new tools? Ask what they'd try if they knew you'd help.",
    ),
    _p(
        "mentor-expect-follow-up",
        MENTOR,
        "expectations",
        "Did your mentee say they'd do something last time? Ask how it went: it shows you take them seriously.",
        "Did your mentee plan to try something last time? Ask how it went: it shows you take it seriously.",
    ),
    _p(
        "mentor-disagree-welcome",
        MENTOR,
        "disagreement",
        "Have you told your mentee it's fine to disagree with you? Say it plainly: it makes honest talks possible.",
        "Have you told your mentee it's fine to push back on your advice? Say it plainly, even though they're senior.",
    ),
    _p(
        "mentor-disagree-listen",
        MENTOR,
        "disagreement",
        "When you and your mentee see something differently, can you say their view back before giving yours?",
        "When your mentee doubts a new way of working, can you say their concern back before answering it?",
    ),
    _p(
        "mentor-disagree-issue",
        MENTOR,
        "disagreement",
        "If a disagreement comes up, how will you keep it about the issue, not the person? Plan a phrase to use.",
        "If your mentee resists a change, how will you keep it about the work, not about habits? Plan a phrase.",
    ),
    _p(
        "mentor-two-way-share",
        MENTOR,
        "two-way",
        "Which challenge of your own could you share with your mentee? Showing you're still learning builds trust.",
        "What do you find hard at work that your senior mentee could help with? Ask them: it builds trust.",
    ),
)

# Encouragement for a mentor whose mentee may need it (a dip in their confidence pulse, which the
# mentor is never shown): kept apart from the weekly prompts, so a nudge never repeats one of them.
ENCOURAGEMENT: tuple[Prompt, ...] = (
    _p(
        "support-overlooked",
        MENTOR,
        "encouragement",
        "What progress has your mentee made that they might be overlooking? Name it for them this week.",
        "What has your mentee picked up that they may not give themselves credit for? Name it this week.",
    ),
    _p(
        "support-past-win",
        MENTOR,
        "encouragement",
        "Can you remind your mentee of something hard they've already done well? Past wins make the next step easier.",
        "Can you remind your mentee how far they've come with their new tools since you started?",
    ),
    _p(
        "support-small-step",
        MENTOR,
        "encouragement",
        "Could you help your mentee pick one small, doable step for this week, so that a win is close?",
        "Could you help your mentee pick one small thing to try this week, so that a win is close?",
    ),
    _p(
        "support-say-it",
        MENTOR,
        "encouragement",
        "Have you told your mentee, in so many words, that you believe they can do this?",
        "Have you told your mentee, in so many words, that you're sure they'll get the hang of it?",
    ),
    _p(
        "support-doubt-normal",
        MENTOR,
        "encouragement",
        "Could you share a time you doubted yourself, and what helped? It tells your mentee doubt is normal.",
        "Could you share a tool you found hard at first? It tells your mentee that struggling is normal.",
    ),
)


# The practices every prompt serves; each has at least three prompts for each side of the pair.
PRACTICES = (
    "growth",  # growth opportunities
    "organisation",  # navigating the organisation and its politics
    "feedback",  # constructive criticism
    "decision",  # a sounding board for decisions
    "options",  # options not yet considered
    "belief",  # belief that builds confidence and risk-taking
    "expectations",  # high expectations
    "disagreement",  # setting the tone when disagreements arise
    "two-way",  # a two-way street
)


def library(audience: Audience) -> list[Prompt]:
    return list(_LIBRARIES[audience])


def by_key(key: str) -> Prompt | None:
    return next((p for p in (*LIBRARY, *ENCOURAGEMENT) if p.key == key), None)


_LIBRARIES = {audience: tuple(p for p in LIBRARY if p.audience == audience) for audience in Audience}


def _shuffled(prompts: Sequence[Prompt], seed: int) -> list[Prompt]:
    """The prompts in the pair's own order: a Fisher-Yates shuffle drawn from Random(seed), exactly as
    `Random(seed).shuffle` draws it, written out here because the weekly plan runs it for every pair
    and the library's version spends most of its time in calls."""
    order = list(prompts)
    bits = random.Random(seed).getrandbits
    for i in range(len(order) - 1, 0, -1):
        # A uniform j in [0, i]: draws of i's bit length until one is below i + 1.
        k = (i + 1).bit_length()
        j = bits(k)
        while j > i:
            j = bits(k)
        order[i], order[j] = order[j], order[i]
    return order


def _next(prompts: Sequence[Prompt], used: Sequence[str], seed: int) -> Prompt:
    """The first prompt of the pair's own shuffled order not used since the list was last used up."""
    cycle = len(used) % len(prompts)
    this_round = set(used[len(used) - cycle :]) if cycle else set()
    return next(p for p in _shuffled(prompts, seed) if p.key not in this_round)


def pick(audience: Audience, used: Sequence[str], seed: int) -> Prompt:
    """The next prompt for one side of a pair: none repeats until every prompt for that audience is used.

    `used` lists the keys already sent, oldest first. The order is shuffled per pair (by `seed`), so
    pairs starting together don't all get the same question on the same day.
    """
    return _next(_LIBRARIES[audience], used, seed)


def encouragement(used: Sequence[str], seed: int) -> Prompt:
    """The next encouragement for a pair's mentor, in the same way: none repeats until all are used."""
    return _next(ENCOURAGEMENT, used, seed)
