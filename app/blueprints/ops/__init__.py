"""Operations: health, Prometheus metrics, and the locally served API documentation assets."""
