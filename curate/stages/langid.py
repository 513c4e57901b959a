"""Add `language` and `language_prob` to a table's rows: songs (default) or any table with those columns.

For songs, titles are too short and too often in another language than the song ("Bohemian
Rhapsody" -> cy), so the default text is the cleaned description. `text_columns` + `schema_name`
point it at another table, e.g. `{text_columns: [text], schema_name: music_text}`. Text that is too
short is 'und', never an error. With `languages` set, rows in other languages (and 'und' unless
`keep_und`) go to rejects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from pydantic import AliasChoices, Field, field_validator

from curate.errors import CurateError
from curate.schemas import load_schema
from curate.stage import Drop, FilterStage, FilterStageConfig, Reject
from curate.youtube.langid import Engine, LanguageDetector


class LangidConfig(FilterStageConfig):
    engine: Engine = "langdetect"  # cld2: ~100x faster, for millions of rows
    # columns to detect on, joined with newlines (`fields` is the older name of this key)
    text_columns: list[str] = Field(["description_clean"], validation_alias=AliasChoices("text_columns", "fields"))
    schema_name: str = "songs"  # the input and output table; it needs `language` and `language_prob` columns
    seed: int = 0
    min_letters: int = 20  # fewer letters than this: 'und'
    max_chars: int = 2000  # detect on the first characters only
    min_prob: float = 0.0  # below this: 'und'
    languages: list[str] | None = None  # keep-list of ISO 639-1 codes; None keeps every row
    keep_und: bool = True  # with `languages`: keep rows whose language could not be told

    @field_validator("text_columns")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one text column")
        return value

    @field_validator("schema_name")
    @classmethod
    def _has_language_columns(cls, value: str) -> str:
        columns = set(load_schema(value).arrow.names)
        if not {"language", "language_prob"} <= columns:
            raise ValueError(f"table '{value}' has no language/language_prob columns")
        return value


class Langid(FilterStage):
    name = "langid"
    code_paths = ("curate.youtube.langid",)  # its helpers shape the output too
    Config = LangidConfig
    config: LangidConfig
    output_schema = "songs"  # or the config's `schema_name`

    def setup(self) -> None:
        if self.config.engine == "cld2":
            try:
                import pycld2  # noqa: F401
            except ImportError as err:
                raise CurateError("langid engine 'cld2' needs the 'pycld2' package: pip install pycld2") from err
        c = self.config
        self.detector = LanguageDetector(c.engine, seed=c.seed, min_letters=c.min_letters, max_chars=c.max_chars)

    def _texts(self, batch: pa.Table) -> list[str]:
        missing = [f for f in self.config.text_columns if f not in batch.column_names]
        if missing:
            raise CurateError(f"langid: input has no column(s) {missing}")
        columns = [batch.column(f).to_pylist() for f in self.config.text_columns]
        return ["\n".join(v for v in values if v) for values in zip(*columns, strict=True)]

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        langs, probs = [], []
        for text in self._texts(batch):
            lang, prob = self.detector.detect(text)
            if prob < self.config.min_prob:
                lang, prob = "und", 0.0
            langs.append(lang)
            probs.append(prob)
        self.counters["langid_und"] += langs.count("und")
        self.counters["langid_cache_hits"] = self.detector.hits
        table = batch.set_column(batch.schema.get_field_index("language"), "language", pa.array(langs, pa.string()))
        table = table.set_column(table.schema.get_field_index("language_prob"), "language_prob",
                                 pa.array(probs, pa.float64()))  # fmt: skip
        return table, []

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        if self.config.languages is None:
            return [None] * table.num_rows
        allowed = sorted(set(self.config.languages) | ({"und"} if self.config.keep_und else set()))
        rows = zip(table.column("language").to_pylist(), table.column("language_prob").to_pylist(), strict=True)
        return [
            None if lang in allowed else Drop("language", f"{lang} ({prob}) not in {allowed}") for lang, prob in rows
        ]
