"""Deduplication and decontamination: normalization keys, vectorized MinHash, LSH banding, clusters.

`normalize` makes exact keys (text, ABC body, transposition-invariant ABC); `shingles` and
`minhash` turn a batch of documents into datasketch-compatible signatures; `lsh` groups band
hashes one band at a time and `clusters` joins verified pairs and picks the row to keep.
"""
