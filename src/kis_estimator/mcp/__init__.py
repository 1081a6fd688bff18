"""The MCP edge: the estimator's use cases as tools for AI assistants (`kis mcp`). Absolute imports of `mcp` inside it name the MCP library, never this package."""
