"""Writes for treatment: height and weight, doses, delays, toxicity reviews and decisions,
radiotherapy. Every write goes through ``core.services.clinical_record_save`` (validated,
versioned, audited)."""
