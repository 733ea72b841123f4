"""Package resources."""
