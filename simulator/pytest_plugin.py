"""pytest fixtures that give each test a fresh in-memory Paigo."""
