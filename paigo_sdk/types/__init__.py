"""Package types."""
