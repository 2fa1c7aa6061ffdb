"""components layer: see docs/architecture.md."""
