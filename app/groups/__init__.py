"""Support groups: patients and staff in public, private or hidden groups."""
