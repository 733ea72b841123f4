"""The billing engine: Paigo's state and rules, with no knowledge of HTTP."""
