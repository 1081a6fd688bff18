"""Documents are a pipeline: quote → document model → one renderer per format → bytes.

Renderers are registered by format; `render_all` runs every one of them. Each returns bytes and none
computes a figure of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from kis_estimator.documents.drawing.dxf import render_layout_dxf
from kis_estimator.documents.drawing.shapes import Sheet
from kis_estimator.documents.drawing.sheet import layout_sheet
from kis_estimator.documents.drawing.svg import render_layout_svg
from kis_estimator.documents.model import QuoteDocument
from kis_estimator.documents.pdf.quote import render_pdf
from kis_estimator.documents.xlsx import render_xlsx
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.model import Quote


@dataclass(frozen=True)
class RenderContext:
    quote: Quote
    document: QuoteDocument
    catalog: Catalog

    @cached_property
    def layout(self) -> Sheet:
        """The front view's shapes, computed once for both the SVG and the DXF."""
        return layout_sheet(self.quote, self.catalog)


@dataclass(frozen=True)
class Renderer:
    kind: str
    filename: str
    media_type: str
    render: Callable[[RenderContext], bytes]


RENDERERS: dict[str, Renderer] = {}


def register(kind: str, filename: str, media_type: str) -> Callable[[Callable[[RenderContext], bytes]], None]:
    def add(render: Callable[[RenderContext], bytes]) -> None:
        RENDERERS[kind] = Renderer(kind, filename, media_type, render)

    return add


@register("xlsx", "quote.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _xlsx(context: RenderContext) -> bytes:
    return render_xlsx(context.document)


@register("pdf", "quote.pdf", "application/pdf")
def _pdf(context: RenderContext) -> bytes:
    return render_pdf(context.document)


@register("svg", "layout.svg", "image/svg+xml")
def _svg(context: RenderContext) -> bytes:
    return render_layout_svg(context.quote, context.catalog, context.layout)


@register("dxf", "layout.dxf", "image/vnd.dxf")
def _dxf(context: RenderContext) -> bytes:
    return render_layout_dxf(context.quote, context.catalog, context.layout)


def render_all(context: RenderContext, kinds: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """filename → bytes for every registered renderer (or the given kinds), in registration order."""
    chosen = [r for r in RENDERERS.values() if kinds is None or r.kind in kinds]
    return {r.filename: r.render(context) for r in chosen}
