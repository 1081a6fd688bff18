"""Configuration from the environment and `.env`, read only at the CLI/API edge."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # the documents package loads its renderers; only estimating commands need it
    from kis_estimator.documents.model import Company, Terms


SIGNED_URL_CLOCK_SKEW_S = 30
MIN_SECRET_BYTES = 32
# Normalised (lower case, letters and digits only) fragments of the values the examples and the docs
# show, and the development key the source once signed with: never a production secret.
_PLACEHOLDERS = ("changeme", "placeholder", "example", "newsecret", "oldsecret", "kisdevelopmentonly")
_MIN_DISTINCT_CHARACTERS = 8


def secret_problem(secret: str | None) -> str | None:
    """Why `secret` cannot be a production signing secret, or None when it can."""
    if not secret:
        return "it is not set"
    normalised = "".join(c for c in secret.lower() if c.isalnum())
    if any(placeholder in normalised for placeholder in _PLACEHOLDERS):
        return "it is a placeholder (CHANGE-ME or the like)"
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"it is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < _MIN_DISTINCT_CHARACTERS:
        return f"it has fewer than {_MIN_DISTINCT_CHARACTERS} different characters"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kis_catalog: Path | None = None
    kis_rulebook: Path | None = None
    app_env: str = "development"
    var_dir: Path = Path("var")
    timezone: str = "Asia/Seoul"
    evidence_secret: str | None = None
    # Earlier signing secrets, comma-separated: packs signed with them still verify after a rotation.
    evidence_secret_previous: str = ""
    database_url: str = "sqlite:///var/kis.db"
    storage_url: str = "file://var/blobs"
    s3_endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_region: str = "us-east-1"
    # The service's address as clients see it; unset: each link is built from the request it answers.
    public_base_url: str | None = None
    # Peers whose X-Forwarded-Proto/-Host/-For are believed (addresses or CIDRs, comma-separated; `*` all).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # LibreOffice recalculation lint of every workbook: on by default where LibreOffice is installed.
    kis_doc_recalc: bool = True
    company_name: str = "KIS 분전반"
    company_representative: str = ""
    company_business_number: str = ""
    company_address: str = ""
    company_phone: str = ""
    company_email: str = ""
    quote_payment_terms: str = "결제조건: 계약 시 협의"
    quote_validity_days: int = 30
    quote_delivery: str = "납기: 발주 후 협의"
    # HTTP service
    jwt_secret: str | None = None  # Supabase-compatible HS256 tokens are accepted when set
    jwt_audience: str = "authenticated"
    jwt_role_claim: str = "app_metadata.kis_role"  # dotted path of the role inside the token
    jwt_default_role: str = "viewer"  # role of a valid token that names none
    cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser
    max_body_bytes: int = 1_048_576  # JSON bodies
    max_upload_bytes: int = 10_485_760  # request-sheet and price-book uploads
    sse_heartbeat_s: float = 10.0
    # A tail polls every SSE_POLL_S while events come, doubling up to SSE_POLL_MAX_S while none do.
    sse_poll_s: float = 0.05
    sse_poll_max_s: float = 1.0
    sse_stall_s: float = 60.0  # a tail ends with STREAM_STALLED after this long without a new event
    sse_auth_recheck_s: float = 5.0  # a tail whose key was revoked (or token expired) ends within this
    # Open event streams (tails) per process: per caller and in all; beyond, 429 TOO_MANY_STREAMS.
    sse_max_streams_per_caller: int = 8
    sse_max_streams: int = 256
    # Write requests (POST/PUT/PATCH/DELETE) per caller per minute, counted in the database; 0 turns it off.
    rate_limit_per_minute: int = 120
    # Personal logins (POST /v1/session): a session ends SESSION_TTL_S after sign-in, or SESSION_IDLE_S
    # after its last request. Sign-in attempts per minute for one name and from one client address
    # (429 with Retry-After beyond; 0 turns a limit off).
    session_ttl_s: int = 43_200
    session_idle_s: int = 1_800
    login_attempts_per_name: int = 5
    login_attempts_per_address: int = 30
    # Bytes of documents and evidence one caller's quotes may add to storage per UTC day (507 beyond);
    # 0 turns it off. The largest quote the request limits allow stores about 30 MB.
    storage_budget_bytes_per_caller: int = 1_073_741_824
    # Data rows of a whole price book, all three kinds (413 beyond); each sheet also stops at 20,000.
    price_book_max_rows: int = 20_000
    # Open quotes one impact page re-prices, and quotes one re-quote call revises (422 beyond).
    reprice_max_quotes: int = 200
    # Drafts (POST/PUT /v1/drafts): the largest draft request (canonical JSON bytes, 413 beyond), and
    # drafts and panel templates one caller may keep (409 beyond).
    draft_max_bytes: int = 524_288
    drafts_max_per_caller: int = 100
    templates_max_per_caller: int = 200

    # Quotes one export of the quote list may hold (GET /v1/estimate/export.xlsx; 422 beyond).
    export_max_rows: int = 5_000

    # Customers (POST /v1/customers/import): data rows of one uploaded list (413 beyond); the file
    # itself is limited by MAX_UPLOAD_BYTES. The seal image (PUT /v1/profile/seal): bytes (413 beyond).
    customer_import_max_rows: int = 5_000
    seal_max_bytes: int = 524_288
    idempotency_wait_s: float = 30.0  # how long a duplicate waits for the first request to finish
    # Duplicates that may wait at once, per key and per process; beyond, 409 with Retry-After at once.
    idempotency_max_waiters_per_key: int = 16
    idempotency_max_waiters: int = 256
    signed_url_ttl_s: int = 600
    # The longest lifetime (expires - now) a signed URL may claim; unset: SIGNED_URL_TTL_S + 30 s skew.
    signed_url_max_lifetime_s: int | None = None
    # /readyz reuses its probe of the database and storage this long (per process); 0 probes every call.
    readyz_cache_s: float = 1.0
    # `kis serve` (per worker process): a request head must arrive within SERVE_HEAD_TIMEOUT_S of the
    # connection (or of the previous response); an idle keep-alive connection closes after
    # SERVE_KEEP_ALIVE_S; beyond SERVE_MAX_CONNECTIONS the oldest connection still without a request
    # is closed to make room. SERVE_BACKLOG is the listen queue.
    serve_head_timeout_s: float = 10.0
    serve_keep_alive_s: int = 5
    serve_max_connections: int = 1000
    serve_backlog: int = 2048
    log_level: str = "INFO"

    def signed_url_max_lifetime(self) -> int:
        """How far ahead a signed URL's `expires` may lie: longer-lived links were not signed here."""
        if self.signed_url_max_lifetime_s is not None:
            return self.signed_url_max_lifetime_s
        return self.signed_url_ttl_s + SIGNED_URL_CLOCK_SKEW_S

    def evidence_secrets(self) -> list[str]:
        """Every secret an evidence signature may be made with: the current one first."""
        previous = [k.strip() for k in self.evidence_secret_previous.split(",") if k.strip()]
        return [k for k in [self.evidence_secret or "", *previous] if k]

    def check_production(self) -> None:
        """Refuse unsafe settings (raises ValueError naming what is wrong): a signed URL TTL above the
        maximum lifetime; with APP_ENV=production, a missing, placeholder or short EVIDENCE_SECRET."""
        if self.signed_url_ttl_s > self.signed_url_max_lifetime():
            raise ValueError(
                f"SIGNED_URL_TTL_S ({self.signed_url_ttl_s}) exceeds SIGNED_URL_MAX_LIFETIME_S "
                f"({self.signed_url_max_lifetime()}): every link handed out would be refused"
            )
        if self.app_env != "production":
            return
        problem = secret_problem(self.evidence_secret)
        if problem is not None:
            raise ValueError(
                f"APP_ENV=production needs EVIDENCE_SECRET, a random signing secret of at least "
                f"{MIN_SECRET_BYTES} bytes shared by every process: {problem}. Make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )

    def forwarded_allow_list(self) -> list[str]:
        return [address.strip() for address in self.forwarded_allow_ips.split(",") if address.strip()]

    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    def company(self) -> Company:
        from kis_estimator.documents.model import Company

        return Company(
            name=self.company_name,
            representative=self.company_representative,
            business_number=self.company_business_number,
            address=self.company_address,
            phone=self.company_phone,
            email=self.company_email,
        )

    def terms(self) -> Terms:
        from kis_estimator.documents.model import Terms

        return Terms(
            payment=self.quote_payment_terms,
            validity_days=self.quote_validity_days,
            delivery=self.quote_delivery,
        )
