"""Programs: creating and finding programs, and the owner rule every door uses."""
