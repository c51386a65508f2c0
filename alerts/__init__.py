"""Alert model, routing, grouping, sinks, delivery."""
