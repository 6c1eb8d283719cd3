"""Matching: scoring mentors, asking them, their answers, requests, profiles, places and cohort plans."""
