"""The `paigo-simulator` command line."""


def main() -> None:
    """Run the command line."""
    raise SystemExit("paigo-simulator: not available yet")
