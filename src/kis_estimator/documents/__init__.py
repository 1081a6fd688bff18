"""Documents are a pipeline: quote → document model → one renderer per format → bytes.

Renderers are registered by format; `render_all` runs every one of them. Each returns bytes and none
computes a figure of its own.

A renderer with a `Source` is deferred (the PDF and the DXF): at create only its source (a file of the
evidence pack: the document model for the PDF, the layout's shapes for the DXF) is written, and the document is rendered from that stored file on its
first download (`services/deferred_documents.py`). Its `render` is the source written and rendered in
one go, so a deferred document has the same bytes whenever and wherever it is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.metadata import version

from kis_estimator.documents.drawing.dxf import render_sheet_dxf
from kis_estimator.documents.drawing.shapes import Sheet
from kis_estimator.documents.drawing.sheet import layout_sheet
from kis_estimator.documents.drawing.stored import sheet_from_json, sheet_json
from kis_estimator.documents.drawing.svg import render_layout_svg
from kis_estimator.documents.model import QuoteDocument
from kis_estimator.documents.pdf.quote import render_pdf
from kis_estimator.documents.stored_model import document_from_json, document_json
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
class Source:
    """What a deferred document is rendered from: one file of the evidence pack, written at create."""

    path: str  # its path in the evidence pack, e.g. "drawing/layout.json"
    write: Callable[[RenderContext], bytes]  # at create: the context → the file
    render: Callable[[bytes], bytes]  # on first download: the file → the document
    library: str  # the distribution whose version the document's bytes depend on (e.g. "ezdxf")

    @property
    def library_version(self) -> str:
        return _version_of(self.library)


@cache
def _version_of(distribution: str) -> str:
    return f"{distribution} {version(distribution)}"


@dataclass(frozen=True)
class Renderer:
    kind: str
    filename: str
    media_type: str
    render: Callable[[RenderContext], bytes]
    folder: str = "documents"  # where it sits in the evidence pack: "documents" or "drawing"
    source: Source | None = None  # set: deferred, rendered from this stored file on first download

    @property
    def path(self) -> str:
        """Its path in the evidence pack (declared there, not present, while it is deferred)."""
        return f"{self.folder}/{self.filename}"


RENDERERS: dict[str, Renderer] = {}


def register(
    kind: str, filename: str, media_type: str, folder: str = "documents"
) -> Callable[[Callable[[RenderContext], bytes]], None]:
    def add(render: Callable[[RenderContext], bytes]) -> None:
        RENDERERS[kind] = Renderer(kind, filename, media_type, render, folder)

    return add


def register_deferred(kind: str, filename: str, media_type: str, folder: str, source: Source) -> None:
    """A renderer rendered on first download from `source`; rendering it at once gives the same bytes."""

    def render(context: RenderContext) -> bytes:
        return source.render(source.write(context))

    RENDERERS[kind] = Renderer(kind, filename, media_type, render, folder, source)


@register("xlsx", "quote.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _xlsx(context: RenderContext) -> bytes:
    return render_xlsx(context.document)


register_deferred(
    "pdf",
    "quote.pdf",
    "application/pdf",
    "documents",
    Source(
        "documents/document.json",
        write=lambda context: document_json(context.document),
        render=lambda data: render_pdf(document_from_json(data)),
        library="fpdf2",
    ),
)


@register("svg", "layout.svg", "image/svg+xml", "drawing")
def _svg(context: RenderContext) -> bytes:
    return render_layout_svg(context.quote, context.catalog, context.layout)


register_deferred(
    "dxf",
    "layout.dxf",
    "image/vnd.dxf",
    "drawing",
    Source(
        "drawing/layout.json",
        write=lambda context: sheet_json(context.layout),
        render=lambda data: render_sheet_dxf(sheet_from_json(data)),
        library="ezdxf",
    ),
)


def render_all(context: RenderContext, kinds: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """filename → bytes for every registered renderer (or the given kinds), in registration order."""
    chosen = [r for r in RENDERERS.values() if kinds is None or r.kind in kinds]
    return {r.filename: r.render(context) for r in chosen}


def deferred() -> list[Renderer]:
    """The deferred renderers, in registration order."""
    return [r for r in RENDERERS.values() if r.source is not None]


def render_deferred(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """filename → bytes of every deferred document, rendered from its source among `files` (path →
    bytes, e.g. an evidence pack's)."""
    return {r.filename: r.source.render(files[r.source.path]) for r in deferred() if r.source is not None}
