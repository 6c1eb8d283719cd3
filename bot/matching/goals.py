"""How well a mentee's own words about their goals fit each mentor's topics and bio, by TF-IDF.

A secondary signal: the scorer gives it few points, and never enough to outweigh a topic the
mentee chose. The vectorizer learns its vocabulary and word weights from the mentors' profiles,
so words every mentor uses count for little and a word only one mentor's bio holds counts most.
scikit-learn (and with it numpy and scipy) is imported only when there is text to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.matching.scoring import MenteeNeeds, MentorOffer

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix


def profile_text(offer: MentorOffer) -> str:
    return " ".join([*offer.topics, offer.bio or ""])


@lru_cache(maxsize=4)
def _fitted(profiles: tuple[str, ...]) -> tuple[Any, csr_matrix, csr_matrix] | None:
    """The vectorizer fitted on these profiles, and the profiles as rows: kept for the next request
    against the same mentors, since fitting costs more than everything else in a request."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        rows = vectorizer.fit_transform(profiles).tocsr()
    except ValueError:  # nothing but stop words
        return None
    return vectorizer, rows, rows.T.tocsr()


class GoalFit:
    """Cosine similarity (0 to 1) of each mentee's goals to each mentor's profile, a block of mentees at a time."""

    def __init__(self, needs: Sequence[MenteeNeeds], offers: Sequence[MentorOffer]):
        self.width = len(offers)
        self._goals: csr_matrix | None = None
        self._profiles: csr_matrix | None = None
        self._by_offer: csr_matrix | None = None
        goals = [x.goals.strip() for x in needs]
        profiles = [profile_text(o) for o in offers]
        if not any(goals) or not any(p.strip() for p in profiles):
            return
        fitted = _fitted(tuple(profiles))
        if fitted is None:
            return
        vectorizer, self._by_offer, self._profiles = fitted
        self._goals = vectorizer.transform(goals).tocsr()

    @property
    def empty(self) -> bool:
        return self._goals is None

    def rows(self, mentees: Sequence[int] | np.ndarray) -> np.ndarray | None:
        """similarity[r, j] of mentee mentees[r] to offer j; None when no one wrote anything comparable."""
        if self._goals is None or self._profiles is None:
            return None
        product = self._goals[mentees] @ self._profiles
        dense: np.ndarray = product.toarray()
        return dense

    def pairs(self, mentees: Sequence[int], offers: Sequence[int]) -> list[float]:
        """The similarity of mentee mentees[p] to offer offers[p], for each p: one value per pair, no matrix."""
        if self._goals is None or self._by_offer is None or not len(mentees):
            return [0.0] * len(mentees)
        import numpy as np

        products = self._goals[list(mentees)].multiply(self._by_offer[list(offers)])
        return [float(v) for v in np.asarray(products.sum(axis=1)).ravel()]

    def of(self, mentee: int) -> list[float]:
        """One mentee's similarity to every offer, 0.0 throughout when there is nothing to compare."""
        row = self.rows([mentee])
        return [0.0] * self.width if row is None else [float(v) for v in row[0]]
