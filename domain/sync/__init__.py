"""Offline sync for field workers: pull what changed in her scope, push a day's work."""
