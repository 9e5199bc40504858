"""`druppel web`: the HTTP face of druppel for probes, Prometheus and (later) webhooks."""
