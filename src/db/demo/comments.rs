//! The "why" corpus of the demo: what customers, employees and colleagues write next to
//! their score. Detractor and passive comments name a concrete problem in words a theme
//! picks up; promoter comments praise.

pub struct Pool {
    pub detractor: &'static [&'static str],
    pub passive: &'static [&'static str],
    pub promoter: &'static [&'static str],
}

impl Pool {
    pub fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.detractor
            .iter()
            .chain(self.passive)
            .chain(self.promoter)
            .copied()
    }
}

/// The pool for a customer survey on `touchpoint` (a slug), or the relationship survey.
pub fn customer(touchpoint: Option<&str>) -> &'static Pool {
    match touchpoint {
        Some("advertising") => &ADVERTISING,
        Some("website") => &WEBSITE,
        Some("sales-call") => &SALES_CALL,
        Some("quote") => &QUOTE,
        Some("contract") => &CONTRACT,
        Some("terms-and-policies") => &TERMS,
        Some("onboarding") => &ONBOARDING,
        Some("installation") => &INSTALLATION,
        Some("mobile-app") => &MOBILE_APP,
        Some("customer-portal") => &PORTAL,
        Some("chatbot") => &CHATBOT,
        Some("support-call") => &SUPPORT_CALL,
        Some("service-visit") => &SERVICE_VISIT,
        Some("invoice") => &INVOICE,
        Some("payment-plan") => &PAYMENT_PLAN,
        Some("renewal-letter") => &RENEWAL_LETTER,
        _ => &RELATIONSHIP,
    }
}

/// The pool for an internal survey rating `department` (a slug).
pub fn internal(department: &str) -> &'static Pool {
    match department {
        "it" => &INTERNAL_IT,
        "hr" => &INTERNAL_HR,
        "finance" => &INTERNAL_FINANCE,
        "legal" => &INTERNAL_LEGAL,
        _ => &INTERNAL_OPERATIONS,
    }
}

pub const EMPLOYEE: Pool = Pool {
    detractor: &[
        "Too much workload since the reorganisation, and nobody listens.",
        "Our systems crash all day and we apologise to customers for it.",
        "We are understaffed; customers wait on hold while we are in meetings.",
        "Pay is below market and the bonus rules change every year.",
        "Management talks about customers but measures us on call length.",
    ],
    passive: &[
        "Good colleagues, but career paths are unclear.",
        "Fine place to work, too many meetings.",
        "The CX training was useful; now give us the time to apply it.",
    ],
    promoter: &[
        "Great colleagues and a clear purpose.",
        "The customer experience programme made me proud of what we do.",
        "Flexible hours and a manager who actually listens.",
        "I can see how my work helps customers, and I get recognised for it.",
    ],
};

const RELATIONSHIP: Pool = Pool {
    detractor: &[
        "Invoices I cannot understand and nobody who can explain them.",
        "Two power cuts this winter and no information at all.",
        "Every time I call I am on hold for half an hour.",
        "Your app crashes and the website logs me out constantly.",
        "Hidden terms in the contract cost me a cancellation fee.",
        "I was billed twice and still wait for my refund.",
    ],
    passive: &[
        "Decent supplier, but the bills are too complicated.",
        "Energy is fine, the app could be better.",
        "OK overall, though waiting times on the phone are long.",
    ],
    promoter: &[
        "Reliable energy and friendly staff when I need them.",
        "Fair prices and everything works online.",
        "They solved my problem in one call. Great service.",
        "Green energy, a clear app and no surprises.",
    ],
};

const ADVERTISING: Pool = Pool {
    detractor: &[
        "The ad promised a price I never got.",
        "Misleading campaign: the headline price was only for the first month.",
        "The promotion conditions were impossible to find.",
        "Your commercials are everywhere but say nothing about the real cost.",
    ],
    passive: &[
        "Nice adverts, but the offer was not clear to me.",
        "The flyer was fine, a bit too much marketing talk.",
    ],
    promoter: &[
        "The campaign explained green energy in plain words.",
        "Clear promotion, and I got exactly what the ad said.",
        "Honest advertising for once.",
    ],
};

const WEBSITE: Pool = Pool {
    detractor: &[
        "The website is slow and half the pages give an error message.",
        "I could not find the tariffs anywhere on the website.",
        "Website crashed twice while I was signing up online.",
        "Could not log in on the website; the password reset never arrived.",
    ],
    passive: &[
        "The website works but it is cluttered.",
        "Found what I needed online eventually.",
    ],
    promoter: &[
        "Clear website, I compared the plans in five minutes.",
        "Signing up online took two minutes.",
        "The new website is fast and easy to use.",
    ],
};

const SALES_CALL: Pool = Pool {
    detractor: &[
        "Pushy salesperson who would not take no for an answer.",
        "The sales rep upsold me a plan I do not need.",
        "I felt under pressure to sign during the call.",
        "The advisor misled me about the fixed price.",
    ],
    passive: &[
        "Good advice, but the call took too long.",
        "The advisor was fine, some answers were vague.",
    ],
    promoter: &[
        "Helpful advisor who found the cheapest plan for me.",
        "No hard sell, just honest advice.",
        "Friendly and knowledgeable sales team.",
    ],
};

const QUOTE: Pool = Pool {
    detractor: &[
        "The quote did not match the price in the advert.",
        "The quote hid the standing charge in the small print.",
        "I waited a week for my quote.",
    ],
    passive: &[
        "The quote was correct but hard to compare.",
        "Reasonable quote, the monthly charge could be clearer.",
    ],
    promoter: &[
        "Clear quote with every cost spelled out.",
        "Quote arrived within the hour and was spot on.",
    ],
};

const CONTRACT: Pool = Pool {
    detractor: &[
        "Twelve pages of contract legalese for a simple energy plan.",
        "The contract small print contradicts what the salesperson told me.",
        "Nobody could explain the cancellation fee clause in my contract.",
        "The contract says nothing clear about the notice period.",
        "I had to sign the contract before I could read the terms.",
    ],
    passive: &[
        "The contract is long but complete.",
        "Contract was OK, some clauses are hard to follow.",
    ],
    promoter: &[
        "Short contract in plain language. Refreshing.",
        "The contract summary on one page is excellent.",
        "Signed the contract online in minutes.",
    ],
};

const TERMS: Pool = Pool {
    detractor: &[
        "The terms are written by lawyers for lawyers.",
        "Your terms changed and nobody told me.",
        "Fine print everywhere; I do not trust these terms.",
    ],
    passive: &[
        "Terms are fine, just too long.",
        "The privacy policy was clear, the other terms less so.",
    ],
    promoter: &[
        "Terms in plain language, finally.",
        "I appreciate the short summary of the terms.",
    ],
};

const ONBOARDING: Pool = Pool {
    detractor: &[
        "Onboarding meant three forms of paperwork asking the same thing.",
        "The welcome pack arrived after my first bill.",
        "Onboarding took weeks and nobody told me what was happening.",
        "Too much paperwork just to switch supplier.",
    ],
    passive: &[
        "Onboarding was OK, the welcome pack was a bit long.",
        "Switching worked, but the paperwork was a hassle.",
    ],
    promoter: &[
        "Smooth onboarding, everything arranged for me.",
        "Clear welcome pack and a personal contact. Great start.",
        "Switching was effortless.",
    ],
};

const INSTALLATION: Pool = Pool {
    detractor: &[
        "The engineer did not show up and nobody called.",
        "Installation of my smart meter was delayed three times.",
        "Waited all day for an appointment that was cancelled at 5 pm.",
        "The technician left a mess and the meter still does not work.",
        "Installation delays for six weeks. Unacceptable.",
    ],
    passive: &[
        "The installation went fine, the appointment window was too wide.",
        "Engineer was friendly but came two hours late.",
    ],
    promoter: &[
        "The engineer was on time, tidy and explained everything.",
        "Smart meter installed in an hour. Excellent.",
        "Friendly technician who took his time to answer my questions.",
    ],
};

const MOBILE_APP: Pool = Pool {
    detractor: &[
        "The app crashes every time I open my usage.",
        "App logs me out constantly and the password reset fails.",
        "Cannot log in to the app since the last update.",
        "The app shows an error message when I submit a meter reading.",
        "The app is slow and the charts never load.",
    ],
    passive: &[
        "The app works but it is slow.",
        "Useful app, the login is annoying.",
    ],
    promoter: &[
        "Great app, I see my usage every day.",
        "The new app is fast and simple.",
        "Love the app; submitting a meter reading takes seconds.",
        "Best energy app I have used.",
    ],
};

const PORTAL: Pool = Pool {
    detractor: &[
        "Locked out of the portal again after the password change.",
        "The portal verification code never arrives.",
        "The portal is down every other evening.",
        "I cannot find my invoices in the portal.",
        "The portal login fails on every browser.",
    ],
    passive: &[
        "The portal does the job, but it is clunky.",
        "The portal is OK once you manage to log in.",
    ],
    promoter: &[
        "The relaunched portal is a big improvement.",
        "Everything I need in one portal, and it just works.",
        "Changing my details online took one minute.",
    ],
};

const CHATBOT: Pool = Pool {
    detractor: &[
        "The chatbot does not understand a single question.",
        "The bot kept looping and never passed me to an agent.",
        "Useless chatbot, I had to call anyway and wait on hold.",
    ],
    passive: &[
        "The chatbot answered the simple question, not the real one.",
        "Chat was OK, the agent took a while to join.",
    ],
    promoter: &[
        "The chatbot solved my question in a minute.",
        "Quick chat, friendly agent when the bot got stuck.",
    ],
};

const SUPPORT_CALL: Pool = Pool {
    detractor: &[
        "On hold for forty minutes before anyone answered.",
        "The agent was rude and hung up on me.",
        "They promised a call back that never came.",
        "Transferred four times, waiting each time.",
        "Unfriendly staff who clearly did not want to help.",
        "The queue message said five minutes; I waited half an hour.",
    ],
    passive: &[
        "The agent helped me, but the wait was long.",
        "Problem solved after the second call.",
        "Friendly agent, but I had to explain everything twice.",
    ],
    promoter: &[
        "Friendly agent who solved everything in one call.",
        "Very patient and courteous staff.",
        "Quick answer and no waiting at all.",
        "The agent called back exactly when promised.",
    ],
};

const SERVICE_VISIT: Pool = Pool {
    detractor: &[
        "Two days with no power before an engineer came.",
        "The outage was fixed but nobody told us how long it would take.",
        "Third power cut this month and the technician blamed the weather.",
        "No heating for a weekend while we waited for the repair.",
    ],
    passive: &[
        "The repair was fine, the communication during the outage was poor.",
        "The engineer fixed it, but the appointment was hard to get.",
    ],
    promoter: &[
        "The engineer fixed the outage within the hour.",
        "Fast repair and clear updates by text message.",
        "Friendly technician, problem solved the same day.",
    ],
};

const INVOICE: Pool = Pool {
    detractor: &[
        "I cannot understand my invoice at all.",
        "The invoice shows charges I never agreed to.",
        "Billed twice this month and still no refund.",
        "Since the new invoice layout I cannot see what I actually pay.",
        "The estimated meter reading on my bill is way off.",
        "The direct debit was charged before the invoice even arrived.",
        "Invoice full of codes and abbreviations nobody explains.",
        "Overcharged again; third billing error this year.",
    ],
    passive: &[
        "The invoice is correct but hard to read.",
        "Bills are OK, I would like a simpler overview.",
        "The invoice arrived late but the amount was right.",
    ],
    promoter: &[
        "Clear invoice, no surprises.",
        "The invoice explains my usage well.",
        "Correct bill every month, that is all I want.",
    ],
};

const PAYMENT_PLAN: Pool = Pool {
    detractor: &[
        "The payment plan was changed without telling me and I was charged extra.",
        "Had to wait two weeks to get a payment plan approved.",
        "Three calls to arrange a simple payment plan for my bill.",
    ],
    passive: &[
        "The payment plan works, the letter about it was confusing.",
        "Fair plan, but the phone wait was long.",
    ],
    promoter: &[
        "Understanding staff who arranged a payment plan that fits my budget.",
        "Quick and friendly help when I could not pay my bill.",
        "Fair payment plan, no judgement.",
    ],
};

const RENEWAL_LETTER: Pool = Pool {
    detractor: &[
        "The renewal letter hides the price increase on page three.",
        "Renewal terms changed and the letter did not say so clearly.",
        "I could not understand the renewal letter; it is pure legalese.",
        "Automatic renewal at a higher price. Not happy.",
    ],
    passive: &[
        "The renewal letter was fine but long.",
        "Renewal was OK, the new terms could be clearer.",
    ],
    promoter: &[
        "Clear renewal letter with my options side by side.",
        "Renewal was easy and the price stayed fair.",
    ],
};

const INTERNAL_IT: Pool = Pool {
    detractor: &[
        "The CRM crashes during customer calls.",
        "Password resets take a day; agents sit idle.",
        "Laptop requests take weeks and nobody answers the ticket.",
        "The portal outage left us answering angry calls all evening.",
    ],
    passive: &[
        "IT helps in the end, but tickets wait too long.",
        "The new service desk is better, still slow on hardware.",
    ],
    promoter: &[
        "The new service desk answers within minutes.",
        "IT relaunched the portal and our call volumes dropped.",
        "Great support when we changed our phone system.",
    ],
};

const INTERNAL_HR: Pool = Pool {
    detractor: &[
        "Hiring takes months while our queues grow.",
        "New agents start without any training on our products.",
        "Staff turnover is high and HR does not seem to notice.",
    ],
    passive: &[
        "HR is helpful, recruitment could be faster.",
        "Good training catalogue, hard to find time for it.",
    ],
    promoter: &[
        "The CX onboarding for new staff is excellent.",
        "HR found two great engineers for us in a month.",
        "The customer-centric training changed how my team works.",
    ],
};

const INTERNAL_FINANCE: Pool = Pool {
    detractor: &[
        "Billing errors land on our desk and Finance takes weeks to correct them.",
        "Nobody in Finance can explain the new invoice layout to our agents.",
        "Refunds we approve for customers take a month to be paid.",
    ],
    passive: &[
        "Finance is reliable, but slow with refunds.",
        "Budget numbers are correct, just late.",
    ],
    promoter: &[
        "Finance gave us clear budget numbers quickly.",
        "Fast approval of goodwill credits for customers.",
    ],
};

const INTERNAL_LEGAL: Pool = Pool {
    detractor: &[
        "Contract reviews take weeks and block deals.",
        "Legal rejects every change to the contract template.",
        "Our campaigns wait for Legal to approve the small print.",
    ],
    passive: &[
        "Legal is thorough, but slow.",
        "Good advice on terms, turnaround could be faster.",
    ],
    promoter: &[
        "Legal rewrote the contract in plain language; deals close faster.",
        "Quick, practical answers from Legal.",
    ],
};

const INTERNAL_OPERATIONS: Pool = Pool {
    detractor: &[
        "Installation slots are never available for our customers.",
        "Engineers cancel appointments and we hear it from the customer.",
        "No updates during outages, so we cannot inform callers.",
    ],
    passive: &[
        "Planning works, but we lack updates on engineer visits.",
        "Operations is responsive, installation lead times are long.",
    ],
    promoter: &[
        "Planning keeps us informed about every engineer visit.",
        "Outage updates now reach us before the first call.",
    ],
};

/// Every pool, for tagging the corpus with themes once.
pub fn every_pool() -> impl Iterator<Item = &'static Pool> {
    [
        &EMPLOYEE,
        &RELATIONSHIP,
        &ADVERTISING,
        &WEBSITE,
        &SALES_CALL,
        &QUOTE,
        &CONTRACT,
        &TERMS,
        &ONBOARDING,
        &INSTALLATION,
        &MOBILE_APP,
        &PORTAL,
        &CHATBOT,
        &SUPPORT_CALL,
        &SERVICE_VISIT,
        &INVOICE,
        &PAYMENT_PLAN,
        &RENEWAL_LETTER,
        &INTERNAL_IT,
        &INTERNAL_HR,
        &INTERNAL_FINANCE,
        &INTERNAL_LEGAL,
        &INTERNAL_OPERATIONS,
    ]
    .into_iter()
}

/// Each distinct comment once.
pub fn corpus() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = every_pool().flat_map(Pool::all).collect();
    all.sort_unstable();
    all.dedup();
    all
}
