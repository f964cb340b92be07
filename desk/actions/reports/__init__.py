"""The reports' writes: the daily roll-up of service figures."""
