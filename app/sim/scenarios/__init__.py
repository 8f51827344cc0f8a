"""Scenarios: the objects a simulated cluster starts with, applied in steps through the store."""
