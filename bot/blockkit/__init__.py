"""Block Kit: the primitives every message and modal is built from, and reading a submitted modal."""
