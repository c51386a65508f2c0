"""Pure online algorithms: no Kafka, Faust, HTTP, metrics, clock or environment."""
