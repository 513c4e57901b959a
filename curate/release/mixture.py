"""The mixture a release step is built from: which tables, as which source, in what amount."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from curate.expressions import check_sql
from curate.stage import StageConfig

Format = Literal["pretrain", "sft", "chat"]
Task = Literal["text", "qa", "summary", "score_tasks", "score_chat"]
ScoreTask = Literal["compose_key_meter", "compose_title", "compose_form", "compose_like", "name_key", "name_meter",
                    "name_form", "continue", "compose_chords", "harmonize", "develop_motif"]  # fmt: skip
ALL_SCORE_TASKS: tuple[ScoreTask, ...] = get_args(ScoreTask)
MIN_CHORD_FIT = 0.7  # default share of strong beats whose melody note is a tone of the sounding chord
INSTRUCTION_TASKS: frozenset[str] = frozenset({"qa", "summary", "score_tasks", "score_chat"})


class Component(StageConfig):
    """One source of the mixture: rows of `table` (optionally filtered by `where`), made into `task` rows."""

    table: str
    src: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    task: Task = "text"
    column: str = "text"  # the text column for task `text` (e.g. summary, abc)
    where: str | None = None  # SQL over the table's columns, e.g. "collection = 'bach'"
    ratio: float = Field(1.0, gt=0, le=1)  # share of the (filtered) rows to take, chosen by seeded hash
    cap: int | None = Field(None, ge=0)  # at most this many source rows
    unit: Literal["rows", "tokens"] = "rows"  # tokens: ratio and cap count the tokens of the rows made
    upsample: float = Field(1.0, ge=1)  # repeat train rows (2.5: every row twice, half of them thrice)
    score_tasks: list[ScoreTask] = Field(default_factory=lambda: list(ALL_SCORE_TASKS))
    tasks_per_row: int | None = Field(None, ge=1)  # score tasks per tune (seeded choice); None: every task
    min_chord_fit: float = Field(MIN_CHORD_FIT, ge=0, le=1)  # compose_chords/harmonize: strong beats on chord tones
    context_table: str | None = None  # task `summary`: table holding the summarized song (its metadata is the input)
    license: str | None = None  # license note for the dataset card

    @field_validator("where")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        return None if value is None else check_sql(value)


class ReleaseConfig(StageConfig):
    format: Format
    components: list[Component] = Field(min_length=1)
    seed: int = Field(0, ge=0, lt=2**63)
    eval_fraction: float = Field(0.05, ge=0, lt=1)  # share of groups (songs, tunes, clusters) held out
    eval_split: str = Field("eval", pattern=r"^\w+$")
    skip_missing_tables: bool = False  # True: a component whose table is not an input is skipped (counted)
    shard_rows: int = Field(100_000, ge=1)
    tokenizer: str | None = None  # tokenizer.json (relative to the pipeline file) or Hub id; None: regex tokens

    @model_validator(mode="after")
    def _formats_fit(self) -> ReleaseConfig:
        if self.eval_split == "train":
            raise ValueError("eval_split must differ from 'train'")
        srcs = [c.src for c in self.components]
        if len(set(srcs)) != len(srcs):
            raise ValueError(f"component src names must be unique, got {srcs}")
        if self.format != "pretrain":
            plain = [c.src for c in self.components if c.task not in INSTRUCTION_TASKS]
            if plain:
                raise ValueError(f"format '{self.format}' needs instruction tasks; components {plain} make plain text")
        if self.format == "sft":
            chats = [c.src for c in self.components if c.task == "score_chat"]
            if chats:
                raise ValueError(f"components {chats} are multi-turn chats: use format chat or pretrain, not sft")
        return self
