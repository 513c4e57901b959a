"""Language id: deterministic, 'und' for text without features, accurate on prose, keep-list rejects."""

from __future__ import annotations

import runpy
from pathlib import Path

import pyarrow as pa
import pytest

from curate.resources import samples_dir
from curate.schemas import load_schema
from curate.stage import StageContext
from curate.stages.langid import Langid, LangidConfig
from curate.youtube.langid import LanguageDetector

PROSE: dict[str, list[str]] = runpy.run_path(str(samples_dir() / "make_songs.py"))["PROSE"]
FIELDS = {"title": "X", "artist": "Y", "album": "Z", "year": 1999, "genre": "pop"}


def _labelled() -> list[tuple[str, str]]:
    return [(lang, " ".join(s.format(**FIELDS) for s in pool[i : i + 2])) for lang, pool in PROSE.items()
            for i in range(0, len(pool), 2)]  # fmt: skip


@pytest.mark.parametrize("engine", ["langdetect", "cld2"])
@pytest.mark.parametrize("text", ["", "   ", "12345 67 890", "😀🎶🎸🔥", "!!! ??? ...", "Bohemian Rhapsody"])
def test_text_without_features_is_und_never_an_error(engine: str, text: str) -> None:
    assert LanguageDetector(engine).detect(text) == ("und", 0.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["langdetect", "cld2"])
def test_prose_in_ten_languages_is_identified(engine: str) -> None:
    detector = LanguageDetector(engine)  # type: ignore[arg-type]
    results = [(lang, detector.detect(text)) for lang, text in _labelled()]
    wrong = [(lang, got) for lang, (got, _) in results if got != lang]
    assert len(wrong) <= 1, wrong
    assert all(prob > 0.5 for _, (got, prob) in results if got != "und")


def test_langdetect_is_deterministic_across_detectors_and_seeds() -> None:
    mixed = "Official video. Videoclip oficial de la canción, grabado en vivo. Clipe oficial da música, ao vivo."
    runs = {LanguageDetector("langdetect", seed=0).detect(mixed) for _ in range(5)}
    assert len(runs) == 1


def test_cache_by_text_digest_counts_hits() -> None:
    detector = LanguageDetector("cld2")
    text = _labelled()[0][1]
    first = detector.detect(text)
    assert [detector.detect(text) for _ in range(3)] == [first] * 3
    assert (detector.hits, detector.misses) == (3, 1)


def _songs(texts: list[str | None]) -> pa.Table:
    rows = [{"id": f"youtube:{i:011d}", "video_id": f"{i:011d}", "is_music": True, "raw_hash": "h",
             "description_clean": t, "title": "Bohemian Rhapsody"} for i, t in enumerate(texts)]  # fmt: skip
    return load_schema("songs").rows_from_dicts(rows)


def _stage(**config: object) -> Langid:
    here = Path(".")
    ctx = StageContext(step="lang", dataset="t", version="1", cache_dir=here, pipeline_dir=here)
    stage = Langid(LangidConfig.model_validate(config), ctx)
    stage.setup()
    return stage


@pytest.mark.parametrize("engine", ["langdetect", "cld2"])
def test_stage_adds_language_and_rejects_outside_the_keep_list(engine: str) -> None:
    texts = [dict(_labelled())["de"], dict(_labelled())["ja"], None, dict(_labelled())["en"]]
    result = _stage(engine=engine, languages=["de", "en"], keep_und=False).process(_songs(texts))
    kept = result.rows
    assert isinstance(kept, pa.Table)
    assert kept.column("language").to_pylist() == ["de", "en"]
    assert sorted(r.row["language"] for r in result.rejects) == ["ja", "und"]
    assert {r.reason for r in result.rejects} == {"language"}
    everything = _stage(engine=engine).process(_songs(texts)).rows
    assert isinstance(everything, pa.Table) and everything.column("language").to_pylist() == ["de", "ja", "und", "en"]


def test_stage_output_is_identical_across_runs() -> None:
    texts = [t for _, t in _labelled()]
    first = _stage().process(_songs(texts)).rows
    second = _stage().process(_songs(texts)).rows
    assert isinstance(first, pa.Table) and first.equals(second)


def test_stage_runs_on_music_text_rows() -> None:
    texts = dict(_labelled())
    rows = [{"id": f"text:{lang}", "text": texts[lang]} for lang in ("fr", "de")] + [{"id": "text:x", "text": "C4 D4"}]
    stage = _stage(text_columns=["text"], schema_name="music_text", languages=["fr"])
    assert Langid.schema_for(stage.config) == "music_text"
    result = stage.process(load_schema("music_text").rows_from_dicts(rows))
    assert isinstance(result.rows, pa.Table)
    assert result.rows.column("id").to_pylist() == ["text:fr", "text:x"]  # 'und' kept by default
    assert result.rows.column("language").to_pylist() == ["fr", "und"]
    assert [(r.row["id"], r.row["language"]) for r in result.rejects] == [("text:de", "de")]


def test_config_names_columns_and_a_table_with_language_columns() -> None:
    assert LangidConfig.model_validate({"fields": ["title"]}).text_columns == ["title"]  # the older key
    assert LangidConfig.model_validate({}).schema_name == "songs"
    with pytest.raises(ValueError, match="no language/language_prob"):
        LangidConfig.model_validate({"schema_name": "scores"})
    with pytest.raises(ValueError, match="at least one text column"):
        LangidConfig.model_validate({"text_columns": []})
