"""`python -m kis_estimator.documents.request_sheet`: regenerate the committed template."""

from kis_estimator.documents.request_sheet.messages import TEMPLATE_PATH
from kis_estimator.documents.request_sheet.writing import write_template

TEMPLATE_PATH.write_bytes(write_template())
print(f"wrote {TEMPLATE_PATH}")
