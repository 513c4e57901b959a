"""The CPU side of the LLM stages: language check, answer parsing, QA pair checks, area choice, and the
template backend's synchronous path (same validation and rows as the served path)."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from curate.llm.checks import Grounds, answer_problem, copied
from curate.llm.language import detect, matches
from curate.llm.schema import parse_json
from curate.resources import pipelines_dir, samples_dir
from curate.schemas import load_schema
from curate.stage import RejectRow, StageContext
from curate.stages.qa import QA, QAConfig
from curate.stages.summarize import SummaryAnswer

PROSE: dict[str, list[str]] = runpy.run_path(str(samples_dir() / "make_songs.py"))["PROSE"]
FIELDS = {"title": "X", "artist": "Y", "album": "Z", "year": 1999, "genre": "pop"}
SUMMARY = ('"Blue Harbour" is a music recording by The Tides from the album "Low Water", released in 1998. '
           "It is tagged as indie, folk. The summary was written from the metadata fields alone.")  # fmt: skip


def _prose() -> list[tuple[str, str]]:
    return [(lang, " ".join(s.format(**FIELDS) for s in pool[i : i + 2])) for lang, pool in PROSE.items()
            for i in range(0, len(pool), 2)]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ['"坂本九 - 上を向いて歩こう (Official Music Video)" is a music recording by 坂本九. It is tagged as 坂本九, '
     "上を向いて歩こう, 歌謡曲, 上を向いて歩こう. The summary was written from the metadata fields alone.",
     '"이문세 - 광화문 연가 M/V" is a music recording by 이문세. It is tagged as 이문세, 광화문 연가, 발라드, '
     "이문세 4. The summary was written from the metadata fields alone."],
)  # fmt: skip
def test_english_summary_quoting_cjk_titles_is_english(text: str) -> None:
    assert detect(text)[0] != "en"  # py3langid alone called these Japanese/Korean: the false reject now avoided
    assert matches(text, "en") == (True, "en")


@pytest.mark.parametrize(
    ("text", "found"),
    [("「上を向いて歩こう」は坂本九が1961年に発表した歌謡曲で、Sukiyakiの名で海外でもヒットした。作詞は永六輔。", "ja"),
     ("«Despacito» es una canción de reguetón y pop latino de Luis Fonsi con Daddy Yankee, publicada en 2017 y "
      "cantada en español.", "es"),
     ("Bohemian Rhapsody ist ein Lied der britischen Rockband Queen aus dem Jahr 1975, geschrieben von Mercury.",
      "de")],
)  # fmt: skip
def test_summary_in_another_language_is_caught(text: str, found: str) -> None:
    assert matches(text, "en") == (False, found)
    assert matches(text, found)[0]


def test_language_verdicts_on_prose_in_ten_languages() -> None:
    prose = _prose()
    assert all(matches(text, lang)[0] for lang, text in prose)  # no false reject
    caught = [lang for lang, text in prose if lang != "en" and not matches(text, "en")[0]]
    assert len(caught) >= sum(lang != "en" for lang, _ in prose) - 1
    assert matches("Too short to tell", "de") == (True, "und")


@pytest.mark.parametrize(
    ("text", "reason"),
    [('{"summary": "cut', "invalid_json"), ('{"summary": "x"} trailing', "invalid_json"), ("", "invalid_json"),
     ('{"summary": 5}', "schema_violation"), ('["a list"]', "schema_violation")],
)  # fmt: skip
def test_parse_json_names_the_failure(text: str, reason: str) -> None:
    with pytest.raises(RejectRow) as err:
        parse_json(text, SummaryAnswer)
    assert err.value.reason == reason


def test_parse_json_accepts_a_fenced_answer() -> None:
    answer = parse_json('```json\n{"summary": "A ballad.", "language": "en"}\n```', SummaryAnswer)
    assert isinstance(answer, SummaryAnswer) and answer.summary == "A ballad." and answer.language == "en"


@pytest.mark.parametrize(
    ("answer", "terms", "problem"),
    [("It sits on a steady indie folk pulse with a plain vocal line.", set(), None),
     ("It moves along with a strong pulse and a plain vocal line.", set(), "shares no content word"),
     ("It moves along with a strong pulse and a plain vocal line.", {"pulse"}, None),
     ("It moves along with a key change and a plain vocal line.", {"key"}, "shares no content word"),  # 3 letters
     (SUMMARY, set(), "copies the summary"), ("Too short", set(), "empty or too short")],
)  # fmt: skip
def test_answer_checks_against_precomputed_grounds(answer: str, terms: set[str], problem: str | None) -> None:
    got = answer_problem(answer, Grounds(SUMMARY), terms, 20, 1500)
    assert got == answer_problem(answer, SUMMARY, terms, 20, 1500)  # same verdict from text or from grounds
    assert (got is None) if problem is None else (got is not None and got.startswith(problem))
    assert copied(SUMMARY, SUMMARY) and not copied("A different answer about the melody and the verses.", SUMMARY)


def _qa(tmp_path: Path, topics: Path | None = None, **config: Any) -> QA:
    ctx = StageContext(step="qa", dataset="t", version="1", cache_dir=tmp_path / "cache", pipeline_dir=pipelines_dir())
    settings = {"llm": {"backend": "template"}, **config, **({"topics": str(topics)} if topics else {})}
    stage = QA(QAConfig.model_validate(settings), ctx)
    stage.setup()
    return stage


def test_areas_spread_evenly_and_an_added_area_moves_few_summaries(tmp_path: Path) -> None:
    stage = _qa(tmp_path)
    ids = [f"summary:{i:05d}" for i in range(3000)]
    chosen = {i: stage.choose_areas(i) for i in ids}
    assert chosen == {i: stage.choose_areas(i) for i in ids}  # deterministic
    assert all(len(set(c)) == 3 for c in chosen.values())
    counts = Counter(a for c in chosen.values() for a in c)
    expected = 3 * len(ids) / len(stage.areas)
    assert set(counts) == set(stage.areas) and all(0.75 * expected < n < 1.25 * expected for n in counts.values())

    added = {"name": "film_music", "description": "scores for film", "ask": "What about"}
    outline = [*stage.areas.values(), added]
    path = tmp_path / "topics.yaml"
    path.write_text(json.dumps({"areas": outline}))
    grown = _qa(tmp_path, topics=path)
    moved = [i for i in ids if grown.choose_areas(i) != chosen[i]]
    assert all("film_music" in grown.choose_areas(i) for i in moved)  # only where the new area won a place
    assert 0 < len(moved) < 0.3 * len(ids)


def _summaries(count: int) -> pa.Table:
    rows = [{"id": f"summary:{i:04d}", "parent_id": f"youtube:{i:011d}", "summary": SUMMARY, "language": "en",
             "backend": "template", "model": "template:summarize-v1", "prompt_id": "p", "prompt_hash": "h",
             "params": "{}"} for i in range(count)]  # fmt: skip
    return load_schema("summaries").rows_from_dicts(rows)


def test_template_answers_go_through_the_same_checks(tmp_path: Path) -> None:
    stage = _qa(tmp_path)
    result = stage.process(_summaries(20))
    rows = result.rows
    assert isinstance(rows, list) and len(rows) == 60 and not result.rejects
    assert stage.counters["template_answers"] == 20 and stage.counters.get("requests_sent", 0) == 0
    assert {r["backend"] for r in rows} == {"template"} and all(r["song_id"].startswith("youtube:") for r in rows)
    assert len({r["id"] for r in rows}) == 60

    class Broken(QA):
        def template_answer(self, variables: dict[str, Any]) -> str:
            pairs = json.loads(super().template_answer(variables))["pairs"]
            pairs[0]["question"] = pairs[0]["question"].rstrip("?")
            return json.dumps({"pairs": pairs}) if variables["summary"] == SUMMARY else "{not json"

    broken = Broken(stage.config, stage.context)
    broken.setup()
    table = _summaries(2)
    other = table.set_column(2, "summary", pa.array([SUMMARY, SUMMARY + " More."]))
    reasons = Counter(r.reason for r in broken.process(other).rejects)
    assert reasons == {"malformed_question": 1, "invalid_json": 1}
