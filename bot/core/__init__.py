"""What every part of druppel may use and that uses nothing above it: the counters operators
read (`counters`). The conversation, delivery, broadcasts, staff and operators all count
through it; it knows storage and the clock, nothing of theirs."""
