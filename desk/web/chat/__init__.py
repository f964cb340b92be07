"""Live chat pages: the visitor's widget endpoints, and the admin's widget settings."""
