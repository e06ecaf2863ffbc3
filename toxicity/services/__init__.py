"""Writes of the toxicity app."""
