"""A small, fast music-text classifier: hashed word and bigram counts, TF-IDF, logistic regression.

Hashing needs no vocabulary, so the model is small and scoring is one sparse product per batch.
The model is a pickle (joblib): load only files whose sha256 you expect; `load_model` checks it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from curate.errors import CurateError
from curate.hashing import sha256_bytes, sha256_file
from curate.store import atomic_write_bytes, atomic_write_json


@dataclass(frozen=True)
class TrainReport:
    model_path: Path
    sha256: str
    rows: int
    positives: int
    labels_from: str


def build_model(seed: int = 0) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        HashingVectorizer(n_features=2**18, ngram_range=(1, 2), alternate_sign=False, norm=None, lowercase=True),
        TfidfTransformer(sublinear_tf=True),
        LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced", random_state=seed),
    )


def train(texts: list[str], labels: list[bool], path: Path, labels_from: str, seed: int = 0) -> TrainReport:
    """Fit on labelled texts and write the model plus a `<model>.json` card (hash, counts, label source)."""
    if len(set(labels)) < 2:
        raise CurateError("training needs both music and non-music rows")
    import joblib

    model = build_model(seed).fit(texts, np.asarray(labels, dtype=bool))
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    data = buffer.getvalue()
    atomic_write_bytes(path, data)
    report = TrainReport(path, sha256_bytes(data), len(texts), int(sum(labels)), labels_from)
    card = {k: str(v) if isinstance(v, Path) else v for k, v in report.__dict__.items()}
    atomic_write_json(path.with_suffix(path.suffix + ".json"), {**card, "model_path": path.name})
    return report


def load_model(path: Path, sha256: str) -> Any:
    if not path.is_file():
        raise CurateError(f"classifier model {path.name} does not exist (train it with `curate train-classifier`)")
    found = sha256_file(path)
    if found != sha256:
        raise CurateError(f"classifier model {path.name} has sha256 {found[:12]}..., config expects {sha256[:12]}...")
    import joblib

    return joblib.load(path)


def score(model: Any, texts: list[str]) -> list[float]:
    """Probability of music for each text."""
    if not texts:
        return []
    return [float(p) for p in model.predict_proba(texts)[:, 1]]


def read_labelled(path: Path, text_field: str, label_field: str | None) -> tuple[list[str], list[bool | None]]:
    """Texts and labels from JSONL or Parquet; labels accept bools, 0/1 and 'music'/'other' words."""
    if path.suffix == ".parquet" or path.is_dir():
        import polars as pl

        frame = pl.read_parquet(path / "*.parquet" if path.is_dir() else path)
        rows = frame.to_dicts()
    else:
        from curate.io import open_text

        with open_text(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    texts = [r.get(text_field) for r in rows]
    if any(not isinstance(t, str) for t in texts):
        raise CurateError(f"{path.name}: every row needs a text field '{text_field}'")
    labels = [_label(r.get(label_field)) if label_field else None for r in rows]
    return texts, labels  # type: ignore[return-value]


_TRUE = {"1", "true", "yes", "music", "pos", "positive"}
_FALSE = {"0", "false", "no", "other", "not_music", "neg", "negative"}


def _label(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CurateError(f"label '{value}' is not music/other, true/false or 1/0")
