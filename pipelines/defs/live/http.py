"""One HTTP client for the source APIs (httpx): timeouts, retries with backoff that honour Retry-After.

Credentials never reach a log line or an exception message: errors name the URL without its query string
(ACLED's old API took the key as a parameter) and the status, never headers or bodies sent.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable

import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class ApiError(RuntimeError):
    """A request that failed for good (after retries), or an answer that is not what the API documents."""


class MalformedResponse(ApiError):
    """A page whose body is not the documented shape: the pull stops and nothing of it is kept."""


def safe_url(url: httpx.URL | str) -> str:
    url = httpx.URL(str(url))
    return str(url.copy_with(query=None, fragment=None))


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    """Seconds to wait before the next try: Retry-After (seconds or an HTTP date), else ``default``."""
    value = response.headers.get("retry-after")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return default


class RetryingClient:
    """``httpx.Client`` with retries: 429 and 5xx answers and transport errors are tried again up to
    ``retries`` times, waiting Retry-After when the server says, else ``backoff * 2**attempt`` seconds
    (capped at ``max_wait``). ``sleep`` is injectable so that tests do not wait."""

    def __init__(
        self,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": "pipelines-warehouse/0.1"},
        )
        self.retries, self.backoff, self.max_wait, self.sleep = retries, backoff, max_wait, sleep
        self.requests = 0  # requests sent, retries included (tests bound it)

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, url: str, *, retry_statuses: set[int] = RETRY_STATUSES, **kwargs) -> httpx.Response:
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise ApiError(
                        f"{method} {safe_url(url)}: {type(exc).__name__} after {attempt + 1} tries"
                    ) from None
                wait = min(self.max_wait, self.backoff * 2**attempt)
                log.warning("%s %s: %s, retrying in %.1fs", method, safe_url(url), type(exc).__name__, wait)
                self.sleep(wait)
                continue
            if response.status_code in retry_statuses and attempt < self.retries:
                wait = min(self.max_wait, retry_after_seconds(response, self.backoff * 2**attempt))
                log.warning("%s %s: HTTP %s, retrying in %.1fs", method, safe_url(url), response.status_code, wait)
                self.sleep(wait)
                continue
            return response
        raise AssertionError("unreachable")

    def json(self, method: str, url: str, **kwargs):
        """The JSON body of a 2xx answer; ApiError on any other status, MalformedResponse when not JSON."""
        response = self.request(method, url, **kwargs)
        if not response.is_success:
            raise ApiError(f"{method} {safe_url(response.request.url)}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise MalformedResponse(
                f"{method} {safe_url(response.request.url)}: the answer is not JSON ({len(response.content)} bytes)"
            ) from None
