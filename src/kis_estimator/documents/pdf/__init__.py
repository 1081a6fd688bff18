"""The PDF quotation: `quote` lays out the pages (render_pdf), `tables` measures text and draws the
bordered tables, `font` embeds the Korean font."""
