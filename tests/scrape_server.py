"""A loopback HTTP server of video pages (JSON-LD VideoObject) for yt-dlp's generic extractor, with faults.

Paths: /video/<name> a page (its contentUrl under /media/); /flaky/<name> 429 (Retry-After: 0) on the
first hit, then the page; /forbidden/<name> always 403; /slow/<name> answers after `slow_s`;
/plain a page without a video.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HITS: Counter[str] = Counter()


def _page(base: str, name: str) -> bytes:
    ld = {
        "@context": "https://schema.org", "@type": "VideoObject", "name": f"Live session: {name}",
        "description": "A live recording of the band playing their new song in a small studio, with strings.",
        "contentUrl": f"{base}/media/{name}.mp4", "thumbnailUrl": f"{base}/media/{name}.jpg",
        "uploadDate": "2024-05-01", "duration": "PT3M21S", "author": {"@type": "Person", "name": "Loopback Band"},
        "interactionStatistic": {"@type": "InteractionCounter", "interactionType": "https://schema.org/WatchAction",
                                 "userInteractionCount": 1234},
    }  # fmt: skip
    html = f'<html><head><title>{name}</title><script type="application/ld+json">{json.dumps(ld)}</script></head>'
    return (html + "<body>video</body></html>").encode()


class _Handler(BaseHTTPRequestHandler):
    slow_s = 1.5

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "text/html; charset=utf-8") -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        HITS[self.path] += 1
        base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        kind, _, name = self.path.strip("/").partition("/")
        if kind == "video":
            self._send(200, _page(base, name))
        elif kind == "flaky":
            self._send(429, b"slow down", {"Retry-After": "0"}) if HITS[self.path] == 1 else self._send(
                200, _page(base, name)
            )
        elif kind == "forbidden":
            self._send(403, b"forbidden")
        elif kind == "slow":
            time.sleep(self.slow_s)
            self._send(200, _page(base, name))
        elif kind == "media":  # the contentUrl: yt-dlp only looks at its headers, never downloads it here
            self._send(200, b"\x00" * 64, content_type="video/mp4")
        elif kind == "plain":
            self._send(200, b"<html><head><title>About us</title></head><body>No video here.</body></html>")
        else:
            self._send(404, b"not found")


@contextmanager
def serve() -> Iterator[str]:
    HITS.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
