"""Delivery: the outbox rows, the dispatcher that sends them, and the one gateway to the Slack Web API."""
