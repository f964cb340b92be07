"""The supervisor's reports (`/reports/`): satisfaction today."""
