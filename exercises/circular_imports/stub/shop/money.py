"""Shared money helpers. Empty for now: you may move code here (or leave it empty)."""
