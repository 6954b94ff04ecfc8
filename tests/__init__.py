"""Tests of the Syria diplomacy bot."""
