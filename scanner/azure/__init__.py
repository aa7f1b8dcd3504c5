"""Facts about Azure itself, below every other layer: resource ids, built-in roles and SKU
limits, and the names of the snapshot's lists. Nothing here reads input or knows the scanner."""
