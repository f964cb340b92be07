"""Words shown for stored codes: statuses, priorities, channels, form errors.

Marked with ``_`` for extraction; templates translate them with the page's locale."""

from __future__ import annotations

from desk.i18n import _

STATUS = {
    "new": _("New"),
    "open": _("Open"),
    "pending": _("Pending"),
    "on_hold": _("On hold"),
    "solved": _("Solved"),
    "closed": _("Closed"),
}
PRIORITY = {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}
CHANNEL = {"web": _("Web form"), "email": _("Email"), "api": _("API"), "chat": _("Chat")}
VIEW = {
    "my_open": _("My open tickets"),
    "unassigned": _("Unassigned"),
    "all_open": _("All open"),
    "pending": _("Pending"),
    "solved": _("Solved"),
}
SORT = {
    "updated": _("Last updated"),
    "oldest": _("Oldest update first"),
    "created": _("Newest first"),
    "priority": _("Priority"),
    "due": _("Next due time"),
}
TIER = {"vip": _("VIP"), "standard": _("Standard"), "prospect": _("Prospect")}
ROLE = {"agent": _("Agent"), "supervisor": _("Supervisor"), "admin": _("Admin")}
FIELD_ERROR = {
    "required": _("This field is required."),
    "too_long": _("This is too long."),
    "invalid_email": _("Enter a valid email address, like name@example.com."),
    "too_many_files": _("Too many attachments."),
    "file_too_large": _("An attachment is too large."),
    "daily_files_full": _("This request has received as many files today as a day allows. "
                          "Send the rest tomorrow, or write without attachments."),
    "invalid_choice": _("Choose one of the options."),
    "not_found": _("This no longer exists."),
    "invalid_tags": _("Tags are single words separated by commas."),
    "unknown_field": _("Unknown field."),
    "merge_alone": _("A merge is made on its own: leave the other changes as they are."),
    "not_a_number": _("Enter a number."),
    "invalid_value": _("This value is not valid."),
}
# The delivery state of a mail the desk sends (OutboundMessage.status).
DELIVERY = {"queued": _("Waiting to be sent"), "sent": _("Sent"), "failed": _("Not delivered"),
            "in_chat": _("Read in the chat"), "transcript": _("In the chat transcript")}
# Kinds of the desk's automatic mail (replies are listed with the conversation).
OUTBOUND_KIND = {"acknowledgement": _("Acknowledgement"), "notification": _("Notification"),
                 "survey": _("Satisfaction survey"), "transcript": _("Chat transcript")}
ACTION = {
    "created": _("created the ticket"),
    # Automatic assignment's entries (desk.actions.assignment).
    "assignment_skipped": _("left the ticket unassigned in the team"),
    "cover_assigned": _("gave the ticket to the colleague covering"),
    "updated": _("changed"),
    "replied": _("replied"),
    "note_added": _("added an internal note"),
    "customer_replied": _("wrote again"),
    "resent": _("resent a mail that could not be delivered"),
    "merged": _("merged this ticket into another"),
    "merged_in": _("merged another ticket into this one"),
    "split": _("split a message off into a new ticket"),
    "split_off": _("opened this ticket from a message split off"),
    "linked": _("linked a related ticket"),
    "portal_link_sent": _("mailed the customer a sign-in link to their requests"),
    "unlinked": _("removed a link"),
    # The SLA escalation's entries (actor "SLA"); %(clock)s is the clock's name.
    "sla_breached": _("%(clock)s breached"),
    "sla_warned": _("%(clock)s due soon: warned"),
    # Routing rules' entries (actor: the rule).
    "rules_stopped": _("stopped the rules"),
    "notified": _("notified staff"),
}
FIELD = {
    "subject": _("Subject"),
    "reason": _("Reason"),
    "covering_for": _("Covering for"),
    "cover": _("Cover no."),
    "status": _("Status"),
    "priority": _("Priority"),
    "team_id": _("Team"),
    "assignee_id": _("Assignee"),
    "tags": _("Tags"),
    "channel": _("Channel"),
    "message": _("Message"),
    "error": _("Delivery error"),
    "merged_into": _("Merged into"),
    "merged_from": _("Merged from"),
    "split_to": _("Split off into"),
    "split_from": _("Split off from"),
    "linked": _("Linked ticket"),
    "links": _("Linked tickets taken over"),
    "follows_id": _("Continues"),
    "notified": _("Told"),
}
