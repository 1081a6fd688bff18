"""The HTTP service: FastAPI app factory, routers, one error handler."""
