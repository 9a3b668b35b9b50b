"""Suggestions in Discord: views, messages and the controller."""
