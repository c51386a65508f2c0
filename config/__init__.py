"""Detector and alerting configs and their schema."""
