"""Retention: what Desk forgets after how many days (``rules``), and the run that does it
(``sweep``), recorded in the audit log. Three rules, all off until an admin sets them:

- raw mail: the bytes of mail as it arrived are emptied once its ticket is solved or closed
  and untouched for N days (and mail that opened no ticket, N days after it came); the
  ticket, its messages and attachments stay, and the raw mail row stays for accounting and
  duplicate detection;
- anonymise customers: a customer whose every ticket is solved or closed and untouched for N
  days is anonymised as a privacy request would (``desk.actions.customers.privacy``): the
  tickets stay for reports, the personal data goes;
- ticket content: a solved or closed ticket untouched for N days loses its messages' text
  and HTML, its attachments and its raw mail (``content``); the ticket row, its history and
  its report counts stay.

Deleting tickets outright is left out on purpose: reports, SLA figures and the audit log
count them, and anonymisation already removes what identifies a person."""
