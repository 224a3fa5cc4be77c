"""The web face of servgap: FastAPI app factory, JSON API and server-rendered pages."""
