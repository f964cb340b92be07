"""The customer's satisfaction survey page (the link in the survey mail)."""
