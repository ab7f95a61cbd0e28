"""Developer tools (catalog maintenance, data builders); not used at run time."""
