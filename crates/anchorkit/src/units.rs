//! The quantities users type: lifetimes (`10y`, `18m`, `400d`) and sizes (`4KiB`, `4096`).

/// `10y`, `18m`, `90d` (a bare number is days) as seconds; a year is 365.25 days, a month 30.
/// At most 1,000 years.
///
/// ```
/// assert_eq!(anchorkit::units::parse_duration("90d"), Ok(90 * 86_400));
/// assert!(anchorkit::units::parse_duration("10 parsecs").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("'{s}': expected a number with y, m or d (e.g. 10y)"))?;
    let day = 86_400;
    let days = match unit {
        "y" | "Y" => n.checked_mul(365).and_then(|d| d.checked_add(n / 4)),
        "m" | "M" => n.checked_mul(30),
        "d" | "D" | "" => Some(n),
        _ => return Err(format!("'{s}': unit must be y, m or d")),
    };
    days.and_then(|d| d.checked_mul(day))
        .filter(|secs| *secs <= 1000 * 366 * day)
        .ok_or_else(|| format!("'{s}': longer than 1000 years"))
}

/// `4KiB`, `6000`, `1MiB` as bytes.
///
/// ```
/// assert_eq!(anchorkit::units::parse_size("4KiB"), Ok(4096));
/// ```
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: usize = n
        .parse()
        .map_err(|_| format!("'{s}': expected a size such as 4KiB or 4096"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1024,
        "m" | "mib" | "mb" => 1024 * 1024,
        _ => return Err(format!("'{s}': unknown unit (use B, KiB or MiB)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}': too large"))
}
