"""Language identification for any table: writing system first, then cld2 / py3langid (see detector.py)."""

from curate.langid.codes import UND, iso639_1
from curate.langid.detector import Engine, LanguageDetector
from curate.langid.engines import NO_GUESS, Guess

__all__ = ["NO_GUESS", "UND", "Engine", "Guess", "LanguageDetector", "iso639_1"]
