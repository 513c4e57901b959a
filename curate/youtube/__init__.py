"""YouTube metadata: fetching with yt-dlp (metadata only), and normalizing info dicts into `songs` rows.

- `description`: clean a description; parse YouTube Music's auto-generated "Provided to YouTube by" text.
- `normalize`: one yt-dlp info dict -> one `songs` row (or a reason it cannot be one).
- `fetch`: expand sources flat, fetch each video with politeness, retries and throttle detection.
"""
