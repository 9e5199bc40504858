"""Operating druppel: counters, gauges and heartbeats that operators and `druppel web` read."""
