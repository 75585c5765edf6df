//! Analytics rules: platforms report cumulative counters, sampled by the stats collector every few hours; the
//! analytics page shows per-day series built from those samples, SVG charts drawn from them on the server, and a CSV
//! export. Times are Unix seconds.

use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400;

/// One sample of a publication's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Which publication (an index the caller assigns; samples of one publication share it).
    pub publication: u32,
    /// When it was taken.
    pub at: i64,
    /// Views so far.
    pub views: i64,
}

/// The start of the UTC day holding `t`.
pub fn day_start(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

/// Total views at the end of each day from `from`'s day to `to`'s day (inclusive): for every publication the latest
/// sample taken by the end of that day, summed. Counters never go down on the chart: a sample lower than an earlier
/// one (a platform's recount) keeps the earlier figure.
pub fn views_by_day(samples: &[Sample], from: i64, to: i64) -> Vec<(i64, i64)> {
    let (first, last) = (day_start(from), day_start(to));
    if last < first {
        return vec![];
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| (s.at, s.publication));
    let mut latest: std::collections::BTreeMap<u32, i64> = std::collections::BTreeMap::new();
    let mut next = sorted.iter().peekable();
    let mut out = Vec::with_capacity(((last - first) / DAY + 1) as usize);
    let mut day = first;
    while day <= last {
        while let Some(s) = next.next_if(|s| s.at < day + DAY) {
            let seen = latest.entry(s.publication).or_insert(0);
            *seen = (*seen).max(s.views);
        }
        out.push((day, latest.values().sum()));
        day += DAY;
    }
    out
}

/// The smallest "nice" number (1, 2 or 5 × 10ⁿ) at or above `v`; 1 for zero or less.
pub fn nice_ceiling(v: i64) -> i64 {
    if v <= 1 {
        return 1;
    }
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= v {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// A line chart's geometry in a `width` × `height` box: the points, the SVG path through them and the top of the
/// value axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    /// Each value's position, left to right.
    pub points: Vec<(f64, f64)>,
    /// `M x y L x y …`, empty for no values.
    pub path: String,
    /// The value at the top edge.
    pub max: i64,
}

/// Lays `values` out evenly across `width` (one value sits in the middle), 0 at the bottom and [`nice_ceiling`] of the
/// largest at the top.
pub fn line_chart(values: &[i64], width: f64, height: f64) -> LineChart {
    let max = nice_ceiling(values.iter().copied().max().unwrap_or(0));
    let n = values.len();
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if n == 1 { width / 2.0 } else { width * i as f64 / (n - 1) as f64 };
            let y = height - height * (*v).clamp(0, max) as f64 / max as f64;
            (x, y)
        })
        .collect();
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" }))
        .collect::<String>();
    LineChart { points, path, max }
}

/// One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180), and with a leading `'` when it
/// starts like a spreadsheet formula (`=`, `+`, `-`, `@`), so a title cannot run code in the user's spreadsheet.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// A CSV line (CRLF-terminated) of `fields`.
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const D: i64 = 1_800_000_000 / DAY * DAY;

    fn s(publication: u32, at: i64, views: i64) -> Sample {
        Sample { publication, at, views }
    }

    #[test]
    fn each_day_sums_every_publications_latest_sample() {
        let samples = [s(1, D + 100, 10), s(1, D + 5000, 30), s(2, D + DAY + 10, 5), s(1, D + 2 * DAY + 1, 50)];
        assert_eq!(
            views_by_day(&samples, D, D + 3 * DAY),
            vec![(D, 30), (D + DAY, 35), (D + 2 * DAY, 55), (D + 3 * DAY, 55)]
        );
    }

    #[test]
    fn samples_before_the_range_count_and_recounts_do_not_lower_the_line() {
        let samples = [s(1, D - 5 * DAY, 100), s(1, D + 10, 90)];
        assert_eq!(views_by_day(&samples, D, D + DAY), vec![(D, 100), (D + DAY, 100)]);
        assert_eq!(views_by_day(&samples, D + DAY, D), vec![]);
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(200), 200);
        assert_eq!(nice_ceiling(201), 500);
    }

    #[test]
    fn chart_spans_the_box() {
        let c = line_chart(&[0, 5, 10], 100.0, 50.0);
        assert_eq!(c.max, 10);
        assert_eq!(c.points, vec![(0.0, 50.0), (50.0, 25.0), (100.0, 0.0)]);
        assert_eq!(c.path, "M0.0 50.0 L50.0 25.0 L100.0 0.0");
        assert_eq!(line_chart(&[], 100.0, 50.0).path, "");
        assert_eq!(line_chart(&[3], 100.0, 50.0).points, vec![(50.0, 20.0)]);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_line(&["a", "b,c", "say \"hi\""]), "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("Привет"), "Привет");
    }

    proptest! {
        #[test]
        fn series_is_daily_and_never_falls(
            samples in prop::collection::vec((0u32..5, 0i64..(10 * DAY), 0i64..1000), 0..60),
            from in 0i64..(5 * DAY),
            days in 0i64..8,
        ) {
            let samples: Vec<Sample> = samples.into_iter().map(|(p, at, v)| s(p, D + at, v)).collect();
            let series = views_by_day(&samples, D + from, D + from + days * DAY);
            prop_assert_eq!(series.len() as i64, days + 1);
            for w in series.windows(2) {
                prop_assert_eq!(w[1].0 - w[0].0, DAY);
                prop_assert!(w[1].1 >= w[0].1);
            }
        }

        #[test]
        fn chart_points_stay_in_the_box(values in prop::collection::vec(0i64..1_000_000, 0..50)) {
            let c = line_chart(&values, 300.0, 120.0);
            prop_assert!(values.iter().all(|v| *v <= c.max));
            for (x, y) in c.points {
                prop_assert!((0.0..=300.0).contains(&x) && (0.0..=120.0).contains(&y));
            }
        }
    }
}
