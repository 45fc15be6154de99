"""Reading the secretariat's reports: loading any format into blocks, then parsing them."""
