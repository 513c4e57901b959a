"""What went wrong with a metadata request, decided by exception type and HTTP status.

yt-dlp wraps network failures: `DownloadError` -> `ExtractorError` -> `HTTPError`/`TransportError`.
`unwrap` walks that chain; `classify` says what to retry (403/429/5xx, timeouts, connection errors),
which yt-dlp itself does not retry for metadata requests.

The one exception to "never match error text": YouTube's session throttling ("This content isn't
available, try again later") and bot check ("Sign in to confirm you're not a bot") reach us only as
message text (an ExtractorError, or a warning when formats are optional). They are not retried:
they stop the crawl (`CrawlStopped`), because every further request would be wasted.
"""

from __future__ import annotations

from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError, UnsupportedError

from curate.errors import CurateError
from curate.retry import Retry, parse_retry_after
from curate.stage import RejectRow

RETRY_STATUS = frozenset({403, 408, 429, 500, 502, 503, 504})
STOP_PHRASES = {
    "content isn't available, try again later": "throttled",
    "confirm you're not a bot": "bot_check",
    "captcha challenge": "bot_check",
}


class CrawlStopped(CurateError):
    """The crawl must stop now (throttled, bot check, request budget); fetched state is saved."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# Reasons that will not change on a retry (gone, private, unsupported): remembered, never fetched again.
PERMANENT = frozenset({"http_404", "http_410", "unsupported_url", "unavailable", "not_a_video"})


def unwrap(err: BaseException) -> BaseException:
    """The innermost cause: the HTTP or transport error when there is one."""
    seen: set[int] = set()
    while id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, DownloadError) and err.exc_info and err.exc_info[1] is not None:
            err = err.exc_info[1]
        elif isinstance(err, ExtractorError) and isinstance(err.cause, BaseException):
            err = err.cause
        elif isinstance(err, ExtractorError) and err.exc_info and isinstance(err.exc_info[1], BaseException):
            err = err.exc_info[1]
        else:
            break
    return err


def classify(err: BaseException) -> Retry | None:
    inner = unwrap(err)
    if isinstance(inner, HTTPError):
        if inner.status not in RETRY_STATUS:
            return None
        return Retry(after=parse_retry_after(inner.response.headers.get("Retry-After")))
    if isinstance(inner, TransportError | TimeoutError | ConnectionError):
        return Retry()
    return None


def stop_reason(text: str) -> str | None:
    folded = text.replace("\u2019", "'").lower()
    for phrase, reason in STOP_PHRASES.items():
        if phrase in folded:
            return reason
    return None


def _timeout_types() -> tuple[type[BaseException], ...]:
    """Timeout classes of the HTTP stacks yt-dlp may use (requests/urllib3 are optional for it)."""
    types: list[type[BaseException]] = [TimeoutError]
    try:
        import requests
        import urllib3

        types += [requests.exceptions.Timeout, urllib3.exceptions.TimeoutError]
    except ImportError:
        pass
    return tuple(types)


def _is_timeout(err: BaseException) -> bool:
    chain: BaseException | None = err
    for _ in range(6):  # TransportError(cause=ReadTimeout(ReadTimeoutError(...)))
        if chain is None:
            return False
        if isinstance(chain, _timeout_types()):
            return True
        cause = getattr(chain, "cause", None)
        chain = cause if isinstance(cause, BaseException) else (chain.__cause__ or chain.__context__)
    return False


def failure(err: BaseException) -> RejectRow:
    """The reject reason for an error that retries did not fix (or that is not retryable)."""
    inner = unwrap(err)
    detail = str(err).splitlines()[0][:500] if str(err) else type(err).__name__
    if isinstance(inner, HTTPError):
        return RejectRow(f"http_{inner.status}", detail)
    if _is_timeout(inner):
        return RejectRow("timeout", detail)
    if isinstance(inner, TransportError | ConnectionError):
        return RejectRow("network_error", detail)
    if isinstance(inner, UnsupportedError):
        return RejectRow("unsupported_url", detail)
    # An expected ExtractorError is yt-dlp's word that the video itself is unavailable (private, removed).
    if isinstance(inner, ExtractorError) and inner.expected:
        return RejectRow("unavailable", detail)
    return RejectRow("extractor_error", detail)
