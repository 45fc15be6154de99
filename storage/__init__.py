"""Storage: the models, the database and every query."""
