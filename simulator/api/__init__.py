"""The HTTP-shaped layer: parse a request, call the engine, shape Paigo's reply; no billing here."""
