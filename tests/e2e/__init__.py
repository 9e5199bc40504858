"""End to end: druppel as real processes against fake platforms over HTTP and a real Redis."""
