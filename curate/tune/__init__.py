"""What a tune of the `scores` table holds, computed from its ABC: header fields, bars and form from the
text (`abctext`), its melody and chord symbols read through abc2xml (`melody`), how well the chords fit
the melody (`harmony`), its recurring motif (`motif`), and all of it gathered per tune (`facts`).
Score instruction tasks (curate/release/score_tasks) and score chat (curate/scorechat) share these.
"""


class Unusable(Exception):
    """The tune lacks what a fact or task needs; `reason` is a short snake_case word (counted, never silent)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
