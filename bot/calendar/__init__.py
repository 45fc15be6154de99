"""Calendar and time: the injectable clock, each group's cadence, known meetings and changes to them."""
