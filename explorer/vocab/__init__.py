"""Vocabularies kept in the repo: routes, active ingredients and brand names, MedDRA PT spelling."""
