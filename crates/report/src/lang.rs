//! The report's language and number formats: every word the report shows
//! is chosen here or beside it with [`Lang::t`], and every number goes
//! through [`int`], [`score`] or [`pct`] (thousands separators, exact
//! scores).

use serde::{Deserialize, Serialize};

use crate::model::Instance;

/// The language of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese (中文).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The text in this language.
    pub fn t<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// What stands between a label and its value: `: ` in English, the
    /// full-width `：` in Chinese.
    pub fn colon(self) -> &'static str {
        self.t(": ", "：")
    }

    /// The `lang` attribute of the HTML page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The instance's own language: Chinese when a city, institution,
    /// expert name or application title holds a CJK character, else
    /// English.
    pub fn of_instance(inst: &Instance) -> Lang {
        let names = inst
            .cities
            .names()
            .iter()
            .chain(inst.institutions.names())
            .map(String::as_str)
            .chain(inst.experts.iter().filter_map(|e| e.name.as_deref()))
            .chain(inst.applications.iter().filter_map(|a| a.title.as_deref()));
        for n in names {
            if n.chars().any(is_cjk) {
                return Lang::Zh;
            }
        }
        Lang::En
    }
}

/// True for a CJK ideograph (the unified blocks and extension A).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Groups the digits of a whole number by thousands: `15300` → `15,300`.
pub fn group(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators.
pub fn int(n: impl Into<u64>) -> String {
    group(&n.into().to_string())
}

/// A count given as `usize`, with thousands separators.
pub fn count(n: usize) -> String {
    group(&n.to_string())
}

/// A score in millionths, exact, with thousands separators:
/// `1234567.5` → `1,234,567.5`.
pub fn score(micro: i64) -> String {
    let s = crate::verify::fmt_micro(micro);
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s.as_str()),
    };
    let (whole, frac) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    match frac {
        Some(f) => format!("{sign}{}.{f}", group(whole)),
        None => format!("{sign}{}", group(whole)),
    }
}

/// A number a file claims (objective, bound), with separators when it is
/// a score in millionths, as written otherwise.
pub fn claimed(x: f64) -> String {
    if !x.is_finite() || x.abs() >= 1e12 {
        return format!("{x}");
    }
    let micro = (x * 1e6).round();
    if (micro / 1e6 - x).abs() <= 1e-9 * x.abs().max(1.0) {
        score(micro as i64)
    } else {
        format!("{x}")
    }
}

/// A share as a percentage with one decimal: `0.18` → `18.0%`.
pub fn pct(x: f64) -> String {
    let s = format!("{:.1}", x * 100.0);
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
    let (sign, whole) = match whole.strip_prefix('-') {
        Some(w) => ("-", w),
        None => ("", whole),
    };
    format!("{sign}{}.{frac}%", group(whole))
}

/// A plain decimal (a policy value such as `0.05`), shortest form.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        group(&format!("{}", x as i64))
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        assert_eq!(int(15300u64), "15,300");
        assert_eq!(int(999u64), "999");
        assert_eq!(int(1000u64), "1,000");
        assert_eq!(score(1_234_567_500_000), "1,234,567.5");
        assert_eq!(score(-135_000), "-0.135");
        assert_eq!(pct(0.5), "50.0%");
        assert_eq!(pct(12.3456), "1,234.6%");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(3.0), "3");
        assert_eq!(claimed(1313.445), "1,313.445");
        assert_eq!(claimed(0.1234567), "0.1234567");
    }
}
