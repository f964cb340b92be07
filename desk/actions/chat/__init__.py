"""Live chat's writes: widgets (the admin's), conversations (the visitor's)."""
