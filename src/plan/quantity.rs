//! A value as the city writes it: exact decimal, with the number of decimals the plan uses
//! (85.00 % stays 85.00), shown with thousands separators (2,927,767 件).

use bigdecimal::BigDecimal;
use serde::{Serialize, Serializer};
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd)]
pub struct Quantity(pub BigDecimal);

impl Quantity {
    pub fn value(&self) -> &BigDecimal {
        &self.0
    }
}

impl FromStr for Quantity {
    type Err = String;

    /// Accepts the plan's way of writing numbers: `2,927,767`, `82.31`, `-3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let plain: String = s.trim().chars().filter(|c| *c != ',').collect();
        let valid = !plain.is_empty()
            && plain
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && plain.matches('.').count() <= 1
            && !plain.trim_start_matches('-').starts_with('.')
            && !plain.ends_with('.');
        if !valid {
            return Err(format!("{s:?} is not a number"));
        }
        BigDecimal::from_str(&plain)
            .map(Quantity)
            .map_err(|e| format!("{s:?}: {e}"))
    }
}

impl fmt::Display for Quantity {
    /// `2927767` → `2,927,767`; `82.31` → `82.31`; `-1234.5` → `-1,234.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.0.to_plain_string();
        let (sign, digits) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (whole, fraction) = match digits.split_once('.') {
            Some((w, fr)) => (w, Some(fr)),
            None => (digits, None),
        };
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        f.write_str(sign)?;
        f.write_str(&grouped)?;
        if let Some(fraction) = fraction {
            write!(f, ".{fraction}")?;
        }
        Ok(())
    }
}

impl Serialize for Quantity {
    /// A JSON number: an integer where the plan writes one (`2927767`), else a decimal (`92.7`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let plain = self.0.to_plain_string();
        if !plain.contains('.') {
            if let Ok(n) = plain.parse::<i64>() {
                return serializer.serialize_i64(n);
            }
        }
        let n: f64 = plain.parse().map_err(serde::ser::Error::custom)?;
        serializer.serialize_f64(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn shows_numbers_as_the_city_writes_them() {
        assert_eq!(q("2927767").to_string(), "2,927,767");
        assert_eq!(q("2,927,767").to_string(), "2,927,767");
        assert_eq!(q("48340").to_string(), "48,340");
        assert_eq!(q("843").to_string(), "843");
        assert_eq!(q("100").to_string(), "100");
        assert_eq!(q("85.00").to_string(), "85.00");
        assert_eq!(q("0.0").to_string(), "0.0");
        assert_eq!(q("-1234.5").to_string(), "-1,234.5");
        assert_eq!(q("123456").to_string(), "123,456");
    }

    #[test]
    fn serialises_as_json_numbers() {
        assert_eq!(serde_json::to_string(&q("2927767")).unwrap(), "2927767");
        assert_eq!(serde_json::to_string(&q("92.7")).unwrap(), "92.7");
        assert_eq!(serde_json::to_string(&q("85.00")).unwrap(), "85.0");
        assert_eq!(serde_json::to_string(&q("0")).unwrap(), "0");
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in ["", "—", "1.2.3", "12a", ".5", "5.", "--1", "1e5"] {
            assert!(bad.parse::<Quantity>().is_err(), "{bad:?} should not parse");
        }
    }
}
