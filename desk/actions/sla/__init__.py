"""SLA clocks: business-hours arithmetic (calendar) and due times of tickets (clocks)."""
