"""The key of a tune. The excerpt keeps only the signature (K: as its major key), so the reader must
tell relative major from minor; distractors are the relative, parallel and dominant keys."""

from __future__ import annotations

import random
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext
from curate.theory.keys import settle_key, signature
from curate.theory.music import key_name


class KeyKind(Kind):
    name = "key"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        score = ctx.require_score()
        written = ctx.field("K") or ""
        key, why = settle_key(score)
        header_mode = written.strip()[1:].lstrip("#b").strip().lower()
        says_minor = header_mode.startswith(("m", "min")) and not header_mode.startswith(("maj", "mix"))
        if says_minor and key.mode != "minor":
            raise RejectRow("header_disagrees", f"K:{written} but the analysis settles {key_name(key)}")
        sig_major = signature(score).asKey("major")
        bars = ctx.bars()
        if len(bars) > 48:
            raise RejectRow("too_long", f"{len(bars)} bars")
        abc = ctx.header("L", "M") + f"K:{key_name(sig_major).split()[0]}\n" + _body(ctx)
        answer = key_name(key)
        distractors = [key_name(key.relative), key_name(key.parallel), key_name(_dominant(key))]
        return Draft(abc, "What is the key of this tune?", {}, self._checked(abc, answer), distractors, why)

    def _checked(self, abc: str, answer: str) -> str:
        found = self.solve_path1(abc, {})
        if found != answer:
            raise RejectRow("excerpt_disagrees", f"the excerpt reads as {found}, the tune as {answer}")
        return answer

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> str:
        return key_name(settle_key(score)[0])


def _dominant(key: music21.key.Key) -> music21.key.Key:
    return music21.key.Key(key.tonic.transpose("P5").name, key.mode)


def _body(ctx: TuneContext) -> str:
    return " ".join(b.text for b in ctx.bars()) + "\n"
