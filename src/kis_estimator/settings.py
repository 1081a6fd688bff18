"""Configuration from the environment and `.env`, read only at the CLI/API edge."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # the documents package loads its renderers; only estimating commands need it
    from kis_estimator.documents.model import Company, Terms


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
    public_base_url: str = "http://127.0.0.1:8000"
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
    sse_poll_s: float = 0.1
    sse_stall_s: float = 60.0  # a tail ends with STREAM_STALLED after this long without a new event
    # Write requests (POST/PATCH/DELETE) per caller per minute, counted in the database; 0 turns it off.
    rate_limit_per_minute: int = 120
    # Bytes of documents and evidence one caller's quotes may add to storage per UTC day (507 beyond);
    # 0 turns it off. The largest quote the request limits allow stores about 30 MB.
    storage_budget_bytes_per_caller: int = 1_073_741_824
    # Data rows of a whole price book, all three kinds (413 beyond); each sheet also stops at 20,000.
    price_book_max_rows: int = 20_000
    idempotency_wait_s: float = 30.0  # how long a duplicate waits for the first request to finish
    signed_url_ttl_s: int = 600
    log_level: str = "INFO"

    def signing_secret(self) -> str:
        """The key of signed URLs: EVIDENCE_SECRET, or a fixed development key outside production."""
        if self.evidence_secret:
            return self.evidence_secret
        if self.app_env == "production":
            raise ValueError("APP_ENV=production needs EVIDENCE_SECRET (the signing secret)")
        return "kis-development-only-signing-secret"

    def evidence_secrets(self) -> list[str]:
        """Every secret an evidence signature may be made with: the current one first."""
        previous = [k.strip() for k in self.evidence_secret_previous.split(",") if k.strip()]
        return [k for k in [self.evidence_secret or "", *previous] if k]

    def check_production(self) -> None:
        """Refuse unsafe defaults when APP_ENV=production (raises ValueError naming what is missing)."""
        if self.app_env != "production":
            return
        self.signing_secret()

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
