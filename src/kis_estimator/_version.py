"""The package version, in a module of its own so that inner layers can name it without importing the
package root (whose public surface reaches every layer)."""

__version__ = "0.1.0"
