"""Reading MusicXML: plain files (any XML encoding, UTF-16 included) and `.mxl` zip containers."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

# Names that converters write when the source had none (music21, abc2xml).
_PLACEHOLDERS = {"Music21 Fragment", "Music21", "Title", "Untitled", "Untitled score", ""}


class NotMusicXml(ValueError):
    """The bytes are not a readable partwise MusicXML score."""


def _mxl_member(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise NotMusicXml(f"not a zip container: {err}") from err
    names = archive.namelist()
    rootfile = None
    if "META-INF/container.xml" in names:
        container = ET.fromstring(archive.read("META-INF/container.xml"))
        found = container.find(".//{*}rootfile")
        rootfile = found.get("full-path") if found is not None else None
    if rootfile not in names:
        candidates = [n for n in names if not n.startswith("META-INF") and n.lower().endswith((".xml", ".musicxml"))]
        if not candidates:
            raise NotMusicXml("the container holds no MusicXML file")
        rootfile = candidates[0]
    return archive.read(rootfile)


def parse_musicxml(data: bytes, container: bool | None = None) -> ET.Element:
    """The `score-partwise` root. `container=None` sniffs the zip magic."""
    if container or (container is None and data[:4] == b"PK\x03\x04"):
        data = _mxl_member(data)
    try:
        root = ET.fromstring(data)  # honours the XML declaration's encoding and a BOM
    except ET.ParseError as err:
        raise NotMusicXml(f"XML parse error: {err}") from err
    if root.tag == "score-timewise":
        raise NotMusicXml("score-timewise MusicXML is not supported")
    if root.tag != "score-partwise":
        raise NotMusicXml(f"root element is <{root.tag}>, not <score-partwise>")
    return root


def to_bytes(root: ET.Element) -> bytes:
    """UTF-8 bytes for xml2abc, whatever the source encoding was."""
    return ET.tostring(root, encoding="utf-8")


def metadata(root: ET.Element) -> dict[str, str]:
    """Title, composer, lyricist, rights and lyrics held in the score (empty fields left out)."""
    out: dict[str, str] = {}
    titles = [t.strip() for t in (root.findtext("work/work-title"), root.findtext("movement-title")) if t and t.strip()]
    titles = [t for t in dict.fromkeys(titles) if t not in _PLACEHOLDERS]
    if titles:
        out["title"] = " / ".join(titles)
    for creator in root.findall("identification/creator"):
        kind = creator.get("type") or "composer"
        if creator.text and creator.text.strip() not in _PLACEHOLDERS and kind in ("composer", "lyricist", "arranger"):
            out.setdefault(kind, creator.text.strip())
    rights = " ".join((r.text or "").strip() for r in root.findall("identification/rights")).strip()
    if rights:
        out["rights"] = rights
    lyrics = _lyrics(root)
    if lyrics:
        out["lyrics"] = lyrics
    return out


def _lyrics(root: ET.Element) -> str:
    """Syllables of the first lyric line of each part, hyphenated words joined."""
    lines = []
    for part in root.findall("part"):
        words: list[str] = []
        for lyric in part.iter("lyric"):
            if lyric.get("number", "1") != "1":
                continue
            text = "".join(t.text or "" for t in lyric.findall("text"))
            syllabic = lyric.findtext("syllabic", "single")
            if words and syllabic in ("middle", "end") and not words[-1].endswith(" "):
                words[-1] += text
            else:
                words.append(text)
            if syllabic in ("single", "end"):
                words[-1] += " "
        line = " ".join(w.strip() for w in words if w.strip())
        if line:
            lines.append(line)
    return "\n".join(lines)
