//! A metric over a window in the terminal: a figure and a one-line chart of
//! block characters (a sparkline), one character per period.

/// The chart's levels, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A period without a datapoint.
const GAP: char = '·';

/// The sparkline of `points` (one per period, `None` when CloudWatch has no
/// datapoint for it), scaled from 0 (or the lowest value, when negative)
/// to the highest value.
pub fn sparkline(points: &[Option<f64>]) -> String {
    let values: Vec<f64> = points.iter().flatten().copied().collect();
    let low = values.iter().copied().fold(0.0_f64, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    points
        .iter()
        .map(|point| match point {
            None => GAP,
            Some(_) if high <= low => BARS[0],
            Some(value) => {
                let share = (value - low) / (high - low);
                let index = (share * (BARS.len() - 1) as f64).round() as usize;
                BARS[index.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// A figure for people: `1234`, `12.5`, `0.25`.
pub fn figure(value: f64) -> String {
    if value.fract() == 0.0 || value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_scales_from_zero_to_the_highest_value_and_shows_gaps() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(7.0), None, Some(3.5), Some(14.0)]),
            "▁▅·▃█"
        );
        // Flat: the lowest bar; nothing: gaps only.
        assert_eq!(sparkline(&[Some(0.0), Some(0.0)]), "▁▁");
        assert_eq!(sparkline(&[None, None]), "··");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn figures_are_rounded_for_reading() {
        assert_eq!(figure(1234.0), "1234");
        assert_eq!(figure(12.345), "12.3");
        assert_eq!(figure(0.25), "0.250");
        assert_eq!(figure(250.4), "250");
    }
}
