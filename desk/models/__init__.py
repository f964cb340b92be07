"""Every table, imported here so SQLModel.metadata knows them all."""

from desk.models.audit import AuditEntry
from desk.models.customers import Customer, Organization, Tier
from desk.models.jobs import Job, JobStatus, Notification
from desk.models.kb import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    DeflectionEvent,
    DeflectionKind,
    KbCategory,
    KbSynonyms,
    Visibility,
)
from desk.models.mail import RawMessage, RawStatus
from desk.models.mailboxes import AfterFetch, Mailbox
from desk.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from desk.models.tickets import (
    OPEN_SQL,
    OPEN_STATUSES,
    Attachment,
    Channel,
    Direction,
    Message,
    Priority,
    Status,
    Ticket,
    TicketTag,
)
from desk.models.users import ApiToken, Role, Team, TeamMembership, User

__all__ = [
    "AfterFetch",
    "OPEN_SQL",
    "OPEN_STATUSES",
    "ApiToken",
    "Article",
    "ArticleFeedback",
    "ArticleRevision",
    "ArticleStatus",
    "Attachment",
    "AuditEntry",
    "Channel",
    "Customer",
    "DeflectionEvent",
    "DeflectionKind",
    "Direction",
    "Job",
    "KbCategory",
    "KbSynonyms",
    "Mailbox",
    "JobStatus",
    "Message",
    "Notification",
    "Organization",
    "OutboundKind",
    "OutboundMessage",
    "OutboundStatus",
    "Priority",
    "RawMessage",
    "RawStatus",
    "Role",
    "Status",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketTag",
    "Tier",
    "User",
    "Visibility",
]
