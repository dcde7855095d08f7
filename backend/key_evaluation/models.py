"""Key evaluation (重点评价) by a higher level and sampling re-review (public schema)."""
