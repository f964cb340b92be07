"""The email channel: fetch raw mail, parse it into an InboundMessage, classify it with filters."""
