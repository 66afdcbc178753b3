"""Plain helpers with no models."""
