"""ABC normalization: splitting, conversion through W. Vree's converters (bundled in converter21),
crash/timeout isolation, normalization, note-level round-trip verification, transposition."""
