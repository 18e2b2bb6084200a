"""ACLED API client: OAuth2 password grant at ``{base}/oauth/token`` (client_id ``acled``), then
``GET {base}/api/acled/read`` and ``{base}/api/deleted/read`` with a Bearer token, paged by ``page`` and
``limit`` until a page holds fewer rows than the limit (docs/sources_api.md).

The access token lives about 24 hours and the refresh token about 14 days: the token is refreshed when it
is about to expire, and once when a request answers 401 (expired early, revoked); a failed refresh falls
back to a new password grant.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from pipelines.defs.live.http import ApiError, MalformedResponse, RetryingClient, safe_url
from pipelines.defs.live.settings import LiveSettings

PAGE_LIMIT = 5000  # ACLED's default and documented page size
CLIENT_ID = "acled"
EXPIRY_MARGIN = 60.0  # seconds: refresh a token this close to its end before using it


class AcledAuthError(ApiError):
    """The token endpoint refused the credentials (the message never contains them)."""


class AcledClient:
    def __init__(
        self,
        settings: LiveSettings,
        http: RetryingClient | None = None,
        limit: int = PAGE_LIMIT,
        clock: Callable[[], float] = time.time,
    ):
        if settings.missing_acled():
            raise AcledAuthError(f"ACLED credentials not set: {', '.join(settings.missing_acled())}")
        self.settings, self.limit, self.clock = settings, limit, clock
        self.http = http or RetryingClient()
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at = 0.0
        self.token_requests = 0

    # ---- OAuth -----------------------------------------------------------------------------------
    def _token(self, form: dict) -> None:
        self.token_requests += 1
        url = f"{self.settings.acled_base_url}/oauth/token"
        response = self.http.request("POST", url, data={**form, "client_id": CLIENT_ID})
        if not response.is_success:
            raise AcledAuthError(f"POST {safe_url(url)} ({form['grant_type']} grant): HTTP {response.status_code}")
        try:
            body = response.json()
            self._access = body["access_token"]
            self._refresh = body.get("refresh_token", self._refresh)
            self._expires_at = self.clock() + float(body.get("expires_in", 86400))
        except (ValueError, KeyError, TypeError):
            raise MalformedResponse(f"POST {safe_url(url)}: no access_token in the answer") from None

    def _login(self) -> None:
        self._token(
            {
                "grant_type": "password",
                "username": self.settings.acled_username,
                "password": self.settings.acled_password,
                "scope": "authenticated",
            }
        )

    def _renew(self) -> None:
        if self._refresh:
            try:
                self._token({"grant_type": "refresh_token", "refresh_token": self._refresh})
                return
            except AcledAuthError:
                self._refresh = None  # refresh token expired (~14 days): log in again
        self._login()

    def _bearer(self) -> dict[str, str]:
        if self._access is None:
            self._login()
        elif self.clock() >= self._expires_at - EXPIRY_MARGIN:
            self._renew()
        return {"Authorization": f"Bearer {self._access}"}

    def _get(self, url: str, params: dict) -> dict:
        response = self.http.request("GET", url, params=params, headers=self._bearer())
        if response.status_code == 401:  # expired or revoked before its time: renew once
            self._renew()
            response = self.http.request("GET", url, params=params, headers=self._bearer())
        if not response.is_success:
            raise ApiError(f"GET {safe_url(url)} page {params.get('page')}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponse(f"GET {safe_url(url)} page {params.get('page')}: not JSON") from None
        if not (
            isinstance(body, dict)
            and isinstance(body.get("data"), list)
            and all(isinstance(r, dict) for r in body["data"])
        ):
            raise MalformedResponse(
                f"GET {safe_url(url)} page {params.get('page')}: not an ACLED page "
                "(expected status, success, count and a data list)"
            )
        if body.get("success") is False:
            raise ApiError(f"GET {safe_url(url)}: ACLED answered success=false")
        return body

    def _paged(self, url: str, params: dict) -> Iterator[list[dict]]:
        page = 1
        while True:
            body = self._get(url, {**params, "page": page, "limit": self.limit})
            yield body["data"]
            if len(body["data"]) < self.limit:
                return
            page += 1

    # ---- reads -----------------------------------------------------------------------------------
    def events(self, since: int | None) -> Iterator[list[dict]]:
        """Pages of events of the configured countries from the start date, changed at or after ``since``
        (Unix seconds; ACLED's ``timestamp``) when given."""
        params = {
            "_format": "json",
            "country": "|".join(self.settings.countries),
            "event_date": f"{self.settings.start_date.isoformat()}|9999-12-31",
            "event_date_where": "BETWEEN",
        }
        if since is not None:
            params.update(timestamp=since, timestamp_where=">=")
        return self._paged(f"{self.settings.acled_base_url}/api/acled/read", params)

    def deletions(self, since: int | None) -> Iterator[list[dict]]:
        """Pages of (event_id_cnty, deleted_timestamp) deleted at or after ``since`` (Unix seconds)."""
        params = {"_format": "json"}
        if since is not None:
            params.update(deleted_timestamp=since, deleted_timestamp_where=">=")
        return self._paged(f"{self.settings.acled_base_url}/api/deleted/read", params)
