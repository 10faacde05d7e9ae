//! `WxH` output sizes on the command line.

use anyhow::{Result, bail};

/// Largest output edge accepted (8K), so a typo cannot ask the GPU for a gigapixel frame.
const MAX_EDGE: u32 = 7680;

pub fn parse_size(text: &str) -> Result<(u32, u32)> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if (16..=MAX_EDGE).contains(&w) && (16..=MAX_EDGE).contains(&h) => Ok((w, h)),
        _ => bail!(
            "size {text:?} must be WIDTHxHEIGHT with each edge between 16 and {MAX_EDGE}, e.g. 1280x720"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_bad_ones_are_refused() {
        assert_eq!(parse_size("1280x720").unwrap(), (1280, 720));
        assert_eq!(parse_size("64X48").unwrap(), (64, 48));
        for bad in ["1280", "x720", "0x0", "99999x720", "axb", "-5x10"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
