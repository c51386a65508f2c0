"""Text normalising and segmenting."""
