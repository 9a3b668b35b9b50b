"""``make bench``: speed and memory, measured beside a naive baseline in the same run."""
