//! Exact decimal text → whole Wh, for gateways that publish energy as decimal numbers.
//!
//! Floats would round `0.1 kWh` to `100.00000000000001 Wh` or `99.99999999999999 Wh`, and a
//! counter read as one less than it is, then one more, looks like a reset. So the text is
//! converted digit by digit: `value × 10^scale`, extra fractional digits floored (a counter
//! is never overstated), everything else an error.
//!
//! JSON numbers come from `serde_json::Value` (this workspace builds serde_json without
//! `arbitrary_precision`): integers keep every digit, fractions are f64 and print in their
//! shortest round-trip form, which has the digits the gateway sent whenever it sent at most
//! 15 significant digits (f64's guaranteed decimal round trip; meters send 3 to 10).

use serde_json::Value;

/// Why a decimal could not be converted. The messages are shown to operators.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("empty value")]
    Empty,
    #[error("negative value {0:?} (a lifetime counter cannot be negative)")]
    Negative(String),
    #[error("not a decimal number: {0:?}")]
    Malformed(String),
    #[error("value {0:?} does not fit a 64-bit Wh counter")]
    Overflow(String),
    #[error("expected a JSON number, found {0}")]
    NotANumber(String),
}

/// `text × 10^scale`, floored to an integer. `text` is a plain decimal as JSON writes it
/// (`12.345`, `0`, `1.2e3`, `5E-1`), surrounding ASCII whitespace allowed; `scale` is 3 for
/// kWh → Wh and 0 for Wh.
pub fn scaled(text: &str, scale: u32) -> Result<u64, DecimalError> {
    let text = text.trim_ascii();
    let malformed = || DecimalError::Malformed(text.to_string());
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    if text.starts_with('-') {
        return Err(DecimalError::Negative(text.to_string()));
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (mantissa, ""),
    };
    // JSON's grammar: digits before the point, and digits after it when there is one.
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_only(int) || !digits_only(frac) {
        return Err(malformed());
    }
    if mantissa.contains('.') && frac.is_empty() {
        return Err(malformed());
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || !digits_only(unsigned) {
                return Err(malformed());
            }
            // Beyond ±10^9 the exponent is garbage, not a meter value.
            e.parse::<i32>().map_err(|_| malformed())?.into()
        }
    };
    // value = digits × 10^shift, digits being int and frac run together.
    let shift = i64::from(scale) + exponent - i64::try_from(frac.len()).map_err(|_| malformed())?;
    let digits = int.bytes().chain(frac.bytes()).skip_while(|&b| b == b'0');
    let digits: Vec<u8> = digits.collect();
    let kept = if shift >= 0 {
        digits.len()
    } else {
        // Floor: drop the last -shift digits.
        digits.len().saturating_sub(usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX))
    };
    let overflow = || DecimalError::Overflow(text.to_string());
    let mut value: u64 = 0;
    for &d in &digits[..kept] {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(overflow)?;
    }
    if shift > 0 && value != 0 {
        let factor =
            u32::try_from(shift).ok().and_then(|s| 10u64.checked_pow(s)).ok_or_else(overflow)?;
        value = value.checked_mul(factor).ok_or_else(overflow)?;
    }
    Ok(value)
}

/// A JSON value that must be a number, converted as [`scaled`] does.
pub fn json_scaled(value: &Value, scale: u32) -> Result<u64, DecimalError> {
    match value {
        Value::Number(n) => scaled(&n.to_string(), scale),
        Value::Null => Err(DecimalError::NotANumber("null".into())),
        Value::Bool(_) => Err(DecimalError::NotANumber("a boolean".into())),
        Value::String(s) => Err(DecimalError::NotANumber(format!("the string {s:?}"))),
        Value::Array(_) => Err(DecimalError::NotANumber("an array".into())),
        Value::Object(_) => Err(DecimalError::NotANumber("an object".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KWH: u32 = 3;
    const WH: u32 = 0;

    #[test]
    fn kwh_converts_exactly_where_floats_would_not() {
        assert_eq!(scaled("0.1", KWH), Ok(100));
        assert_eq!(scaled("1.005", KWH), Ok(1_005));
        assert_eq!(scaled("4.35", KWH), Ok(4_350)); // 4.35 * 1000.0 == 4349.999…
        assert_eq!(scaled("12345.678", KWH), Ok(12_345_678));
        assert_eq!(scaled("7", KWH), Ok(7_000));
        assert_eq!(scaled("0", KWH), Ok(0));
        assert_eq!(scaled("000123.400", KWH), Ok(123_400));
        assert_eq!(scaled(" 2.5\n", KWH), Ok(2_500));
    }

    #[test]
    fn extra_fractional_digits_are_floored() {
        assert_eq!(scaled("1.23456", KWH), Ok(1_234));
        assert_eq!(scaled("1.2349999", KWH), Ok(1_234));
        assert_eq!(scaled("0.0009", KWH), Ok(0));
        assert_eq!(scaled("1234.567", WH), Ok(1_234));
        assert_eq!(scaled("0.999", WH), Ok(0));
    }

    #[test]
    fn exponents_are_handled_exactly() {
        assert_eq!(scaled("1.2e3", KWH), Ok(1_200_000));
        assert_eq!(scaled("1.2E3", WH), Ok(1_200));
        assert_eq!(scaled("1.2e+3", WH), Ok(1_200));
        assert_eq!(scaled("5e-1", KWH), Ok(500));
        assert_eq!(scaled("5e-4", KWH), Ok(0));
        assert_eq!(scaled("123456e-5", KWH), Ok(1_234));
        assert_eq!(scaled("1e-999999", KWH), Ok(0));
        assert_eq!(scaled("0e999999", KWH), Ok(0));
        assert_eq!(scaled("1e16", KWH), Ok(10_000_000_000_000_000_000));
    }

    #[test]
    fn negatives_are_rejected() {
        assert_eq!(scaled("-1.5", KWH), Err(DecimalError::Negative("-1.5".into())));
        assert_eq!(scaled("-0", WH), Err(DecimalError::Negative("-0".into())));
    }

    #[test]
    fn anything_but_a_plain_decimal_is_malformed() {
        for text in [
            "NaN",
            "nan",
            "inf",
            "Infinity",
            "1,5",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "1.2.3",
            "0x10",
            "12 kWh",
            "1e1.5",
            "١٢",
            "1e99999999999",
        ] {
            assert_eq!(scaled(text, KWH), Err(DecimalError::Malformed(text.into())), "{text}");
        }
        assert_eq!(scaled("", KWH), Err(DecimalError::Empty));
        assert_eq!(scaled("  ", KWH), Err(DecimalError::Empty));
    }

    #[test]
    fn values_beyond_u64_overflow() {
        assert_eq!(scaled("18446744073709551615", WH), Ok(u64::MAX));
        assert_eq!(scaled("18446744073709551.615", KWH), Ok(u64::MAX));
        let over = "18446744073709551616";
        assert_eq!(scaled(over, WH), Err(DecimalError::Overflow(over.into())));
        assert_eq!(
            scaled("18446744073709552", KWH),
            Err(DecimalError::Overflow("18446744073709552".into()))
        );
        assert_eq!(scaled("1e20", WH), Err(DecimalError::Overflow("1e20".into())));
        assert_eq!(scaled("1e999999", KWH), Err(DecimalError::Overflow("1e999999".into())));
        // Many digits that floor away do not overflow.
        assert_eq!(scaled("1.00000000000000000000000000009", KWH), Ok(1_000));
    }

    #[test]
    fn json_numbers_keep_their_digits() {
        let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(json_scaled(&parse("12345.678"), KWH), Ok(12_345_678));
        assert_eq!(json_scaled(&parse("0.1"), KWH), Ok(100));
        assert_eq!(json_scaled(&parse("4.35"), KWH), Ok(4_350));
        assert_eq!(json_scaled(&parse("1234567.891"), WH), Ok(1_234_567));
        assert_eq!(json_scaled(&parse("1.2e3"), KWH), Ok(1_200_000));
        // serde_json prints large floats with an exponent: "1e+21".
        assert_eq!(json_scaled(&parse("1e21"), WH), Err(DecimalError::Overflow("1e+21".into())));
        assert_eq!(json_scaled(&parse("1e-7"), KWH), Ok(0));
        assert_eq!(json_scaled(&parse("18446744073709551615"), WH), Ok(u64::MAX));
        assert_eq!(json_scaled(&parse("-2.5"), KWH), Err(DecimalError::Negative("-2.5".into())));
        assert_eq!(
            json_scaled(&parse("\"1.5\""), KWH),
            Err(DecimalError::NotANumber("the string \"1.5\"".into()))
        );
        assert_eq!(json_scaled(&Value::Null, KWH), Err(DecimalError::NotANumber("null".into())));
        assert_eq!(
            json_scaled(&parse("[1]"), KWH),
            Err(DecimalError::NotANumber("an array".into()))
        );
        assert_eq!(
            json_scaled(&parse("{}"), KWH),
            Err(DecimalError::NotANumber("an object".into()))
        );
        assert_eq!(
            json_scaled(&parse("true"), KWH),
            Err(DecimalError::NotANumber("a boolean".into()))
        );
    }
}
