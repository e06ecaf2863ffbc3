"""Reads for the treatment pages (calendar, doses due, deviations, radiotherapy)."""
