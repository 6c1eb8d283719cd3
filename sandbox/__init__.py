"""The sandbox: the real bot in a browser, wired to a Slack emulator in the same process."""
