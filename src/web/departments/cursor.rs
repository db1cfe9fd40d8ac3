//! A list's position in a link: `<unix microseconds>.<id>` of the last row seen, for
//! keyset paging over (time, id).

use std::str::FromStr;
use time::OffsetDateTime;

pub fn encode(at: OffsetDateTime, id: impl std::fmt::Display) -> String {
    format!("{}.{id}", at.unix_timestamp_nanos() / 1000)
}

/// None for anything not made by `encode` (a hand-edited link starts from the top).
pub fn decode<I: FromStr>(raw: &str) -> Option<(OffsetDateTime, I)> {
    let (micros, id) = raw.split_once('.')?;
    let micros: i128 = micros.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    // PostgreSQL's timestamps span less than `time`'s: stay within plausible years.
    crate::domain::PLAUSIBLE_YEARS
        .contains(&at.year())
        .then_some(())?;
    Some((at, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_the_round_trip_and_garbage_is_none() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        assert_eq!(decode::<i64>(&encode(at, 42)), Some((at, 42)));
        for raw in [
            "",
            "12",
            "x.1",
            "1.x",
            "170141183460469231731687303715884105727.1",
        ] {
            assert_eq!(decode::<i64>(raw), None, "{raw}");
        }
    }
}
