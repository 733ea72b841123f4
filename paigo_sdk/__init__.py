"""A typed client for the Paigo usage-based billing API."""

from paigo_sdk._version import __version__

__all__ = ["__version__"]
