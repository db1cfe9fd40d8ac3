//! The story the demo data tells, as pure functions of `x`, the fraction of the 24 months
//! gone (0 at the start, 1 today): customer NPS climbs about thirty points, employees get
//! happier first, the IT portal relaunch halfway lifts the digital touchpoints, and the
//! invoice drags and even dips over the last six months.

use super::catalogue::{self, Touchpoint};

/// When the IT portal was relaunched (month 12).
pub const RELAUNCH: f64 = 0.5;
/// When the new invoice layout went out (the last six months).
pub const INVOICE_CHANGE: f64 = 0.75;

const PASSIVE_SHARE: f64 = 0.3;

/// How likely a response is a promoter or a detractor; the rest are passives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    pub promoter: f64,
    pub detractor: f64,
}

impl Mix {
    /// The mix whose expected NPS is `nps`, with about 30 % passives.
    pub fn for_nps(nps: f64) -> Self {
        let decided = 1.0 - PASSIVE_SHARE;
        let net = (nps / 100.0).clamp(-decided + 0.04, decided - 0.04);
        Self {
            promoter: (decided + net) / 2.0,
            detractor: (decided - net) / 2.0,
        }
    }
}

/// Expected customer NPS of a touchpoint's survey (`None`: the relationship survey).
pub fn customer_nps(touchpoint: Option<&Touchpoint>, x: f64) -> f64 {
    let common = -3.0 + 30.0 * x;
    match touchpoint {
        None => common,
        Some(t) if t.slug == catalogue::INVOICE => invoice_nps(x),
        Some(t) if catalogue::is_digital(t) => common + t.offset + digital_lift(x),
        Some(t) => common + t.offset,
    }
}

/// Far below everything else all along, and worse after the new invoice layout.
fn invoice_nps(x: f64) -> f64 {
    -20.0 - 14.0 * (x - INVOICE_CHANGE).max(0.0) / (1.0 - INVOICE_CHANGE)
}

/// Digital touchpoints lag until the portal relaunch, then improve fastest.
fn digital_lift(x: f64) -> f64 {
    -8.0 + 40.0 * (x - RELAUNCH).max(0.0)
}

/// Expected eNPS of a department's employees: happy employees come first.
pub fn enps(department_offset: f64, x: f64) -> f64 {
    5.0 + 20.0 * x + department_offset
}

/// Expected internal NPS of a rated department, as its internal customers see it.
pub fn internal_nps(rated: &str, x: f64) -> f64 {
    match rated {
        "it" => -10.0 + 50.0 * (x - RELAUNCH).max(0.0),
        "hr" => 5.0 + 15.0 * x,
        "finance" => -5.0 - 10.0 * (x - INVOICE_CHANGE).max(0.0) / (1.0 - INVOICE_CHANGE),
        "legal" => -20.0 + 20.0 * x,
        _ => 10.0 + 10.0 * x,
    }
}

/// How much more (or less) often a contact reason occurs than at the start.
pub fn contact_multiplier(reason: &str, x: f64) -> f64 {
    match reason {
        "unclear-invoice" => 1.0 + 1.6 * (x - INVOICE_CHANGE).max(0.0) / (1.0 - INVOICE_CHANGE),
        "login-problem" => 1.0 - 1.2 * (x - RELAUNCH).max(0.0),
        "app-error" => 1.0 - 0.8 * (x - RELAUNCH).max(0.0),
        _ => 1.0 - 0.2 * x,
    }
}

/// How contacts spread over channels: chat takes over from the phone once the relaunched
/// portal offers it everywhere.
pub fn channel_share(channel: &str, x: f64) -> f64 {
    let chat = 18.0 + 30.0 * (x - RELAUNCH).max(0.0);
    match channel {
        "phone" => 45.0 - chat / 2.0,
        "chat" => chat,
        "email" => 25.0,
        _ => 12.0,
    }
}

/// Relative weight of each local hour of the day: business hours and early evenings.
pub const HOURS: [f64; 24] = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 4.0, 4.5, 4.5, 4.0, 4.2, 4.3, 4.0, 3.6, 3.0, 2.8,
    3.2, 3.4, 2.6, 1.4, 0.6,
];

/// Relative volume per weekday, Monday first; the mean is 1.
pub const WEEKDAYS: [f64; 7] = [1.15, 1.15, 1.1, 1.1, 1.05, 0.8, 0.65];

/// Detractor scores lean towards 3–6; nobody in a real programme answers mostly zeros.
pub const DETRACTOR_SCORES: [f64; 7] = [3.0, 2.0, 3.0, 6.0, 8.0, 12.0, 14.0];

#[cfg(test)]
mod tests {
    use super::*;

    fn touchpoint(slug: &str) -> &'static Touchpoint {
        catalogue::TOUCHPOINTS
            .iter()
            .find(|t| t.slug == slug)
            .unwrap()
    }

    fn nps(mix: Mix) -> f64 {
        100.0 * (mix.promoter - mix.detractor)
    }

    fn organisation_nps(x: f64) -> f64 {
        let weighted: f64 = catalogue::TOUCHPOINTS
            .iter()
            .map(|t| t.share * nps(Mix::for_nps(customer_nps(Some(t), x))))
            .sum::<f64>()
            + catalogue::RELATIONSHIP_SHARE * customer_nps(None, x);
        let total: f64 = catalogue::TOUCHPOINTS.iter().map(|t| t.share).sum::<f64>()
            + catalogue::RELATIONSHIP_SHARE;
        weighted / total
    }

    #[test]
    fn a_mix_reproduces_its_nps_and_stays_a_distribution() {
        for target in [-80.0, -20.0, 0.0, 35.0, 90.0] {
            let mix = Mix::for_nps(target);
            assert!(
                mix.promoter > 0.0 && mix.detractor > 0.0 && mix.promoter + mix.detractor < 1.0
            );
            if target.abs() < 60.0 {
                assert!((nps(mix) - target).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn customer_nps_rises_about_thirty_points() {
        let (start, end) = (organisation_nps(0.02), organisation_nps(0.98));
        assert!((-8.0..=-2.0).contains(&start), "start {start}");
        assert!((22.0..=28.0).contains(&end), "end {end}");
    }

    #[test]
    fn the_invoice_drags_and_dips_while_digital_takes_off_after_the_relaunch() {
        let invoice = touchpoint("invoice");
        assert!(customer_nps(Some(invoice), 0.99) < customer_nps(Some(invoice), 0.7) - 10.0);
        assert!(customer_nps(Some(invoice), 0.9) < organisation_nps(0.9) - 35.0);
        let (app, call) = (touchpoint("mobile-app"), touchpoint("support-call"));
        let gain = |t| customer_nps(Some(t), 1.0) - customer_nps(Some(t), RELAUNCH);
        assert!(gain(app) > gain(call) + 15.0);
    }
}
