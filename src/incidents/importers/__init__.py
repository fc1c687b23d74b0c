"""Importers: vendor status feeds become rows of the incident schema."""
