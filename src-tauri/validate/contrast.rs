//! WCAG 2.x contrast between the Messenger's text and its primary colour.

use serde::Serialize;

use super::HexColor;

/// WCAG AA minimum for normal-size text.
pub const WCAG_AA_NORMAL_TEXT: f64 = 4.5;

fn channel(value: u8) -> f64 {
    let c = f64::from(value) / 255.0;
    if c <= 0.039_28 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn luminance(color: HexColor) -> f64 {
    let [r, g, b] = color.rgb();
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The contrast ratio, from 1.0 (none) to 21.0 (black on white).
pub fn contrast_ratio(a: HexColor, b: HexColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// How readable the Messenger's text is on the primary colour.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContrastReport {
    pub primary_color: String,
    /// The colour the Messenger draws its header text and launcher icon in.
    pub text_color: String,
    pub ratio: f64,
    pub passes_aa: bool,
}

/// Messenger draws its header text and launcher icon in white on the primary colour.
pub const MESSENGER_TEXT_COLOR: HexColor = HexColor([0xff, 0xff, 0xff]);

impl ContrastReport {
    pub fn for_primary(primary: HexColor) -> ContrastReport {
        let ratio = contrast_ratio(primary, MESSENGER_TEXT_COLOR);
        ContrastReport {
            primary_color: primary.to_string(),
            text_color: MESSENGER_TEXT_COLOR.to_string(),
            ratio: (ratio * 100.0).round() / 100.0,
            passes_aa: ratio >= WCAG_AA_NORMAL_TEXT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn color(text: &str) -> HexColor {
        HexColor::parse(text).unwrap()
    }

    #[test]
    fn ratios_match_the_wcag_reference_values() {
        assert!((contrast_ratio(color("#000000"), color("#ffffff")) - 21.0).abs() < 0.01);
        assert!((contrast_ratio(color("#777777"), color("#ffffff")) - 4.48).abs() < 0.01);
        assert!((contrast_ratio(color("#1f5fa8"), color("#ffffff")) - 6.5).abs() < 0.1);
    }

    #[test]
    fn white_text_needs_a_dark_enough_primary() {
        assert!(ContrastReport::for_primary(color("#1f5fa8")).passes_aa);
        let yellow = ContrastReport::for_primary(color("#ffff00"));
        assert_eq!(yellow.text_color, "#ffffff");
        assert!(!yellow.passes_aa && yellow.ratio < 1.1, "{yellow:?}");
        let grey = ContrastReport::for_primary(color("#808080"));
        assert!(!grey.passes_aa, "{grey:?}");
        assert!(
            ContrastReport::for_primary(color("#767676")).passes_aa,
            "#767676 is the lightest AA grey"
        );
    }
}
