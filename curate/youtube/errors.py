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


class FetchFailed(Exception):
    """One source or video could not be fetched; `reason` becomes the reject reason."""

    def __init__(self, reason: str, detail: str, permanent: bool) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.permanent = reason, detail, permanent


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


def failure(err: BaseException) -> FetchFailed:
    """The reject reason for an error that retries did not fix (or that is not retryable)."""
    inner = unwrap(err)
    detail = str(err).splitlines()[0][:500] if str(err) else type(err).__name__
    if isinstance(inner, HTTPError):
        return FetchFailed(f"http_{inner.status}", detail, permanent=inner.status in (404, 410))
    if _is_timeout(inner):
        return FetchFailed("timeout", detail, permanent=False)
    if isinstance(inner, TransportError | ConnectionError):
        return FetchFailed("network_error", detail, permanent=False)
    if isinstance(inner, UnsupportedError):
        return FetchFailed("unsupported_url", detail, permanent=True)
    # An expected ExtractorError is yt-dlp's word that the video itself is unavailable (private, removed).
    if isinstance(inner, ExtractorError) and inner.expected:
        return FetchFailed("unavailable", detail, permanent=True)
    return FetchFailed("extractor_error", detail, permanent=False)
