"""People: workspaces and the people in them, the words that describe them, and HR imports."""
