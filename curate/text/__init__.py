"""Selecting music text from general corpora: lexicon matching, quality heuristics, a small classifier."""
