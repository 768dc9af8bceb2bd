"""Questionnaires, responses and the three public indicators (to come)."""
