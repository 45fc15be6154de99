"""Pre-meeting digests: when they are due, what they say, and posting each exactly once."""
