"""People: members, how reports name them (owners, roles, organisations), and who is asking."""
