"""Every table, imported here so SQLModel.metadata knows them all."""

from desk.models.account_security import (
    PasswordReset,
    PortalSession,
    RecoveryCode,
    ResetRequest,
    TwoFactorRule,
)
from desk.models.audit import AuditEntry
from desk.models.chat import ChatConversation, ChatWidget
from desk.models.customers import (
    Customer,
    CustomerField,
    CustomerIdentity,
    CustomerMerge,
    CustomerNote,
    CustomerSearchKey,
    CustomerTag,
    FieldKind,
    IdentityKind,
    Organization,
    Source,
    Tier,
    TierPolicy,
)
from desk.models.duty import Cover, StaffDuty
from desk.models.follow_ups import FollowUp
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
from desk.models.macros import BulkRun, Macro
from desk.models.mail import RawMessage, RawMessageBytes, RawStatus
from desk.models.mailboxes import AfterFetch, Mailbox
from desk.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from desk.models.reports import DeskSetting, ReportDay
from desk.models.retention import RetentionKind, RetentionRule
from desk.models.rules import Rule, RuleTimeFiring, TeamRotation
from desk.models.sla import SlaPolicy, SlaResult, TicketSla
from desk.models.surveys import RATINGS, SATISFIED, Survey, SurveyStatus
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
    TicketField,
    TicketLink,
    TicketTag,
)
from desk.models.users import ApiToken, Role, SignInFailure, StaffSession, Team, TeamMembership, User
from desk.models.views import SavedView
from desk.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent

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
    "PasswordReset",
    "PortalSession",
    "RecoveryCode",
    "ResetRequest",
    "TwoFactorRule",
    "BulkRun",
    "Channel",
    "Cover",
    "ChatConversation",
    "ChatWidget",
    "Customer",
    "CustomerField",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerNote",
    "CustomerSearchKey",
    "CustomerTag",
    "DeflectionEvent",
    "DeflectionKind",
    "FieldKind",
    "FollowUp",
    "IdentityKind",
    "Direction",
    "Job",
    "KbCategory",
    "KbSynonyms",
    "Macro",
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
    "RawMessageBytes",
    "Rule",
    "RuleTimeFiring",
    "SavedView",
    "SlaPolicy",
    "SlaResult",
    "StaffDuty",
    "TeamRotation",
    "TicketSla",
    "RawStatus",
    "RetentionKind",
    "RetentionRule",
    "DeskSetting",
    "ReportDay",
    "Role",
    "Source",
    "Status",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketField",
    "TicketLink",
    "TicketTag",
    "Tier",
    "TierPolicy",
    "SignInFailure",
    "StaffSession",
    "RATINGS",
    "SATISFIED",
    "Survey",
    "SurveyStatus",
    "User",
    "Visibility",
    "DeliveryStatus",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
]
