"""Unit behaviour of curate.abc: splitting, bars, note comparison, transposition, isolation."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from fractions import Fraction

import pytest

from curate.abc.bars import length, split_bars
from curate.abc.isolate import Isolated
from curate.abc.normalize import to_ascii
from curate.abc.notes import compare
from curate.abc.split import decode_abc, split_tunes
from curate.abc.transpose import interval


def test_split_keeps_file_header_and_drops_includes() -> None:
    text = "%%abc-include /etc/passwd\n%%MIDI program 1\nfree text\nX:1\nK:C\nCDEF|\n\nX:2\nK:G\nGABc|\n"
    tunes = split_tunes(text)
    assert len(tunes) == 2
    assert all(t.startswith("%%MIDI program 1\nX:") for t in tunes)
    assert "passwd" not in "".join(tunes) and "free text" not in tunes[0]
    assert split_tunes("K:C\nCDEF|\n") == ["K:C\nCDEF|\n"]  # no X: at all: one tune
    assert split_tunes("\n \n") == []


def test_decode_falls_back_to_latin1() -> None:
    assert decode_abc("T:Gr\xfc\xdf\r\n".encode("latin-1")) == "T:Grüß\n"
    assert decode_abc("\ufeffT:é\n".encode()) == "T:é\n"


def test_bar_durations_with_tuplets_chords_and_overlays() -> None:
    bars = split_bars("|: (3ABc d2 [CEG]2 z | [C2E2]2 A/B/ c3/2 x/ | d4 & B4 | Z |]")
    assert [b.duration for b in bars] == [Fraction(7), Fraction(7), Fraction(4), None]
    assert bars[0].text.startswith("|:") and [b.notes for b in bars] == [7, 5, 2, 0]
    assert bars[3].empty and length("//") == Fraction(1, 4) and length("3/2") == Fraction(3, 2)


def test_compare_counts_per_measure() -> None:
    a = [Counter({(Fraction(0), 60, Fraction(1)): 1, (Fraction(1), 62, Fraction(1)): 1})] * 4
    b = list(a)
    b[2] = Counter({(Fraction(0), 60, Fraction(1)): 1, (Fraction(1), 63, Fraction(1)): 1})
    fid = compare(a, b)
    assert fid.score == pytest.approx(7 / 8) and fid.bad_measures == (2,) and not fid.exact
    assert compare(a, [Counter(), *a, Counter()]).exact  # empty measures carry no notes


def test_interval_stays_within_an_octave() -> None:
    assert interval(1) == (-3, -5)  # C -> G below
    assert interval(-1) == (3, 5)  # C -> F above
    assert interval(7) == (0, 1)  # C -> C#
    assert all(-7 <= interval(d)[1] <= 7 and -3 <= interval(d)[0] <= 3 for d in range(-14, 15))


def test_ascii_transliteration() -> None:
    assert to_ascii("Grüße – “Café” Łódź ß") == "Grusse - 'Cafe' Lodz ss"


def _exit() -> None:
    sys.exit(3)


def _hang() -> None:
    time.sleep(30)


def _die() -> None:
    os._exit(9)


def _chatty(x: int) -> int:
    print("converter noise")
    return x * 2


def test_isolation_survives_exit_hang_and_death(capfd: pytest.CaptureFixture[str]) -> None:
    runner = Isolated(timeout_s=2)
    try:
        assert runner.call(_chatty, 21).value == 42
        exited = runner.call(_exit)
        assert not exited.ok and exited.error == "SystemExit"
        hung = runner.call(_hang)
        assert hung.error == "timeout" and runner.restarts == 1
        died = runner.call(_die)
        assert died.error == "crash" and "exit code 9" in died.detail
        assert runner.call(_chatty, 1).value == 2  # a fresh child after each failure
    finally:
        runner.close()
    assert "converter noise" not in capfd.readouterr().out
