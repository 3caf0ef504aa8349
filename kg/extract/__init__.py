"""Extraction stages: mentions, resolution, relation schema and the relation engine."""
