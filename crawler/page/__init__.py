"""page layer: see docs/architecture.md."""
