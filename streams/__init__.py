"""Faust app, topics, agents, embedded runner, CLI."""
