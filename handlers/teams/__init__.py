"""Teams glue: the Teams SDK app, its cards, digests and app package, over the platform-free core."""
