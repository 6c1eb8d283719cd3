"""How people are described: levels of seniority and the topics they grow in or mentor on."""

from __future__ import annotations

LEVELS = {
    1: "Early career",
    2: "Mid-level",
    3: "Senior",
    4: "Staff / Lead",
    5: "Principal / Manager",
    6: "Director / Executive",
}


def normalize_topic(topic: str) -> str:
    return " ".join(topic.split()).casefold()


def split_topics(raw: str) -> list[str]:
    return [" ".join(part.split()) for part in raw.replace("\n", ",").split(",") if part.strip()]


def merge_topics(chosen: list[str], typed: list[str]) -> list[str]:
    merged: dict[str, str] = {}
    for topic in chosen + typed:
        merged.setdefault(normalize_topic(topic), topic)
    return list(merged.values())


def parse_level(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        level = int(raw)
    except ValueError:
        return None
    return level if level in LEVELS else None


TOPIC_MAX = 60
DEPARTMENT_MAX = 80
