"""The engine's operations by resource: each takes the call's `Ctx` first and runs the rules."""
