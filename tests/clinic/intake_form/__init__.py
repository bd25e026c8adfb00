"""Tests of the forms package."""
