"""UCDP GED API client: ``GET {base}/gedevents/{version}?pagesize=&page=&Country=&StartDate=`` with the
``x-ucdp-access-token`` header; pages follow ``NextPageUrl`` until it is empty (docs/sources_api.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.defs.live.http import ApiError, MalformedResponse, RetryingClient, safe_url
from pipelines.defs.live.settings import LiveSettings

PAGE_SIZE = 1000  # the API's largest page
VERSION = re.compile(r"\d{2}\.(1|0\.\d{1,2})")  # yearly YY.1, candidate YY.0.M


def is_candidate(version: str) -> bool:
    return ".0." in version


class VersionNotPublished(ApiError):
    """The API does not know this version (yet): a candidate or yearly release not out."""


class UcdpClient:
    def __init__(self, settings: LiveSettings, http: RetryingClient | None = None, page_size: int = PAGE_SIZE):
        self.settings, self.page_size = settings, page_size
        self.http = http or RetryingClient()

    def _headers(self) -> dict[str, str]:
        return {"x-ucdp-access-token": self.settings.ucdp_token} if self.settings.ucdp_token else {}

    def pages(self, version: str) -> Iterator[list[dict]]:
        """Every page of events of ``version`` for the configured countries from the start date."""
        if not VERSION.fullmatch(version):
            raise ValueError(f"UCDP version {version!r} is neither yearly (YY.1) nor candidate (YY.0.M)")
        url = f"{self.settings.ucdp_base_url}/gedevents/{version}"
        params = {
            "pagesize": self.page_size,
            "page": 0,
            "Country": ",".join(str(c) for c in self.settings.ucdp_country_codes),
            "StartDate": self.settings.start_date.isoformat(),
        }
        seen = 0
        while url:
            response = self.http.request("GET", url, params=params, headers=self._headers())
            if response.status_code == 404:
                raise VersionNotPublished(f"UCDP GED version {version} is not published ({safe_url(url)}: 404)")
            if not response.is_success:
                raise ApiError(f"GET {safe_url(url)}: HTTP {response.status_code}")
            try:
                body = response.json()
            except ValueError:
                raise MalformedResponse(f"GET {safe_url(url)} page {seen}: not JSON") from None
            if not (
                isinstance(body, dict)
                and isinstance(body.get("Result"), list)
                and isinstance(body.get("TotalPages"), int)
                and all(isinstance(r, dict) for r in body["Result"])
            ):
                raise MalformedResponse(
                    f"GET {safe_url(url)} page {seen}: not a UCDP page "
                    "(expected TotalCount, TotalPages, NextPageUrl and a Result list)"
                )
            yield body["Result"]
            seen += 1
            if seen > body["TotalPages"] + 1:
                raise MalformedResponse(f"{safe_url(url)}: more pages than TotalPages ({body['TotalPages']})")
            # NextPageUrl carries every parameter itself; an empty one ends the pull.
            url, params = body.get("NextPageUrl") or "", None
