"""Tests of the clinic package."""
