"""Run the `paigo-simulator` command line as `python -m simulator`."""

from simulator._cli import main

if __name__ == "__main__":
    main()
