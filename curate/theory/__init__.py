"""Music-theory multiple-choice items in MusicTheoryBench's format, with answers computed from scores."""
