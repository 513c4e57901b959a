"""Every kept score row is checked by a reader independent of the converters, on the whole timeline;
real-world ABC constructs are cleaned, handled or rejected with their own reason."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

from curate.abc import notes, verified_tunes
from curate.abc.clean import ROLL_CARRIER, clean_tune
from curate.abc.independent_reader import read_abc
from curate.abc.normalize import NormalizeOptions

OPTIONS = NormalizeOptions(min_bars=2)
HEAD = "X:1\nT:Test\nM:2/4\nL:1/8\n"


def _one(tune: str, options: NormalizeOptions = OPTIONS) -> verified_tunes.TuneOut:
    (out,) = verified_tunes.run_safe("abc", tune, options)
    return out


def _kept(tune: str) -> verified_tunes.TuneOut:
    out = _one(tune)
    assert out.reject is None, out.reject
    assert out.fidelity == 1.0 and out.verified_by == ("abc2midi",) and out.roundtrip is None
    return out


def test_a_planted_misreading_is_caught_as_reader_disagreement() -> None:
    # abc2midi plays `transpose=` (the sounding pitch); abc2xml writes the written pitch: they disagree,
    # and the round trip through abc2xml alone would have called this exact.
    out = _one(HEAD + "K:C transpose=-2\nCDEF|GABc|cBAG|C4|]\n", NormalizeOptions(min_bars=2, roundtrip_check=True))
    assert out.reject is not None and out.reject[0] == "reader_disagreement"
    assert "played bars differ: 1, 2, 3, 4" in out.reject[1] and out.roundtrip == 1.0
    assert out.fidelity is not None and out.fidelity < 1.0


def test_inserted_silence_is_seen_on_the_whole_timeline() -> None:
    source = read_abc(HEAD + "K:C\nCDEF|GABc|]\n")
    shifted = read_abc(HEAD + "K:C\nCDEF|z4|GABc|]\n")  # every bar alike, but the second comes late
    from curate.abc.timeline import agree

    agreement = agree(source, shifted, "abc2midi")
    assert not agreement.exact and agreement.score == 0.5 and agreement.differing[0] == Fraction(2)


@pytest.mark.parametrize(
    "name, tune, needle",
    [
        ("text block", HEAD + "%%begintext\nA tune from A to G, abc def.\n%%endtext\nK:D\nDEFG|ABcd|d4|]\n", "DEFG"),
        ("symbol lines", HEAD + 'K:G\nGABc|\ns: "C" * * "G"\nd: !p! * * !f!\ngfed|g4|]\n', "gfed"),
        (
            "continued title",
            "X:1\nT:A title split \\\n  over two lines Be Flat\nM:2/4\nL:1/8\nK:F\nFGAB|c4|]\n",
            "FGAB",
        ),
        ("MIDI lines", HEAD + "%%MIDI channel 10\n%%MIDI program 1 73\nK:C\nCDEF|GABc|C4|]\n", "CDEF"),
        (
            "V: comments and tabs",
            HEAD + "K:C\nV:1\tclef=treble % top\nV:2 clef=bass % bass\nV:1\nCDEF|G4|]\nV:2\nC,4|G,,4|]\n",
            "V:2 bass",
        ),
        ("bagpipe key", HEAD + "K:HP\nA>B c>d|e>f g>a|f>e c>B|A4|]\n", "K:Amix"),
        ("inline K:none", HEAD + "K:G\nGABc|dcBA|[K:none]FGAB|c4|]\n", "[K:C]"),
        ("play order", HEAD + "P:ABA\nK:C\nP:A\nCDEF|GABc|\nP:B\ncBAG|FEDC|]\n", "CDEF | GABc | cBAG | FEDC |"),
        ("grouped play order", HEAD + "P:(AB)2\nK:C\nP:A\nCDEF|\nP:B\nGABc|]\n", "CDEF | GABc |] CDEF | GABc"),
        ("voice continued", HEAD + "K:C\nV:1\nCDEF|GABc|\\\ncBAG|FEDC|]\nV:2\nC,4|G,,4|\\\nC,4|C,4|]\n", "cBAG"),
        ("old chords", HEAD + "K:C\n+C2E2+ +D2F2+|+E4G4+|CDEF|+G3B3+ z|]\n", "[CE]2 [DF]2"),
        ("empty bar before :|", HEAD + "K:C\nABcd | :|ABcd|]\n", ":|"),
        ("rolls", HEAD + "K:G\n~G2 RA2|!roll!B2 ~c2|d2 ~B2|G4|]\n", "~G2 ~A2 | ~B2 ~c2"),
        # a voice written late in the file starts at the top (abc2midi and abc2xml agree): padded at its end
        ("late voice", HEAD + "K:C\nV:1\nCDEF|GABc|\nV:1\ncBAG|C4|]\nV:2\nC,4|G,,4|]\n", "G,,4 |] x4 | x4 |"),
        ("end bar opening a repeat", HEAD + "K:C\nCDEF|GABc|]:cBAG|C4:|\n", "|] |:"),
    ],
)
def test_real_world_constructs_are_converted_right(name: str, tune: str, needle: str) -> None:
    out = _kept(tune)
    assert needle in out.abc, out.abc


@pytest.mark.parametrize(
    "tune",
    [
        HEAD + "K:G\nG>.A B>.c|.d>B G2|T(BA) GA|G4|]\n",  # staccato beside a broken rhythm, trill before a slur
        "X:1\nM:2/4\nL:1/16\nK:D\nBE~E2 ~F4|TA4 d4|M=c4 P^c4|d8|]\n",  # ornaments under another unit length
    ],
)
def test_what_abc2midi_plays_beyond_the_written_notes_is_set_aside_on_both_sides(tune: str) -> None:
    out = _kept(tune)
    assert out.abc.count("~") == tune.count("~")


def test_a_converter_that_loses_a_roll_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # the independent reader sets ornaments aside, so rolls are counted on both sides
    from converter21.abc import xml2abc

    def losing(xml: bytes, **kw: object) -> tuple[str, str]:
        abc, info = xml2abc.vertaal(xml, **kw)
        return abc.replace(ROLL_CARRIER, "", 1), info

    monkeypatch.setattr(verified_tunes, "xml2abc", SimpleNamespace(vertaal=losing))
    out = _one(HEAD + "K:G\n~G2 A2|~B2 c2|d4|G4|]\n")
    assert out.reject == ("ornament_lost", "2 rolls in the source, 1 in the output")


def test_the_converters_end_bar_opening_a_repeat_is_written_as_other_readers_play_it() -> None:
    # xml2abc writes `|]:`; abc2midi plays that from the top (16 bars), the written music repeats 2 bars (12)
    tune = HEAD + "K:C\nCDEF|GABc|CDEF|GABc|] |:cBAG|FEDC|cBAG|FEDC:|\n"
    out = _kept(tune)
    assert "|]:" not in out.abc and len(read_abc(out.abc)) == len(read_abc(tune)) == 48


def test_continued_title_is_a_field_not_notes() -> None:
    tune = "X:1\nT:A title split \\\n  over two lines Be Flat\nM:2/4\nL:1/8\nK:F\nFGAB|c4|]\n"
    out = _kept(tune)
    assert out.fields["title"] == "A title split over two lines Be Flat" and out.stats["notes"] == 5


def test_play_order_is_played_in_full() -> None:
    out = _kept(HEAD + "P:ABA\nK:C\nP:A\nCDEF|GABc|\nP:B\ncBAG|FEDC|]\n")
    assert out.stats["notes"] == 24 and out.stats["bars"] == 6


@pytest.mark.parametrize(
    "tune, reason",
    [
        (HEAD + "K:C\nC_22/100E G2|c4|]\n", "microtone"),
        (HEAD + "K:C\nC2 _/e2|c4|]\n", "microtone"),
        (HEAD + "K:D\nd<{GdG}e f>g|a2 f2|]\n", "grace_after_broken_rhythm"),
        (HEAD + "P:AB\nK:C\nV:1\nP:A\nCDEF|\nP:B\nGABc|]\n", "play_order"),
        (HEAD + "P:AC\nK:C\nP:A\nCDEF|\nP:B\nGABc|]\n", "play_order"),
    ],
)
def test_constructs_that_cannot_be_converted_are_rejected_with_their_reason(tune: str, reason: str) -> None:
    out = _one(tune)
    assert out.reject is not None and out.reject[0] == reason and out.reject[1]


def test_cleaning_keeps_the_music_and_drops_the_rest() -> None:
    cleaned = clean_tune(HEAD + '%%beginps\n/x 1 def\n%%endps\nK:C\nV:1\tname="a" % c\nCDEF|\\\nGABc|]\n')
    assert "beginps" not in cleaned and "/x" not in cleaned
    assert 'V:1 name="a"\n' in cleaned and "CDEF|GABc|]" in cleaned


def test_cue_notes_take_their_time() -> None:
    xml = """<score-partwise><part id="P1"><measure number="1"><attributes><divisions>1</divisions></attributes>
    <note><cue/><pitch><step>D</step><octave>5</octave></pitch><duration>1</duration></note>
    <note><pitch><step>C</step><octave>5</octave></pitch><duration>1</duration></note>
    </measure></part></score-partwise>"""
    (measure,) = notes.measures(ET.fromstring(xml))
    assert list(measure) == [(Fraction(1), 72, Fraction(1))]  # after the cue's beat; the cue itself not counted


def _performance_midi(path: Path) -> None:
    """A one-track MIDI file of 40 notes at human, unquantized times."""
    rng = random.Random(7)
    events, tick = b"", 0
    for i in range(40):
        on = rng.randint(3, 40) if i else 0
        length = rng.randint(100, 300)
        events += _vlq(on) + bytes([0x90, 60 + i % 12, 80]) + _vlq(length) + bytes([0x80, 60 + i % 12, 0])
        tick += on + length
    events += b"\x00\xff\x2f\x00"
    header = (
        b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big") + (480).to_bytes(2, "big")
    )
    path.write_bytes(header + b"MTrk" + len(events).to_bytes(4, "big") + events)


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    while value > 0x7F:
        value >>= 7
        out.append(0x80 | (value & 0x7F))
    return bytes(reversed(out))


def test_quantized_midi_with_thirty_seconds_and_sixteenth_triplets_is_kept(tmp_path: Path) -> None:
    import music21

    tune = "X:1\nM:2/4\nL:1/32\nK:C\nCDEF G4 A8|(3c2d2e2 (3f2g2a2 b8|c'8 B8|C16|]\n"
    music21.converter.parse("%abc-2.1\n" + tune, format="abc").write("midi", fp=str(tmp_path / "fast.mid"))
    (out,) = verified_tunes.run_safe("midi", str(tmp_path / "fast.mid"), OPTIONS)
    assert out.reject is None and out.fidelity == 1.0, out.reject


def test_performance_midi_is_recognised(tmp_path: Path) -> None:
    _performance_midi(tmp_path / "played.mid")
    (out,) = verified_tunes.run_safe("midi", str(tmp_path / "played.mid"), OPTIONS)
    assert out.reject is not None and out.reject[0] == "performance_midi"
    assert "of 40 note onsets off the 1/24-quarter grid" in out.reject[1]


def test_missing_independent_reader_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    from curate.abc import independent_reader

    monkeypatch.setattr(independent_reader, "ABC2MIDI", "abc2midi-not-installed-here")
    tune = HEAD + "K:C\nCDEF|GABc|C4|]\n"
    out = _one(tune)
    assert out.reject is not None and out.reject[0] == "reader_missing" and "abcmidi" in out.reject[1]
    kept = _one(tune, NormalizeOptions(min_bars=2, require_independent=False))
    assert kept.reject is None and kept.fidelity is None and kept.verified_by == ("abc2xml",)
    assert "not checked by an independent reader" in kept.note


@pytest.mark.slow
def test_no_kept_demo_row_claims_fidelity_the_independent_reader_denies(tmp_path: Path) -> None:
    """The demo's score files through the stage as the demo configures it; each kept row read again."""
    import pyarrow.parquet as pq
    import yaml

    from curate.abc.split import decode_abc, split_tunes
    from curate.abc.timeline import agree
    from curate.executors.local import LocalExecutor
    from curate.pipeline import load_pipeline
    from curate.runner import run_pipeline

    repo = Path(__file__).parents[1]
    demo = yaml.safe_load((repo / "pipelines" / "demo.yaml").read_text())
    step = next(s for s in demo["steps"] if s["name"] == "scores")
    samples = repo / "curate" / "data" / "samples" / "scores"
    doc = {"dataset": "t", "version": "1", "inputs": {"files": {"path": str(samples)}},
           "steps": [{**step, "input": "files"}]}  # fmt: skip
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    run_pipeline(load_pipeline(tmp_path / "p.yaml"), tmp_path / "store", LocalExecutor(1), manifests_dir=None)
    kept = pq.read_table(sorted((tmp_path / "store" / "t" / "1" / "scores").glob("*.parquet"))).to_pylist()
    assert len(kept) >= 20
    checked = 0
    for row in kept:
        (path,) = [p for p in samples.rglob(Path(row["source_path"]).name) if p.parent.name == row["collection"]]
        fmt = {"mxl": "musicxml"}.get(row["source_format"], row["source_format"])
        payload = split_tunes(decode_abc(path.read_bytes()))[row["tune_index"]] if fmt == "abc" else str(path)
        source, output = verified_tunes.reference_notes(fmt, payload), verified_tunes.read_output(fmt, row["abc"])
        assert row["fidelity"] != 1.0 or agree(source, output, "check").exact, row["source_path"]
        assert row["verified_by"][0] == verified_tunes.READERS[fmt]
        checked += row["fidelity"] == 1.0
    assert checked == len(kept)


def test_a_bar_split_around_a_repeat_plays_no_added_silence() -> None:
    # bwv277 in kern: `=:|!` after three beats, then a one-beat pickup; music21 pads both with hidden rests.
    path = Path(__file__).parents[1] / "curate" / "data" / "samples" / "scores" / "bach" / "bwv277.krn"
    (out,) = verified_tunes.run_safe("kern", str(path), NormalizeOptions(min_bars=4))
    assert out.reject is None and out.fidelity == 1.0 and out.verified_by == ("verovio", "abc2xml")
    assert " x" not in out.abc and "x2" not in out.abc


def test_real_collection_play_order_and_bagpipe_key() -> None:
    from curate.abc.split import decode_abc, split_tunes

    path = Path(__file__).parent / "fixtures" / "scores" / "aird_play_order_and_bagpipe.abc"
    quick_step, major = (_one(t, NormalizeOptions()) for t in split_tunes(decode_abc(path.read_bytes())))
    assert quick_step.reject is None and major.reject is None
    assert quick_step.fidelity == major.fidelity == 1.0
    assert quick_step.stats["bars"] == 24  # A (8 bars), B (8), A again: the play order is played
    assert major.header["key"] == "Amix" and "K:Amix" in major.abc


def test_play_order_grammar_and_fields_that_look_like_music() -> None:
    from curate.abc.clean import _play_order

    assert _play_order("ABA") == list("ABA") and _play_order("A2B") == list("AAB")
    assert _play_order("(AB)3") == list("ABABAB") and _play_order("A.B.(CA)2 ") == list("ABCACA")
    cleaned = clean_tune("X:1\nK:C\nd:|cde|\ns: * *\nd: !p!\n")
    assert cleaned == "X:1\nK:C\nd:|cde|\n"  # `d:|` is the note d and a repeat; the symbol lines go
