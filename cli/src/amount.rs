//! Token amounts as people write them (`1.5` of a 6-decimal mint) ⇄ raw base units, exactly.

/// Parses `text` (`12`, `12.5`, `0.000001`) into base units of a mint with `decimals`.
pub fn parse(text: &str, decimals: u8) -> anyhow::Result<u64> {
    let bad = || anyhow::anyhow!("{text:?} is not an amount (e.g. 12 or 12.5)");
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(bad());
    }
    if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if fraction.len() > usize::from(decimals) {
        anyhow::bail!("{text:?} has more than {decimals} decimals, the mint's precision");
    }
    let scale = 10u128.pow(u32::from(decimals));
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let padded = format!("{fraction:0<width$}", width = usize::from(decimals));
    let fraction: u128 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| bad())? };
    let raw = whole.checked_mul(scale).and_then(|w| w.checked_add(fraction));
    raw.and_then(|r| u64::try_from(r).ok())
        .ok_or_else(|| anyhow::anyhow!("{text:?} is too large for a token amount"))
}

/// Formats base units with `decimals` (trailing zeros kept: `1.500000`).
pub fn format(raw: u64, decimals: u8) -> String {
    if decimals == 0 {
        return raw.to_string();
    }
    let scale = 10u64.pow(u32::from(decimals));
    format!("{}.{:0width$}", raw / scale, raw % scale, width = usize::from(decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse("12", 6).expect("ok"), 12_000_000);
        assert_eq!(parse("12.5", 6).expect("ok"), 12_500_000);
        assert_eq!(parse("0.000001", 6).expect("ok"), 1);
        assert_eq!(parse(".5", 6).expect("ok"), 500_000);
        assert_eq!(parse("7.", 0).expect("ok"), 7);
        assert_eq!(parse("18446744073709.551615", 6).expect("ok"), u64::MAX);
    }

    #[test]
    fn refuses_what_it_cannot_represent() {
        assert_eq!(
            parse("0.0000001", 6).expect_err("precision").to_string(),
            "\"0.0000001\" has more than 6 decimals, the mint's precision"
        );
        assert_eq!(
            parse("18446744073709.551616", 6).expect_err("overflow").to_string(),
            "\"18446744073709.551616\" is too large for a token amount"
        );
        for bad in ["", ".", "-1", "1e3", "1,5", "abc"] {
            assert_eq!(
                parse(bad, 6).expect_err(bad).to_string(),
                format!("{bad:?} is not an amount (e.g. 12 or 12.5)")
            );
        }
    }

    #[test]
    fn formats_with_the_mint_precision() {
        assert_eq!(format(12_500_000, 6), "12.500000");
        assert_eq!(format(1, 6), "0.000001");
        assert_eq!(format(42, 0), "42");
    }
}
