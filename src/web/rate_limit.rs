//! In-memory rate limits (GCRA, from the governor crate) per client network and per API
//! token. Per replica: with several replicas behind a balancer each allows its share.
//! IPv6 clients are keyed by their /64, since one client usually holds a whole /64.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use uuid::Uuid;

pub struct RateLimits {
    login: DefaultKeyedRateLimiter<IpAddr>,
    api: DefaultKeyedRateLimiter<Uuid>,
    survey_per_client: DefaultKeyedRateLimiter<IpAddr>,
    survey_total: DefaultKeyedRateLimiter<Uuid>,
}

/// Requests per minute for each limit.
pub struct Budgets {
    pub login: u32,
    pub api: u32,
    pub survey_per_client: u32,
    pub survey_total: u32,
}

impl RateLimits {
    pub fn new(budgets: Budgets) -> Self {
        let per_minute =
            |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self {
            login: RateLimiter::keyed(per_minute(budgets.login)),
            api: RateLimiter::keyed(per_minute(budgets.api)),
            survey_per_client: RateLimiter::keyed(per_minute(budgets.survey_per_client)),
            survey_total: RateLimiter::keyed(per_minute(budgets.survey_total)),
        }
    }

    /// `Err(seconds)` to wait when this client, or this survey as a whole, has used up
    /// its answers (ballot stuffing from one place, or from many).
    pub fn survey(&self, ip: IpAddr, survey: Uuid) -> Result<(), u64> {
        Self::check(&self.survey_per_client, &client_key(ip))?;
        Self::check(&self.survey_total, &survey)
    }

    /// `Err(seconds)` to wait when this client has used up its login attempts.
    pub fn login(&self, ip: IpAddr) -> Result<(), u64> {
        Self::check(&self.login, &client_key(ip))
    }

    /// Forgets idle keys, so the maps stay as small as the set of recent clients.
    pub fn prune(&self) {
        self.login.retain_recent();
        self.login.shrink_to_fit();
        self.api.retain_recent();
        self.api.shrink_to_fit();
        self.survey_per_client.retain_recent();
        self.survey_per_client.shrink_to_fit();
        self.survey_total.retain_recent();
        self.survey_total.shrink_to_fit();
    }

    /// `Err(seconds)` to wait when this token has used up its requests.
    pub fn api(&self, token: Uuid) -> Result<(), u64> {
        Self::check(&self.api, &token)
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), u64> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The address a limit applies to: IPv4 as is, IPv6 by its /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_login_in_a_minute_is_refused_with_a_wait() {
        let limits = RateLimits::new(Budgets {
            login: 10,
            api: 600,
            survey_per_client: 30,
            survey_total: 600,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            assert!(limits.login(ip).is_ok());
        }
        let wait = limits.login(ip).unwrap_err();
        assert!((1..=6).contains(&wait), "{wait}");
        assert!(
            limits.login("192.0.2.2".parse().unwrap()).is_ok(),
            "other clients are unaffected"
        );
    }
}
