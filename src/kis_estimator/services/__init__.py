"""Use cases shared by every edge (the CLI, the HTTP API, the MCP server): each edge parses its input,
calls one of these, and renders the answer. They work on the bootstrap's Container."""
