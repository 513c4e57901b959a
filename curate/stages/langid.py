"""Add `language` (ISO 639-1, 'und' when unknown) and `language_prob` to the rows of any table.

The text is the `text_columns` joined with newlines; for songs the default is the cleaned description,
since titles are short and often in another language than the song. The decision (writing system first,
then cld2 and py3langid) is in `curate.langid`; text with fewer than `min_letters` letters is 'und', never
an error. Without `schema_name` the input's columns pass through and the language columns are set (added
when missing); with it, rows are conformed to that table. With `languages` set, rows in other languages
(and 'und' unless `keep_und`) go to rejects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from pydantic import AliasChoices, Field, field_validator

from curate.errors import CurateError
from curate.langid import UND, Engine, LanguageDetector, iso639_1
from curate.schemas import load_schema
from curate.stage import Drop, FilterStage, FilterStageConfig, Reject, StageConfig


class LangidConfig(FilterStageConfig):
    engine: Engine = "auto"  # auto: script, then cld2, py3langid when unsure; cld2/py3langid/langdetect alone
    # columns to detect on, joined with newlines (`fields` is the older name of this key)
    text_columns: list[str] = Field(["description_clean"], validation_alias=AliasChoices("text_columns", "fields"))
    schema_name: str | None = None  # None: any table, columns kept; else a table with language columns
    script_column: str | None = None  # also write the writing system (ISO 15924: Latn, Cyrl, Hant...) here
    seed: int = 0  # langdetect's
    min_letters: int = 30  # fewer letters than this (CJK characters count 3): 'und' (docs/scrape.md)
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

    @field_validator("languages")
    @classmethod
    def _iso(cls, value: list[str] | None) -> list[str] | None:
        """The codes the stage writes: `fil` means `tl`, `nb` means `no`, `zh-Hant` means `zh`."""
        if value is None:
            return None
        codes = [iso639_1(code) for code in value]
        if UND in codes:
            raise ValueError("'und' is not a language: use keep_und")
        return sorted(set(codes))

    @field_validator("schema_name")
    @classmethod
    def _has_language_columns(cls, value: str | None) -> str | None:
        if value is not None and not {"language", "language_prob"} <= set(load_schema(value).arrow.names):
            raise ValueError(f"table '{value}' has no language/language_prob columns")
        return value


class Langid(FilterStage):
    name = "langid"
    code_paths = ("curate.langid",)  # the decision lives there
    Config = LangidConfig
    config: LangidConfig
    output_schema = None  # the input's columns, or the config's `schema_name`

    def setup(self) -> None:
        c = self.config
        self.detector = LanguageDetector(c.engine, seed=c.seed, min_letters=c.min_letters, max_chars=c.max_chars)

    def _texts(self, batch: pa.Table) -> list[str]:
        missing = [f for f in self.config.text_columns if f not in batch.column_names]
        if missing:
            raise CurateError(f"langid: input has no column(s) {missing}; set text_columns")
        not_text = [f for f in self.config.text_columns if not _texty(batch.schema.field(f).type)]
        if not_text:
            raise CurateError(f"langid: text_columns {not_text} are not string columns")
        columns = [batch.column(f).to_pylist() for f in self.config.text_columns]
        return ["\n".join(v for v in values if v) for values in zip(*columns, strict=True)]

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, LangidConfig)
        return list(config.text_columns)

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        langs: list[str] = []
        probs: list[float] = []
        scripts: list[str | None] = []
        for text in self._texts(batch):
            guess = self.detector.detect(text)
            sure = guess.prob >= self.config.min_prob
            langs.append(guess.lang if sure else UND)
            probs.append(guess.prob if sure else 0.0)
            scripts.append(guess.script)
        self.counters["langid_und"] += langs.count(UND)
        self.counters["langid_cache_hits"] = self.detector.hits
        table = _put(batch, "language", pa.array(langs, pa.string()))
        table = _put(table, "language_prob", pa.array(probs, pa.float64()))
        if self.config.script_column:
            table = _put(table, self.config.script_column, pa.array(scripts, pa.string()))
        return table, []

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        if self.config.languages is None:
            return [None] * table.num_rows
        allowed = sorted(set(self.config.languages) | ({UND} if self.config.keep_und else set()))
        rows = zip(table.column("language").to_pylist(), table.column("language_prob").to_pylist(), strict=True)
        return [
            None if lang in allowed else Drop("language", f"{lang} ({prob}) not in {allowed}") for lang, prob in rows
        ]


def _texty(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)  # null: all empty


def _put(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """Set a column in place, keeping its type when it is of the same kind (a songs table stays a songs
    table), or append it."""
    index = table.schema.get_field_index(name)
    if index < 0:
        return table.append_column(name, values)
    field = table.schema.field(index)
    same_kind = pa.types.is_floating(field.type) if pa.types.is_floating(values.type) else _texty(field.type)
    if not same_kind or pa.types.is_null(field.type):
        field = field.with_type(values.type)
    return table.set_column(index, field, values.cast(field.type))
