"""Language codes out of the engines, folded to ISO 639-1 wherever one exists.

Engines speak different dialects: cld2 says `iw` (Hebrew), `jw` (Javanese), `zh-Hant`, `sr-ME`; py3langid
says `nb`, `yue`, `arz`, `uzs`; langdetect says `zh-cn`, `tl`. Everything becomes the ISO 639-1 code of the
language (region and script variants folded: zh-Hant -> zh, the script goes to its own column). Norwegian
Bokmal and Nynorsk are both `no` (the macrolanguage's ISO 639-1 code): engines confuse the two on half of
real text. Languages without an ISO 639-1 code keep their ISO 639-3 code (`ace`, `kab`, `pcm`...).
Engine answers that name no language (`un`, `xxx`, `zxx`, cld2's `xx-Latn` script guesses) are 'und'.
"""

from __future__ import annotations

import functools

UND = "und"

# deprecated ISO 639-1 codes, macrolanguage members and engine-specific names -> ISO 639-1
_FOLD = {
    "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "fil": "tl", "nb": "no", "nn": "no",
    "yue": "zh", "wuu": "zh", "cmn": "zh", "ary": "ar", "arz": "ar", "uzs": "uz", "sdh": "ku", "gug": "gn",
    "fuv": "ff", "hbo": "he", "grc": "el", "kik": "ki", "zlm": "ms", "sh": "sr",
}  # fmt: skip
_NOT_A_LANGUAGE = {"un", "xx", "xxx", "zxx", "und", "mul", "zzb", "zze", "zzh", "zzp", ""}


@functools.cache
def iso639_1(raw: str) -> str:
    """The ISO 639-1 code for an engine's language code ('und' when it names no language)."""
    base = raw.strip().lower().replace("_", "-").split("-")[0]
    if base in _NOT_A_LANGUAGE:
        return UND
    return _FOLD.get(base, base)


@functools.cache
def script_variant(raw: str) -> str | None:
    """The ISO 15924 script an engine's code names, if any: zh-Hant -> Hant, sr-Latn -> Latn."""
    for part in raw.replace("_", "-").split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    return None
