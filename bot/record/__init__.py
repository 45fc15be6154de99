"""The record: reading reports, merging them into the database, changing it, and exporting it."""
