"""Configuration from the environment and `.env`, read only at the CLI/API edge."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from kis_estimator.documents.model import Company, Terms


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    kis_catalog: Path | None = None
    kis_rulebook: Path | None = None
    app_env: str = "development"
    var_dir: Path = Path("var")
    timezone: str = "Asia/Seoul"
    evidence_secret: str | None = None
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

    def signing_secret(self) -> str:
        """The key of signed URLs: EVIDENCE_SECRET, or a fixed development key outside production."""
        if self.evidence_secret:
            return self.evidence_secret
        if self.app_env == "production":
            raise ValueError("APP_ENV=production needs EVIDENCE_SECRET (the signing secret)")
        return "kis-development-only-signing-secret"

    def company(self) -> Company:
        return Company(
            name=self.company_name,
            representative=self.company_representative,
            business_number=self.company_business_number,
            address=self.company_address,
            phone=self.company_phone,
            email=self.company_email,
        )

    def terms(self) -> Terms:
        return Terms(
            payment=self.quote_payment_terms,
            validity_days=self.quote_validity_days,
            delivery=self.quote_delivery,
        )
