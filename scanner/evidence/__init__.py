"""The audit evidence bundle: everything a scan rested on, hashed, optionally signed."""
