"""Where the source APIs are and who we are to them: environment variables only (docs/sources_api.md).

Credentials are read here and handed to the clients; they are never printed, logged, written to raw/,
the warehouse or Dagster metadata. ``missing_*`` name the variables that are not set, never their values.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

UCDP_TOKEN_ENV = "UCDP_API_TOKEN"
UCDP_BASE_URL_ENV = "UCDP_API_BASE_URL"
ACLED_USERNAME_ENV = "ACLED_API_USERNAME"
ACLED_PASSWORD_ENV = "ACLED_API_PASSWORD"
ACLED_BASE_URL_ENV = "ACLED_API_BASE_URL"
COUNTRIES_ENV = "PIPELINES_LIVE_COUNTRIES"
START_DATE_ENV = "PIPELINES_LIVE_START_DATE"

UCDP_DEFAULT_BASE_URL = "https://ucdpapi.pcr.uu.se/api"
ACLED_DEFAULT_BASE_URL = "https://acleddata.com"
DEFAULT_COUNTRIES = ("Pakistan", "Afghanistan")
DEFAULT_START_DATE = dt.date(2007, 1, 1)

# UCDP filters countries by their Gleditsch-Ward number (GED codebook: country_id); ACLED by name.
GLEDITSCH_WARD = {
    "Afghanistan": 700,
    "Pakistan": 770,
    "India": 750,
    "Iran": 630,
    "Tajikistan": 702,
    "Turkmenistan": 701,
    "Uzbekistan": 704,
    "China": 710,
}


@dataclass(frozen=True, repr=False)
class LiveSettings:
    countries: tuple[str, ...] = DEFAULT_COUNTRIES
    start_date: dt.date = DEFAULT_START_DATE
    ucdp_base_url: str = UCDP_DEFAULT_BASE_URL
    ucdp_token: str | None = field(default=None)
    acled_base_url: str = ACLED_DEFAULT_BASE_URL
    acled_username: str | None = field(default=None)
    acled_password: str | None = field(default=None)

    def __repr__(self) -> str:  # never the credentials
        return (
            f"LiveSettings(countries={self.countries}, start_date={self.start_date}, "
            f"ucdp_base_url={self.ucdp_base_url!r}, acled_base_url={self.acled_base_url!r})"
        )

    @property
    def ucdp_country_codes(self) -> list[int]:
        unknown = [c for c in self.countries if c not in GLEDITSCH_WARD]
        if unknown:
            raise ValueError(f"{COUNTRIES_ENV}: no Gleditsch-Ward code known for {', '.join(unknown)}")
        return [GLEDITSCH_WARD[c] for c in self.countries]

    def missing_ucdp(self) -> list[str]:
        return [] if self.ucdp_token else [UCDP_TOKEN_ENV]

    def missing_acled(self) -> list[str]:
        return [
            name
            for name, value in ((ACLED_USERNAME_ENV, self.acled_username), (ACLED_PASSWORD_ENV, self.acled_password))
            if not value
        ]


def live_settings(environ: dict | None = None) -> LiveSettings:
    env = os.environ if environ is None else environ
    countries = tuple(c.strip() for c in (env.get(COUNTRIES_ENV) or "").split(",") if c.strip()) or DEFAULT_COUNTRIES
    start = env.get(START_DATE_ENV)
    return LiveSettings(
        countries=countries,
        start_date=dt.date.fromisoformat(start) if start else DEFAULT_START_DATE,
        ucdp_base_url=(env.get(UCDP_BASE_URL_ENV) or UCDP_DEFAULT_BASE_URL).rstrip("/"),
        ucdp_token=env.get(UCDP_TOKEN_ENV) or None,
        acled_base_url=(env.get(ACLED_BASE_URL_ENV) or ACLED_DEFAULT_BASE_URL).rstrip("/"),
        acled_username=env.get(ACLED_USERNAME_ENV) or None,
        acled_password=env.get(ACLED_PASSWORD_ENV) or None,
    )
