"""Conversation: understanding questions and commands, answering them, and the console."""
