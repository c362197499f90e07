"""Entry points: the ``biokg`` command line and the FastAPI application."""
