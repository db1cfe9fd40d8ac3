//! The demo organisation's configuration: departments and their value chain, the journey,
//! themes, contact reasons and channels. Plain data; `super` turns it into rows.

pub const ORGANISATION: &str = "Northwind Energy";
pub const TIME_ZONE: &str = "Europe/Amsterdam";
pub const CURRENCY: &str = "EUR";

pub struct Department {
    pub slug: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub impact: &'static str,
    /// Share of the workforce, which is also its share of employee survey responses.
    pub headcount: f64,
    /// How far its people's eNPS sits from the organisation's.
    pub enps_offset: f64,
}

pub const DEPARTMENTS: &[Department] = &[
    Department {
        slug: "customer-service",
        name: "Customer Service",
        kind: "front-line",
        impact: "We are the voice customers hear when something goes wrong. Every call we resolve the first time is a \
                 customer who stays.",
        headcount: 30.0,
        enps_offset: -5.0,
    },
    Department {
        slug: "sales",
        name: "Sales",
        kind: "front-line",
        impact: "We make the first promise. Selling the plan that truly fits keeps customers for years; overselling \
                 comes back as complaints.",
        headcount: 12.0,
        enps_offset: 3.0,
    },
    Department {
        slug: "marketing",
        name: "Marketing",
        kind: "front-line",
        impact: "Our campaigns set the expectations every other team has to meet. Clear offers mean fewer \
                 disappointed customers and fewer calls.",
        headcount: 6.0,
        enps_offset: 5.0,
    },
    Department {
        slug: "operations",
        name: "Operations",
        kind: "front-line",
        impact: "We connect homes and businesses and keep the energy flowing. An engineer on time and a fast repair \
                 are what customers remember.",
        headcount: 25.0,
        enps_offset: 0.0,
    },
    Department {
        slug: "hr",
        name: "Human Resources",
        kind: "support",
        impact: "We hire, train and reward the people who serve our customers. Happy, well-trained employees make \
                 happy customers.",
        headcount: 4.0,
        enps_offset: 8.0,
    },
    Department {
        slug: "finance",
        name: "Finance",
        kind: "support",
        impact: "Every customer reads our work: the invoice. A clear, correct bill prevents a call to the contact \
                 centre and earns trust.",
        headcount: 7.0,
        enps_offset: 0.0,
    },
    Department {
        slug: "legal",
        name: "Legal",
        kind: "support",
        impact: "Our contracts, terms and renewal letters are documents customers must understand. Plain language \
                 protects the company and the customer alike.",
        headcount: 3.0,
        enps_offset: 3.0,
    },
    Department {
        slug: "it",
        name: "IT",
        kind: "support",
        impact: "We build the website, the app and the portal customers use every day, and the systems our \
                 colleagues serve them with. When we are down, everyone is.",
        headcount: 10.0,
        enps_offset: 2.0,
    },
];

/// The value chain: (supplier, its internal customers).
pub const SERVES: &[(&str, &[&str])] = &[
    (
        "it",
        &[
            "customer-service",
            "sales",
            "marketing",
            "operations",
            "hr",
            "finance",
            "legal",
        ],
    ),
    (
        "hr",
        &[
            "customer-service",
            "sales",
            "marketing",
            "operations",
            "finance",
            "legal",
            "it",
        ],
    ),
    ("finance", &["sales", "customer-service", "operations"]),
    ("legal", &["sales", "marketing"]),
    ("marketing", &["sales"]),
    ("operations", &["customer-service"]),
];

pub fn customers_of(supplier: &str) -> &'static [&'static str] {
    SERVES
        .iter()
        .find(|(s, _)| *s == supplier)
        .map_or(&[], |(_, customers)| customers)
}

pub const STAGES: &[&str] = &["Discover", "Buy", "Start", "Use", "Pay & renew"];

pub struct Touchpoint {
    pub slug: &'static str,
    pub name: &'static str,
    pub stage: usize,
    pub owner: &'static str,
    pub channel: &'static str,
    /// What the survey question refers to: "Based on {moment}, how likely …".
    pub moment: &'static str,
    /// Relative share of customer survey responses.
    pub share: f64,
    /// NPS points above or below the organisation's common trend.
    pub offset: f64,
}

pub const TOUCHPOINTS: &[Touchpoint] = &[
    Touchpoint {
        slug: "advertising",
        name: "Advertising & campaigns",
        stage: 0,
        owner: "marketing",
        channel: "email",
        moment: "our latest campaign",
        share: 4.0,
        offset: 2.0,
    },
    Touchpoint {
        slug: "website",
        name: "Website",
        stage: 0,
        owner: "it",
        channel: "digital",
        moment: "your visit to our website",
        share: 8.0,
        offset: 0.0,
    },
    Touchpoint {
        slug: "sales-call",
        name: "Sales call",
        stage: 1,
        owner: "sales",
        channel: "phone",
        moment: "your call with our sales team",
        share: 6.0,
        offset: 8.0,
    },
    Touchpoint {
        slug: "quote",
        name: "Quote",
        stage: 1,
        owner: "sales",
        channel: "email",
        moment: "the quote you received",
        share: 4.0,
        offset: 4.0,
    },
    Touchpoint {
        slug: "contract",
        name: "Contract",
        stage: 1,
        owner: "legal",
        channel: "document",
        moment: "your contract",
        share: 5.0,
        offset: -8.0,
    },
    Touchpoint {
        slug: "terms-and-policies",
        name: "Terms & policies",
        stage: 1,
        owner: "legal",
        channel: "document",
        moment: "our terms and policies",
        share: 2.0,
        offset: -10.0,
    },
    Touchpoint {
        slug: "onboarding",
        name: "Onboarding",
        stage: 2,
        owner: "operations",
        channel: "email",
        moment: "your welcome and onboarding",
        share: 5.0,
        offset: 4.0,
    },
    Touchpoint {
        slug: "installation",
        name: "Installation",
        stage: 2,
        owner: "operations",
        channel: "in-person",
        moment: "the installation visit",
        share: 6.0,
        offset: 2.0,
    },
    Touchpoint {
        slug: "mobile-app",
        name: "Mobile app",
        stage: 3,
        owner: "it",
        channel: "digital",
        moment: "our mobile app",
        share: 7.0,
        offset: 0.0,
    },
    Touchpoint {
        slug: "customer-portal",
        name: "Customer portal",
        stage: 3,
        owner: "it",
        channel: "digital",
        moment: "the customer portal",
        share: 7.0,
        offset: -2.0,
    },
    Touchpoint {
        slug: "chatbot",
        name: "Chatbot",
        stage: 3,
        owner: "it",
        channel: "digital",
        moment: "your chat with our assistant",
        share: 3.0,
        offset: -4.0,
    },
    Touchpoint {
        slug: "support-call",
        name: "Support call",
        stage: 3,
        owner: "customer-service",
        channel: "phone",
        moment: "your call to our support line",
        share: 9.0,
        offset: 0.0,
    },
    Touchpoint {
        slug: "service-visit",
        name: "Service visit",
        stage: 3,
        owner: "operations",
        channel: "in-person",
        moment: "the repair visit",
        share: 4.0,
        offset: 6.0,
    },
    Touchpoint {
        slug: "invoice",
        name: "Invoice",
        stage: 4,
        owner: "finance",
        channel: "document",
        moment: "your latest invoice",
        share: 9.0,
        offset: 0.0,
    },
    Touchpoint {
        slug: "payment-plan",
        name: "Payment plan",
        stage: 4,
        owner: "finance",
        channel: "phone",
        moment: "arranging your payment plan",
        share: 3.0,
        offset: 6.0,
    },
    Touchpoint {
        slug: "renewal-letter",
        name: "Renewal letter",
        stage: 4,
        owner: "legal",
        channel: "document",
        moment: "your renewal letter",
        share: 4.0,
        offset: -6.0,
    },
];

/// The relationship survey's share of customer responses, beside the touchpoint shares.
pub const RELATIONSHIP_SHARE: f64 = 16.0;

pub const INVOICE: &str = "invoice";

pub fn is_digital(touchpoint: &Touchpoint) -> bool {
    touchpoint.channel == "digital"
}

/// Departments rated by internal surveys, with their share of internal responses.
pub const RATED: &[(&str, f64)] = &[
    ("it", 35.0),
    ("hr", 20.0),
    ("finance", 20.0),
    ("legal", 10.0),
    ("operations", 15.0),
];

/// Customer segments by value, with their share of responses and NPS offset.
pub const SEGMENTS: &[(&str, f64, f64)] = &[
    ("enterprise", 15.0, 6.0),
    ("smb", 35.0, 2.0),
    ("consumer", 50.0, -3.0),
];

pub struct Theme {
    pub name: &'static str,
    pub owner: &'static str,
    pub keywords: &'static [&'static str],
}

pub const THEMES: &[Theme] = &[
    Theme {
        name: "Invoices & billing",
        owner: "finance",
        keywords: &[
            "invoic*",
            "bill",
            "bills",
            "billing",
            "billed",
            "charge*",
            "overcharg*",
            "refund*",
            "direct debit",
            "meter reading*",
        ],
    },
    Theme {
        name: "Contracts & terms",
        owner: "legal",
        keywords: &[
            "contract*",
            "terms",
            "small print",
            "fine print",
            "renewal*",
            "cancellation fee*",
            "notice period",
            "clause*",
            "legalese",
        ],
    },
    Theme {
        name: "Login & access",
        owner: "it",
        keywords: &[
            "login",
            "log in",
            "logged out",
            "password*",
            "locked out",
            "verification code*",
            "two-factor",
            "sign in",
        ],
    },
    Theme {
        name: "App & website",
        owner: "it",
        keywords: &[
            "app",
            "website",
            "portal",
            "crash*",
            "chatbot",
            "bot",
            "pages",
            "online",
            "error message*",
        ],
    },
    Theme {
        name: "Outages",
        owner: "operations",
        keywords: &[
            "outage*",
            "power cut*",
            "blackout*",
            "no power",
            "no heating",
            "interruption*",
            "downtime",
        ],
    },
    Theme {
        name: "Waiting times",
        owner: "customer-service",
        keywords: &[
            "on hold",
            "wait",
            "waited",
            "waiting",
            "queue*",
            "call back",
            "callback*",
            "took ages",
            "no answer",
        ],
    },
    Theme {
        name: "Staff friendliness",
        owner: "hr",
        keywords: &[
            "unfriendly",
            "rude",
            "impolite",
            "friendly",
            "attitude",
            "staff",
            "agent",
            "agents",
            "courteous",
            "patient",
        ],
    },
    Theme {
        name: "Installation & onboarding",
        owner: "operations",
        keywords: &[
            "install*",
            "engineer*",
            "technician*",
            "appointment*",
            "onboarding",
            "welcome pack",
            "paperwork",
            "smart meter*",
        ],
    },
    Theme {
        name: "Sales approach",
        owner: "sales",
        keywords: &[
            "pushy",
            "salesperson",
            "sales rep*",
            "upsell*",
            "pressure*",
            "misled",
            "hard sell",
            "advisor",
            "advice",
        ],
    },
    Theme {
        name: "Advertising clarity",
        owner: "marketing",
        keywords: &[
            "advert*",
            "ad",
            "ads",
            "campaign*",
            "promo*",
            "flyer*",
            "commercial*",
            "misleading",
            "headline price",
        ],
    },
];

pub struct ContactReason {
    pub slug: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    /// Share of all service contacts at the start of the demo period.
    pub share: f64,
}

pub const CONTACT_REASONS: &[ContactReason] = &[
    ContactReason {
        slug: "unclear-invoice",
        name: "Unclear invoice",
        department: "finance",
        share: 16.0,
    },
    ContactReason {
        slug: "billing-error",
        name: "Billing error",
        department: "finance",
        share: 9.0,
    },
    ContactReason {
        slug: "contract-question",
        name: "Question about the contract",
        department: "legal",
        share: 8.0,
    },
    ContactReason {
        slug: "login-problem",
        name: "Cannot log in",
        department: "it",
        share: 14.0,
    },
    ContactReason {
        slug: "app-error",
        name: "App or website error",
        department: "it",
        share: 8.0,
    },
    ContactReason {
        slug: "installation-delay",
        name: "Installation delayed",
        department: "operations",
        share: 10.0,
    },
    ContactReason {
        slug: "outage-report",
        name: "Outage report",
        department: "operations",
        share: 9.0,
    },
    ContactReason {
        slug: "wrong-advice",
        name: "Wrong advice from sales",
        department: "sales",
        share: 6.0,
    },
    ContactReason {
        slug: "promotion-confusion",
        name: "Confusing promotion",
        department: "marketing",
        share: 6.0,
    },
    ContactReason {
        slug: "missed-callback",
        name: "Missed callback",
        department: "customer-service",
        share: 9.0,
    },
    ContactReason {
        slug: "staff-complaint",
        name: "Complaint about staff conduct",
        department: "hr",
        share: 5.0,
    },
];

pub struct Channel {
    pub slug: &'static str,
    pub name: &'static str,
    pub unit_cost_cents: i64,
}

pub const CHANNELS: &[Channel] = &[
    Channel {
        slug: "phone",
        name: "Phone",
        unit_cost_cents: 650,
    },
    Channel {
        slug: "email",
        name: "E-mail",
        unit_cost_cents: 420,
    },
    Channel {
        slug: "chat",
        name: "Chat",
        unit_cost_cents: 280,
    },
    Channel {
        slug: "web-form",
        name: "Web form",
        unit_cost_cents: 150,
    },
];
