"""Inputs as users really have them, on files the tests write: every record ends as a row or a reject,
values are byte-exact, and the counters add up (`rows_in` = records read)."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from curate.errors import ConfigError
from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline


def video(vid: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"id": vid, "_type": "video", "title": title, "description": f"{title} official", "duration": 200,
            "view_count": 10, "categories": ["Music"], **extra}  # fmt: skip


def lines(*videos: dict[str, Any]) -> str:
    return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in videos)


def sub(tmp: Path, name: str) -> Path:
    (tmp / name).mkdir()
    return tmp / name


class Run:
    def __init__(self, tmp: Path, path: str, stage: str = "ytdlp_dump", encoding: str | None = None,
                 **config: Any) -> None:  # fmt: skip
        spec: dict[str, Any] = {"path": path, **({"encoding": encoding} if encoding else {})}
        doc = {"dataset": "t", "version": "1", "inputs": {"d": spec},
               "steps": [{"name": "out", "stage": stage, "input": "d", "config": config}]}  # fmt: skip
        (tmp / "p.yaml").write_text(json.dumps(doc))
        result = run_pipeline(load_pipeline(tmp / "p.yaml"), tmp / "store", LocalExecutor(1), manifests_dir=None)
        self.manifest = result.manifest
        (self.step,) = result.manifest["steps"]
        base = tmp / "store" / "t" / "1"
        shards = [pl.read_parquet(f) for f in sorted((base / "out").glob("*.parquet"))]
        self.rows = pl.concat(shards, how="diagonal_relaxed")  # files without a schema may differ in columns
        files = list((base / "rejects").glob("*.parquet"))
        self.rejects = pl.read_parquet(files) if files else pl.DataFrame(schema={"reason": pl.String})
        assert self.step["rows_in"] == self.rows.height + self.rejects.height
        assert self.step["rows_out"] == self.rows.height
        assert sum(self.step["rejected"].values()) == self.rejects.height

    @property
    def counters(self) -> dict[str, float]:
        return self.step["counters"]

    def reject(self, reason: str) -> dict[str, Any]:
        (row,) = self.rejects.filter(pl.col("reason") == reason).to_dicts()
        return {**row, "row": json.loads(row["row"])}


def test_windows_1252_is_an_encoding_error_until_the_input_says_cp1252(tmp_path: Path) -> None:
    data = lines(video("a1", "Plain title")).encode() + lines(video("a2", "Beyoncé – Halo")).encode("cp1252")
    (tmp_path / "d.jsonl").write_bytes(data)
    strict = Run(tmp_path, "d.jsonl")
    assert strict.step["rows_in"] == data.count(b"\n") == 2
    assert strict.rows["title"].to_list() == ["Plain title"]
    bad = strict.reject("encoding_error")
    first_bad = data.index("é".encode("cp1252"))
    assert f"byte {first_bad} " in bad["detail"] and "encoding:" in bad["detail"]
    assert bad["row"]["source"] == f"d.jsonl@{data.index(b'{', 1)}"
    assert "\ufffd" not in bad["row"]["line"]

    fixed = Run(sub(tmp_path, "x"), "../d.jsonl", encoding="cp1252")
    assert fixed.rows["title"].to_list() == ["Plain title", "Beyoncé – Halo"]
    assert fixed.rejects.is_empty()
    assert fixed.manifest["pipeline"]["config"]["inputs"]["d"]["encoding"] == "cp1252"


def test_utf8_bom_jsonl_and_info_json_lose_nothing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "d.jsonl").write_bytes(
        codecs.BOM_UTF8 + lines(video("b1", "Első"), video("b2", "Zwei")).encode()
    )
    (tmp_path / "in" / "b3.info.json").write_bytes(codecs.BOM_UTF8 + json.dumps(video("b3", "Três")).encode())
    run = Run(tmp_path, "in")
    assert sorted(run.rows["title"]) == ["Első", "Três", "Zwei"]
    assert run.rejects.is_empty()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom_as_powershell_writes_them(tmp_path: Path, codec: str) -> None:
    text = lines(video("c1", "日本語のタイトル"), video("c2", "Ünïcödé 🎵")).replace("\n", "\r\n")
    bom = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[codec]
    (tmp_path / "d.jsonl").write_bytes(bom + text.encode(codec))
    run = Run(tmp_path, "d.jsonl")
    assert run.rows["title"].to_list() == ["日本語のタイトル", "Ünïcödé 🎵"]
    assert run.rejects.is_empty()


def test_yt_dlp_j_output_named_json_is_read_as_jsonl(tmp_path: Path) -> None:
    (tmp_path / "videos.json").write_text(lines(*(video(f"d{i}", f"song {i}") for i in range(5))), encoding="utf-8")
    run = Run(tmp_path, "videos.json")
    assert run.rows["video_id"].to_list() == [f"d{i}" for i in range(5)]
    assert run.counters["json_read_as_jsonl"] == 1
    # a real one-document JSON (pretty-printed, -J style) stays one document
    (tmp_path / "pl").mkdir()
    doc = {"_type": "playlist", "entries": [video("p1", "one"), video("p2", "two")]}
    (tmp_path / "pl" / "list.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    run = Run(tmp_path / "pl", "list.json")
    assert run.rows["video_id"].to_list() == ["p1", "p2"] and "json_read_as_jsonl" not in run.counters


def test_truncated_gz_keeps_complete_records_rejects_the_tail_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    text = lines(*(video(f"e{i:03d}", f"title {i} " + "x" * 300) for i in range(200))).encode()
    packed = gzip.compress(text, mtime=0)
    (tmp_path / "in" / "a.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "in" / "b.jsonl").write_text(lines(video("other", "whole file")), encoding="utf-8")
    run = Run(tmp_path, "in")
    cut = run.reject("truncated")
    offset = int(cut["row"]["source"].split("@")[1])
    complete = text[:offset].count(b"\n")
    assert offset == len(b"".join(text.splitlines(keepends=True)[:complete]))  # the cut falls at a line start
    assert 0 < complete < 200
    assert run.rows.height == complete + 1 and "whole file" in run.rows["title"].to_list()
    assert run.step["rows_in"] == complete + 1 + 1  # the lines before the cut, the cut tail, b.jsonl's line
    assert "cut short" in cut["detail"] and cut["row"]["source"].startswith("a.jsonl.gz@")
    assert run.rejects["reason"].to_list() == ["truncated"]


def test_bracketed_folder_reads_dump_files_and_counts_companions(tmp_path: Path) -> None:
    folder = tmp_path / "My playlist [PLabc]"
    folder.mkdir()
    for i in range(3):
        stem = f"Song {i} [f{i:010d}]"
        (folder / f"{stem}.info.json").write_text(json.dumps(video(f"f{i:010d}", f"Song {i}")), encoding="utf-8")
        for suffix in (".description", ".webp", ".jpg", ".en.vtt"):
            (folder / f"{stem}{suffix}").write_bytes(b"\xff\xd8 not a dump")
    run = Run(tmp_path, "My playlist [PLabc]")
    assert sorted(run.rows["title"]) == ["Song 0", "Song 1", "Song 2"]
    assert run.rejects.is_empty() and run.counters["skipped_files"] == 12
    # a file named exactly is read whatever its name
    (folder / "dump.txt").write_text(lines(video("g1", "named")), encoding="utf-8")
    assert Run(tmp_path, "My playlist [PLabc]/dump.txt").rows["title"].to_list() == ["named"]


def test_folder_with_nothing_readable_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.webp").write_bytes(b"x")
    with pytest.raises(ConfigError, match="no file that a 'ytdlp_dump' step reads"):
        Run(tmp_path, "pics")


def test_empty_file_is_a_warning_and_a_counter(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.jsonl").write_bytes(b"")
    (tmp_path / "in" / "full.jsonl").write_text(lines(video("h1", "here")), encoding="utf-8")
    with caplog.at_level("WARNING"):
        run = Run(tmp_path, "in")
    assert run.counters["empty_files"] == 1 and run.rows.height == 1
    assert "empty.jsonl holds no records" in caplog.text


def test_duplicated_video_within_a_dump_and_across_two_dumps(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text(lines(video("i1", "one"), video("i2", "two"), video("i1", "one again")))
    (tmp_path / "in" / "b.jsonl").write_text(lines(video("i2", "two again"), video("i3", "three")))
    run = Run(tmp_path, "in")
    assert run.step["rows_in"] == 5  # lines read
    assert run.rows["title"].to_list() == ["one", "two", "three"]
    dupes = run.rejects.sort("detail").to_dicts()
    assert [d["reason"] for d in dupes] == ["duplicate_id"] * 2
    assert [d["related_id"] for d in dupes] == ["youtube:i1", "youtube:i2"]
    assert "a.jsonl@0" in dupes[0]["detail"] and dupes[1]["detail"].startswith(
        "b.jsonl@0 repeats id youtube:i2 of a.jsonl@"
    )
    assert run.step["rejected"] == {"duplicate_id": 2}
    # a rerun skips the step and keeps the same result
    again = Run(tmp_path, "in")
    assert again.rows.equals(run.rows) and again.step["rejected"] == {"duplicate_id": 2}


def test_numeric_strings_are_converted_and_counted_but_not_1_2m(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(lines(video("j1", "strings", duration="213", view_count="1234"),
                                            video("j2", "float", duration="213.5"),
                                            video("j3", "words", view_count="1.2M")), encoding="utf-8")  # fmt: skip
    run = Run(tmp_path, "d.jsonl")
    assert run.step["rows_in"] == 3
    rows = {r["video_id"]: r for r in run.rows.to_dicts()}
    assert rows["j1"]["duration_s"] == 213.0 and rows["j1"]["view_count"] == 1234
    assert json.loads(rows["j1"]["raw_info"])["duration"] == "213"  # the raw record as it came
    assert rows["j2"]["duration_s"] == 213.5
    assert run.counters["coerced_duration"] == 2 and run.counters["coerced_view_count"] == 1
    assert "view_count" in run.reject("bad_type")["detail"]


CSV = (
    "id,name,abc\r\n"
    '1,"Cooley\'s","X:1\r\nT:Cooley\'s\r\nK:Edor\r\n|:EBBA B2 EB|"\r\n'
    '2,"Tune, with comma","X:1\r\nT:The ""Quoted"" Reel\r\nK:D\r\n|:d2fd|"\r\n'
    "3,short\r\n"
    '4,"bad \xe9 name",x\r\n'
)


def test_csv_with_quoted_newlines_for_read_and_read_text(tmp_path: Path) -> None:
    (tmp_path / "tunes.csv").write_bytes(CSV.encode("latin-1"))
    run = Run(tmp_path, "tunes.csv", stage="read", id_field="id", id_prefix="tune")
    assert run.rows["id"].to_list() == ["tune:1", "tune:2"]
    assert run.rows["abc"].to_list() == ["X:1\r\nT:Cooley's\r\nK:Edor\r\n|:EBBA B2 EB|",
                                         'X:1\r\nT:The "Quoted" Reel\r\nK:D\r\n|:d2fd|']  # fmt: skip
    assert run.rows["name"].to_list() == ["Cooley's", "Tune, with comma"]
    assert "line 10 of tunes.csv has 2 fields, the header has 3" in run.reject("bad_row")["detail"]
    assert run.reject("encoding_error")["row"]["source"] == f"tunes.csv@{CSV.index('4,')}"
    latin = Run(sub(tmp_path, "l"), "../tunes.csv", stage="read", encoding="latin-1")
    assert "bad é name" in latin.rows["name"].to_list()

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "tunes.tsv").write_text('abc\tnote\n"X:1\nK:G\nGABc|"\tone\nX:2\ttwo\n', encoding="utf-8")
    docs = Run(tmp_path / "t", "tunes.tsv", stage="read_text", text_column="abc")
    assert docs.rows["text"].to_list() == ["X:1\nK:G\nGABc|", "X:2"]
    assert docs.rows["source"].to_list() == ["tunes.tsv@9", "tunes.tsv@29"]


def test_read_text_encodings_and_truncation(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes("Première\nligne\n\nsecond \xff para\n\nthird\n".encode("latin-1"))
    (tmp_path / "in" / "b.txt").write_bytes("Ein Absatz\n".encode("utf-16"))
    run = Run(tmp_path, "in", stage="read_text", src="t")
    assert sorted(run.rows["text"]) == ["Ein Absatz", "third"]
    assert run.rejects["reason"].to_list() == ["encoding_error"] * 2  # a.txt's first two paragraphs
    line = "word " * 40 + "\n"
    packed = gzip.compress((line * 500).encode(), mtime=0)
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "c.txt.gz").write_bytes(packed[: len(packed) // 2])
    cut = Run(tmp_path / "g", "c.txt.gz", stage="read_text", unit="line")
    assert 0 < cut.rows.height < 500 and set(cut.rows["text"]) == {line.rstrip("\n")}
    assert cut.rejects["reason"].to_list() == ["truncated"]


def test_read_rows_with_extra_columns_pass_through_any_table_stages(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(lines(*(video(f"k{i}", f"song {i}", extra=i) for i in range(6))))
    doc = {"dataset": "t", "version": "1", "inputs": {"d": {"path": "d.jsonl"}},
           "steps": [{"name": "raw", "stage": "read", "input": "d", "config": {"id_field": "id"}},
                     {"name": "f", "stage": "filter", "input": "raw", "config": {"expr": "extra >= 1"}},
                     {"name": "s", "stage": "sample", "input": "f", "config": {"fraction": 0.99}},
                     {"name": "l", "stage": "limit", "input": "s", "config": {"n": 4, "order_by": "id"}},
                     {"name": "u", "stage": "dedup_exact", "input": "l", "config": {"columns": ["title"]}},
                     {"name": "m", "stage": "dedup_minhash", "input": "u", "config": {"columns": ["description"]}},
                     ]}  # fmt: skip
    (tmp_path / "p.yaml").write_text(json.dumps(doc))
    run_pipeline(load_pipeline(tmp_path / "p.yaml"), tmp_path / "store", LocalExecutor(1), manifests_dir=None)
    for table in ("u", "m"):
        out = pl.read_parquet(tmp_path / "store" / "t" / "1" / table)
        assert out["extra"].to_list() == [1, 2, 3, 4] and "categories" in out.columns


def test_csv_demo_feeds_abc_column(tmp_path: Path) -> None:
    """pipelines/abc_csv.yaml: every CSV row (a multi-line quoted ABC field) becomes a verified tune or a
    reject with its reason. The settings tie notes of different pitch (`F-G`, `d>-c`, O'Neill's slurs),
    which both readers play as two notes; one writes a broken rhythm onto a dotted note (`G-<B3`), which
    abc2midi, the independent reader, plays otherwise than abc2xml reads it: `reader_disagreement`."""
    pipeline = load_pipeline(Path(__file__).parents[1] / "pipelines" / "abc_csv.yaml")
    result = run_pipeline(pipeline, tmp_path / "store", LocalExecutor(1), manifests_dir=None)
    steps = {s["name"]: s for s in result.manifest["steps"]}
    assert steps["tune_rows"]["rows_in"] == steps["tune_rows"]["rows_out"] == 6
    tunes = pl.read_parquet(tmp_path / "store" / "abc_csv" / "0.1.0" / "tunes")
    assert sorted(tunes["parent_id"]) == [f"oneills1850:{n}" for n in (2, 3, 4, 7, 8)]
    assert steps["tunes"]["rejected"] == {"reader_disagreement": 1}
    assert "Fare You Well" in tunes["title"].to_list()


def test_user_errors_are_sentences_naming_file_and_record(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "in" / "y.jsonl").write_text('{"a": 1}\n[1, 2]\n{"a": \n', encoding="utf-8")
    run = Run(tmp_path, "in", stage="read")
    assert run.rows["a"].to_list() == [1]
    where = [json.loads(r)["source"] for r in run.rejects["row"]]
    details = dict(zip(where, run.rejects["detail"], strict=True))
    assert details["x.parquet#0"].startswith("x.parquet is not a readable Parquet file after row 0")
    assert details["y.jsonl@9"] == "y.jsonl@9 is a JSON list, not an object; each line must be one"
    assert details["y.jsonl@16"].startswith("Expecting value: line 1")
    assert not any("Error" in d.split("(")[0] for d in details.values())  # no exception class names
    with pytest.raises(ConfigError, match=r"inputs.d.encoding: .*unknown encoding 'cp-nope'"):
        Run(sub(tmp_path, "e"), "../in", stage="read", encoding="cp-nope")


def test_crlf_blank_lines_and_a_bad_line_inside_a_good_block(tmp_path: Path) -> None:
    from curate.io import file_encoding, json_lines

    data = b'{"a": "x"}\r\n\r\n   \n{"a": "\xff"}\n{"a": "\xc3\xa9"}'  # no newline at the end
    (tmp_path / "d.jsonl").write_bytes(data)
    got = [
        (j.offset, j.value, j.reason)
        for j in json_lines(tmp_path / "d.jsonl", encoding=file_encoding(tmp_path / "d.jsonl"))
    ]
    assert got == [(0, {"a": "x"}, None), (18, None, "encoding_error"), (29, {"a": "é"}, None)]
