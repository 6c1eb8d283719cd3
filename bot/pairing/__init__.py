"""Pairing: a pair's life once introduced: its rhythm (planner, calendar, prompts), answers and endings."""
