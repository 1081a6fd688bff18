"""The pure estimating core: no I/O, no clock, no settings."""
