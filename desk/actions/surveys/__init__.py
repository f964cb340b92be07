"""Satisfaction surveys: scheduled when a ticket is solved, sent when due, answered by the
customer on the page their mail links to."""
