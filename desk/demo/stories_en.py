"""The English half of the demo's conversations."""

from __future__ import annotations

from desk.demo.stories import Lines, Sample, Story
from desk.models import Priority

SUPPORT = "Support"
BILLING = "Billing"

STORIES = (
    Story(
        team=SUPPORT,
        subject="Can't log in after resetting my password",
        body="Hi,\n\nI reset my password this morning, but the sign-in page still says "
        "\"invalid credentials\". I've tried Chrome and Firefox. I need access for the "
        "month-end report today. Can you help?\n\nThanks",
        reply="Hi {first},\n\nSorry about that. Could you try once more in a private browser "
        "window and tell me roughly what time you tried? That lets me find your attempt in "
        "the sign-in log.",
        follow_up="Tried again at 14:05 in a private window. Same error.",
        note="Sign-in log: five failed attempts in two minutes, so the rate limiter locked the "
        "account. Unlocking it.",
        resolution="Thanks, {first}. The account had been locked after several attempts in a "
        "row. I've unlocked it and you can sign in with your new password now.",
        tags=("login", "account"),
        priority=Priority.high,
    ),
    Story(
        team=SUPPORT,
        subject="API returns 429 Too Many Requests",
        body="Our nightly sync started failing with HTTP 429 on GET /api/v1/tickets after about "
        "600 calls. We haven't changed anything on our side. What are the rate limits, and "
        "can they be raised for our account?",
        reply="Hi {first},\n\nThe limit is 600 requests per minute per token. Each 429 comes "
        "with a Retry-After header; if your client waits that many seconds the sync will "
        "carry on. Could you send us the token name you use so we can check its traffic?",
        follow_up="The token is called \"nightly-sync\". We'll add Retry-After handling, but "
        "a higher limit would still help: we page through about 40,000 tickets.",
        note="nightly-sync makes ~900 req/min between 02:00 and 02:20 UTC. Suggest paging "
        "with per_page=100 instead of 20 before we raise anything.",
        resolution="Hi {first},\n\nYour sync asks for 20 tickets per page. With per_page=100 "
        "it needs a fifth of the calls and stays well under the limit. Let us know if it "
        "still hits 429 after that change.",
        tags=("api", "rate-limit"),
        priority=Priority.high,
        sample=Sample(
            "response-headers.txt", "text/plain",
            b"HTTP/1.1 429 Too Many Requests\nRetry-After: 30\nX-RateLimit-Limit: 600\n"
            b"X-RateLimit-Remaining: 0\n",
        ),
    ),
    Story(
        team=BILLING,
        subject="Question about invoice INV-{n}",
        body="Hello,\n\nInvoice INV-{n} charges us for 25 seats, but we only have 18 active "
        "users. Could you check this before we pay it?\n\nBest regards",
        reply="Hi {first},\n\nThanks for checking. Seats are counted on the billing date and "
        "include deactivated users who still had access that day. Could you tell me when the "
        "seven users were removed?",
        follow_up="They were removed on the 3rd, two days after the billing date, so I guess "
        "that explains it. Can we get them credited anyway?",
        note="Seven users deactivated two days after billing. Finance agrees to credit them as "
        "goodwill; credit note to follow.",
        resolution="Hi {first},\n\nWe've issued a credit note for the seven seats. It will be "
        "taken off your next invoice automatically.",
        tags=("invoice", "seats"),
    ),
    Story(
        team=BILLING,
        subject="Refund for a duplicate charge",
        body="We were charged twice for our annual renewal (order {n}). Both payments show on "
        "our company card. Please refund one of them.",
        reply="Hi {first},\n\nI can see both payments for order {n}. I've asked our payment "
        "provider to refund the second one. Could you confirm the last four digits of the card?",
        follow_up="The card ends in 4242.",
        note="Duplicate charge confirmed in the payment provider's dashboard. Refund requested; "
        "it takes 5 to 10 business days to appear.",
        resolution="Hi {first},\n\nThe refund for the duplicate payment has been issued. Your "
        "bank should show it within 5 to 10 business days.",
        tags=("refund", "payment"),
        priority=Priority.high,
    ),
    Story(
        team=SUPPORT,
        subject="Webhook deliveries failing with a timeout",
        body="Since yesterday every webhook delivery to our endpoint shows \"timeout after 10s\" "
        "in the delivery log. Our endpoint answers in under a second when we call it ourselves.",
        reply="Hi {first},\n\nWe send webhooks from 203.0.113.10 and 203.0.113.11. Could you "
        "check whether your firewall lets those addresses through? A blocked connection looks "
        "like a timeout from our side.",
        follow_up="You were right, our new firewall only allowed the old address. Fixed now, "
        "but the failed deliveries are still in the log.",
        note="Customer's firewall blocked our second sending address. Offer to redeliver "
        "failed webhooks from the last 48 hours.",
        resolution="Hi {first},\n\nGlad that was it. I've redelivered the failed webhooks from "
        "the last two days; they all went through.",
        tags=("api", "webhooks"),
    ),
    Story(
        team=BILLING,
        subject="Please add our VAT number to the invoices",
        body="Hello,\n\nOur accounts department needs our VAT number (GB123456789) and the new "
        "billing address on every invoice:\n\n1 Harbour Road\nBristol BS1 4AA",
        reply="Hi {first},\n\nI've updated the billing address. For the VAT number we need a "
        "confirmation from your tax registration. Could you send a copy?",
        follow_up="Our accountant is sending the certificate today. The number is GB123456789.",
        note="VAT number validated against the VIES service.",
        resolution="Hi {first},\n\nYour VAT number is on the account now and will appear on "
        "every invoice from the next one on.",
        tags=("invoice", "vat"),
        priority=Priority.low,
    ),
    Story(
        team=SUPPORT,
        subject="CSV export shows garbled characters in Excel",
        body="When I open the customer export in Excel, names like Zoë and Jürgen come out "
        "as ZoÃ« and JÃ¼rgen. The file looks fine in a text editor.",
        reply="Hi {first},\n\nThe file is UTF-8, and Excel guesses a different encoding when "
        "you double-click it. Could you try Data > From Text/CSV and pick \"65001: Unicode "
        "(UTF-8)\"?",
        follow_up="That works, thanks. Can the export not just open correctly by double-click?",
        note="Known issue: we should write a byte-order mark for Excel. Feature request filed.",
        resolution="Hi {first},\n\nWe've added a byte-order mark to CSV exports, so Excel opens "
        "them correctly with a double-click now.",
        tags=("export", "encoding"),
        priority=Priority.low,
        sample=Sample(
            "customers-export.csv", "text/csv", "name,city\nZoë,Köln\nJürgen,München\n".encode()
        ),
    ),
    Story(
        team=SUPPORT,
        subject="Two-factor codes are never accepted",
        body="My authenticator app gives me a code, I type it in, and it says the code is "
        "wrong. Every single time. I'm locked out of the admin area.",
        reply="Hi {first},\n\nThe most common cause is a phone clock that is a minute or two "
        "off. Could you turn on automatic date and time on your phone and try again?",
        follow_up="The phone was 3 minutes behind. It works now!",
        note="Clock drift on the customer's phone. Consider widening the TOTP window to ±1 step.",
        resolution="Hi {first},\n\nGreat to hear it works. I'll close this request; write back "
        "any time if the codes stop working.",
        tags=("login", "2fa"),
        priority=Priority.urgent,
    ),
    Story(
        team=BILLING,
        subject="How is an upgrade in the middle of the month charged?",
        body="We'd like to move from the Team plan to Business next week. Do we pay the full "
        "month again or only the difference?",
        reply="Hi {first},\n\nYou only pay the difference for the days left in the current "
        "period. Would you like me to prepare the upgrade so it starts on a date you choose?",
        follow_up="Yes please, starting on the 15th.",
        note="Scheduled plan change for the 15th; prorated invoice will be generated then.",
        resolution="Hi {first},\n\nThe upgrade to Business is scheduled for the 15th. You'll "
        "receive a prorated invoice that day.",
        tags=("plan", "proration"),
        priority=Priority.low,
    ),
    Story(
        team=SUPPORT,
        subject="Our notification emails land in spam",
        body="Customers tell us our ticket notifications end up in their spam folder, "
        "especially at Outlook and Gmail. Is there something we can configure?",
        reply="Hi {first},\n\nThat usually means the sending domain has no SPF or DKIM record "
        "for us. Could you send the domain you send from so we can check its DNS?",
        follow_up="We send from support.{domain}.",
        note="No DKIM record for support.{domain}; SPF is fine. Send the customer the two "
        "CNAME records to add.",
        resolution="Hi {first},\n\nPlease add the two DKIM CNAME records from the mail settings "
        "page to your DNS. Once they are visible, notifications will be signed and stop "
        "landing in spam.",
        tags=("email", "deliverability"),
    ),
    Story(
        team=BILLING,
        subject="Credit card declined on renewal",
        body="We got an email that our renewal payment was declined. The card is valid and has "
        "enough limit. Will our account be suspended?",
        reply="Hi {first},\n\nNo suspension for the next 14 days, don't worry. The bank "
        "declined with \"authentication required\". Could you try the payment again from the "
        "billing page, where your bank can ask for confirmation?",
        follow_up="Tried again and confirmed it in the banking app. Did it go through?",
        note="Payment succeeded on second attempt with 3-D Secure.",
        resolution="Hi {first},\n\nYes, the payment went through and your subscription is "
        "renewed for another year. Thank you!",
        tags=("payment", "renewal"),
        priority=Priority.high,
    ),
    Story(
        team=SUPPORT,
        subject="SSO with Azure AD fails: invalid audience",
        body="We set up single sign-on with Azure AD following your guide. Signing in ends on "
        "an error page: \"AADSTS700016 invalid audience\". Nobody on our team can sign in with "
        "SSO.",
        reply="Hi {first},\n\nThat error means the identifier in Azure doesn't match ours. "
        "Could you send a screenshot of the \"Basic SAML configuration\" section?",
        follow_up="The identifier there is https://desk.{domain}/saml, exactly as in your guide.",
        note="The Entity ID must end in /saml/metadata, not /saml. Our guide is ambiguous; "
        "docs ticket opened.",
        resolution="Hi {first},\n\nPlease change the identifier to "
        "https://desk.{domain}/saml/metadata. SSO will work as soon as Azure saves it.",
        tags=("sso", "login"),
        priority=Priority.high,
    ),
    Story(
        team=SUPPORT,
        subject="Mobile app crashes when opening an attachment",
        body="The iPhone app closes immediately when I tap a PDF attachment on a ticket. "
        "Other attachments (images) open fine. iOS 17, app version 3.2.",
        reply="Hi {first},\n\nThanks for the details. Does it happen with every PDF or only "
        "large ones? If you can, please send us one of the files that crash.",
        follow_up="Only the large ones, over about 20 MB.",
        note="Reproduced with a 25 MB PDF. Bug filed for the mobile team.",
        resolution="Hi {first},\n\nVersion 3.2.1, out today in the App Store, fixes the crash "
        "with large PDFs.",
        tags=("mobile", "bug"),
    ),
    Story(
        team=SUPPORT,
        subject="Feature request: dark mode",
        body="Our agents work night shifts and would love a dark theme. Is that on your "
        "roadmap?",
        reply="Hi {first},\n\nThanks for the suggestion! I've passed it to the product team. "
        "May I note how many of your agents would use it?",
        follow_up="About 12 people on the night shift.",
        note="Added to the dark mode request with the agent count.",
        resolution="Hi {first},\n\nDark mode is planned for the next release. I'll mark this "
        "request as solved; we'll announce it in the release notes.",
        tags=("feature-request",),
        priority=Priority.low,
    ),
)

LINES = Lines(
    locale="en",
    stories=STORIES,
    nudges=(
        "Hi, any update on this? It is still blocking us.",
        "Just following up: is anyone looking at this?",
        "Could someone please get back to me today?",
    ),
    reopenings=(
        "Unfortunately the problem came back this morning. Could you take another look?",
        "Sorry to reopen this, but it's happening again.",
    ),
    hold_notes={
        SUPPORT: "Escalated to engineering as ENG-{n}. On hold until they answer.",
        BILLING: "Waiting for finance to approve. On hold until then.",
    },
)
