"""Settling a tune's key: the key signature gives two candidates (relative major and minor); the
Krumhansl-Schmuckler analysis and the final note must both pick the same one, or the key is ambiguous."""

from __future__ import annotations

import music21

from curate.stage import RejectRow
from curate.theory.music import key_name, notes

MARGIN = 0.02  # correlation lead the chosen candidate needs over its relative


def signature(score: music21.stream.Score) -> music21.key.KeySignature:
    found = score.recurse().getElementsByClass(music21.key.KeySignature)
    if not found:
        raise RejectRow("no_key_signature")
    return found[0]


def settle_key(score: music21.stream.Score) -> tuple[music21.key.Key, str]:
    """(key, explanation) or RejectRow('ambiguous_key' / 'signature_disagrees')."""
    sig = signature(score)
    tune_notes = notes(score)
    if len(tune_notes) < 8:
        raise RejectRow("too_short", f"{len(tune_notes)} notes")
    analysis = score.analyze("key")
    ranked = [analysis, *analysis.alternateInterpretations]
    corr = {key_name(k): k.correlationCoefficient for k in ranked}
    major, minor = sig.asKey("major"), sig.asKey("minor")
    best = key_name(analysis)
    if best not in (key_name(major), key_name(minor)):
        raise RejectRow("signature_disagrees", f"analysis says {best}, the signature has {sig.sharps} sharps")
    final = tune_notes[-1].pitch
    pick, other = (major, minor) if corr[key_name(major)] >= corr[key_name(minor)] else (minor, major)
    lead = corr[key_name(pick)] - corr[key_name(other)]
    if final.pitchClass != pick.tonic.pitchClass:
        raise RejectRow("ambiguous_key", f"analysis prefers {key_name(pick)} but the tune ends on {final.name}")
    if lead < MARGIN:
        raise RejectRow("ambiguous_key", f"{key_name(pick)} leads {key_name(other)} by only {lead:.3f}")
    why = (f"The key signature ({_sig_words(sig)}) fits {key_name(major)} and {key_name(minor)}; the pitch "
           f"profile correlates better with {key_name(pick)} ({corr[key_name(pick)]:.2f} against "
           f"{corr[key_name(other)]:.2f}) and the tune ends on {final.name.replace('-', 'b')}, its tonic.")  # fmt: skip
    return pick, why


def _sig_words(sig: music21.key.KeySignature) -> str:
    n = abs(sig.sharps)
    if n == 0:
        return "no sharps or flats"
    word = "sharp" if sig.sharps > 0 else "flat"
    return f"{n} {word}{'s' if n > 1 else ''}"
