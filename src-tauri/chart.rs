//! Wait-time charts of a queue: estimated (smoothed) and longest wait in seconds on the
//! left axis, waiting conversations on the right, threshold lines for the directives,
//! and a time axis in local time, in a light or a dark theme, as SVG or PNG.
//!
//! Time ticks fall on round local times chosen from the range (seconds, minutes, hours,
//! days) and are labelled at that resolution, so no two labels read the same. Each
//! series is downsampled with LTTB (which keeps the shape and the peaks) to what fits
//! the SVG byte budget, so a day of 5-second samples renders small and fast.

use std::path::Path;

use chrono::{DateTime, Local, Utc};
use plotters::chart::DualCoordChartContext;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::{RangedCoordf64, RangedCoordi64};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::monitor::QueueSample;

#[derive(Debug, Clone)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    pub title: String,
    pub max_wait_seconds: Option<u64>,
    pub max_depth: Option<u32>,
    /// Points per series at most, after downsampling.
    pub max_points: usize,
    /// Size the SVG should stay within; series get fewer points to fit.
    pub max_svg_bytes: usize,
    pub theme: Theme,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width: 1200,
            height: 420,
            title: "Wait time".into(),
            max_wait_seconds: None,
            max_depth: None,
            max_points: 1200,
            max_svg_bytes: 56 * 1024,
            theme: Theme::Light,
        }
    }
}

/// Light for light pages and paper, dark for dark windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

struct Palette {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    axis: RGBColor,
    estimated: RGBColor,
    longest: RGBColor,
    waiting: RGBColor,
    threshold: RGBColor,
}

impl Theme {
    fn palette(self) -> Palette {
        match self {
            Theme::Light => Palette {
                background: WHITE,
                text: RGBColor(32, 34, 38),
                grid: RGBColor(228, 232, 238),
                axis: RGBColor(90, 94, 102),
                estimated: RGBColor(31, 95, 168),
                longest: RGBColor(196, 92, 0),
                waiting: RGBColor(110, 110, 120),
                threshold: RGBColor(190, 30, 45),
            },
            Theme::Dark => Palette {
                background: RGBColor(24, 26, 30),
                text: RGBColor(228, 230, 234),
                grid: RGBColor(54, 58, 66),
                axis: RGBColor(160, 165, 172),
                estimated: RGBColor(112, 172, 240),
                longest: RGBColor(245, 152, 64),
                waiting: RGBColor(170, 172, 180),
                threshold: RGBColor(242, 96, 108),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("there are no samples in that range to chart")]
    Empty,
    #[error("the chart could not be drawn: {0}")]
    Draw(String),
    #[error("the chart file could not be written: {0}")]
    File(String),
}

/// Downsamples `(x, y)` to at most `threshold` points with LTTB.
pub fn downsample(points: Vec<(f64, f64)>, threshold: usize) -> Vec<(f64, f64)> {
    if points.len() <= threshold || threshold < 3 {
        return points;
    }
    let data = points
        .into_iter()
        .map(|(x, y)| lttb::DataPoint::new(x, y))
        .collect();
    lttb::lttb(data, threshold)
        .into_iter()
        .map(|p| (p.x, p.y))
        .collect()
}

struct Series {
    estimated: Vec<(f64, f64)>,
    longest: Vec<(f64, f64)>,
    waiting: Vec<(f64, f64)>,
    start_ms: i64,
    end_seconds: f64,
}

fn series(samples: &[QueueSample], max_points: usize) -> Result<Series, ChartError> {
    let first = samples.first().ok_or(ChartError::Empty)?;
    let start_ms = first.at_ms;
    let x = |s: &QueueSample| (s.at_ms - start_ms) as f64 / 1000.0;
    let estimated = samples
        .iter()
        .filter_map(|s| {
            s.smoothed_wait_seconds
                .or(s.estimated_wait_seconds.map(|v| v as f64))
                .map(|y| (x(s), y))
        })
        .collect();
    let longest = samples
        .iter()
        .map(|s| (x(s), s.longest_wait_seconds as f64))
        .collect();
    let waiting = samples
        .iter()
        .map(|s| (x(s), f64::from(s.waiting)))
        .collect();
    let end_seconds = samples.last().map(x).unwrap_or(0.0).max(1.0);
    Ok(Series {
        estimated: downsample(estimated, max_points),
        longest: downsample(longest, max_points),
        waiting: downsample(waiting, max_points),
        start_ms,
        end_seconds,
    })
}

/// The tops of the wait (left) and waiting (right) axes: the data or the thresholds,
/// whichever is higher, with headroom.
fn axis_tops(data: &Series, options: &ChartOptions) -> (f64, f64) {
    let max_wait = data
        .estimated
        .iter()
        .chain(&data.longest)
        .map(|p| p.1)
        .fold(options.max_wait_seconds.unwrap_or(0) as f64, f64::max)
        .max(10.0)
        * 1.1;
    let max_waiting = data
        .waiting
        .iter()
        .map(|p| p.1)
        .fold(f64::from(options.max_depth.unwrap_or(0)), f64::max)
        .max(5.0)
        * 1.1;
    (max_wait, max_waiting)
}

/// Round tick steps in seconds, smallest first.
const TICK_STEPS: &[i64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200,
    86_400, 172_800, 604_800,
];
const MAX_TICKS: i64 = 8;

/// Time ticks: positions (whole seconds since `start_ms`) on round local times, and the
/// step between them.
fn time_ticks(start_ms: i64, span_seconds: f64) -> (Vec<i64>, i64) {
    let span = span_seconds.max(1.0);
    let step = TICK_STEPS
        .iter()
        .copied()
        .find(|step| span / *step as f64 <= MAX_TICKS as f64)
        .unwrap_or(604_800);
    let start = DateTime::<Utc>::from_timestamp_millis(start_ms).unwrap_or_default();
    let offset = i64::from(start.with_timezone(&Local).offset().local_minus_utc());
    let start_local_ms = start_ms + offset * 1000;
    let step_ms = step * 1000;
    let first_local_ms = start_local_ms.div_euclid(step_ms) * step_ms
        + if start_local_ms.rem_euclid(step_ms) == 0 {
            0
        } else {
            step_ms
        };
    let ticks = (0..)
        // Rounded up to the whole second, so the label's time is the round one.
        .map(|n| (first_local_ms + n * step_ms - start_local_ms + 999) / 1000)
        .take_while(|at| *at as f64 <= span)
        .collect();
    (ticks, step)
}

/// The label format for ticks `step` seconds apart over a range of `span` seconds: fine
/// enough that ticks never share a label.
fn tick_format(step: i64, span: f64) -> &'static str {
    if step < 60 {
        "%H:%M:%S"
    } else if step < 86_400 && span > 86_400.0 {
        "%a %H:%M"
    } else if step < 86_400 {
        "%H:%M"
    } else {
        "%a %d %b"
    }
}

/// Local-time labels for seconds since `start_ms`.
fn time_labels(start_ms: i64, step: i64, span: f64) -> impl Fn(&i64) -> String {
    let format = tick_format(step, span);
    move |x: &i64| {
        let at = DateTime::<Utc>::from_timestamp_millis(start_ms + x * 1000).unwrap_or_default();
        at.with_timezone(&Local).format(format).to_string()
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    data: &Series,
    options: &ChartOptions,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let fail = |e: &dyn std::fmt::Display| ChartError::Draw(e.to_string());
    let colors = options.theme.palette();
    root.fill(&colors.background).map_err(|e| fail(&e))?;
    let (max_wait, max_waiting) = axis_tops(data, options);
    let (ticks, step) = time_ticks(data.start_ms, data.end_seconds);
    let end = data.end_seconds.ceil() as i64;
    let time_label = time_labels(data.start_ms, step, data.end_seconds);
    let text = |size: u32| ("sans-serif", size).into_font().color(&colors.text);
    let mut chart = ChartBuilder::on(&root)
        .caption(&options.title, text(20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .right_y_label_area_size(48)
        .build_cartesian_2d((0..end).with_key_points(ticks.clone()), 0.0..max_wait)
        .map_err(|e| fail(&e))?
        .set_secondary_coord((0..end).with_key_points(ticks), 0.0..max_waiting);
    chart
        .configure_mesh()
        .x_desc("local time")
        .y_desc("wait (s)")
        .x_label_formatter(&time_label)
        .y_label_formatter(&|value| format!("{value:.0}"))
        .y_labels(6)
        .max_light_lines(0)
        .bold_line_style(colors.grid)
        .axis_style(colors.axis)
        .label_style(text(12))
        .axis_desc_style(text(13))
        .draw()
        .map_err(|e| fail(&e))?;
    chart
        .configure_secondary_axes()
        .y_desc("waiting")
        .y_labels(6)
        .y_label_formatter(&|value| format!("{value:.0}"))
        .axis_style(colors.axis)
        .label_style(text(12))
        .axis_desc_style(text(13))
        .draw()
        .map_err(|e| fail(&e))?;

    draw_lines(&mut chart, data, options, &colors)?;
    chart
        .configure_series_labels()
        .background_style(colors.background.mix(0.85))
        .border_style(colors.grid)
        .label_font(text(12))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// The time axis: whole seconds since the first sample, ticked on round local times.
type Plane = Cartesian2d<WithKeyPoints<RangedCoordi64>, RangedCoordf64>;

/// The three series and the threshold lines, each with its legend entry.
fn draw_lines<DB: DrawingBackend>(
    chart: &mut DualCoordChartContext<'_, DB, Plane, Plane>,
    data: &Series,
    options: &ChartOptions,
    colors: &Palette,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let fail = |e: &dyn std::fmt::Display| ChartError::Draw(e.to_string());
    let end = data.end_seconds.ceil() as i64;
    let (estimated_color, longest_color, waiting_color, threshold_color) = (
        colors.estimated,
        colors.longest,
        colors.waiting,
        colors.threshold,
    );
    chart
        .draw_series(LineSeries::new(
            data.estimated.iter().map(|(x, y)| (*x as i64, *y)),
            estimated_color.stroke_width(2),
        ))
        .map_err(|e| fail(&e))?
        .label("estimated wait (smoothed)")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], estimated_color.stroke_width(2))
        });
    chart
        .draw_series(LineSeries::new(
            data.longest.iter().map(|(x, y)| (*x as i64, *y)),
            longest_color.stroke_width(2),
        ))
        .map_err(|e| fail(&e))?
        .label("longest wait")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], longest_color.stroke_width(2))
        });
    chart
        .draw_secondary_series(LineSeries::new(
            data.waiting.iter().map(|(x, y)| (*x as i64, *y)),
            waiting_color.stroke_width(1),
        ))
        .map_err(|e| fail(&e))?
        .label("waiting (right axis)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], waiting_color));
    if let Some(limit) = options.max_wait_seconds {
        let limit = limit as f64;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0, limit), (end, limit)],
                8,
                5,
                threshold_color.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?
            .label(format!("max wait {limit} s"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], threshold_color.stroke_width(2))
            });
    }
    if let Some(depth) = options.max_depth {
        let depth = f64::from(depth);
        chart
            .draw_secondary_series(DashedLineSeries::new(
                vec![(0, depth), (end, depth)],
                3,
                4,
                threshold_color.stroke_width(1),
            ))
            .map_err(|e| fail(&e))?
            .label(format!("max depth {depth}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], threshold_color));
    }
    Ok(())
}

/// One canary round for its chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryPoint {
    pub at_ms: i64,
    pub passed: usize,
    pub total: usize,
    pub p50_ms: u64,
    pub p95_ms: u64,
}

/// Canary rounds over time: p50 and p95 of the conversation time, and a mark on every
/// round where a scenario failed, in local time, light or dark.
pub fn render_canary_svg(points: &[CanaryPoint], theme: Theme) -> Result<String, ChartError> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(ChartError::Empty);
    };
    let fail = |e: &dyn std::fmt::Display| ChartError::Draw(e.to_string());
    let colors = theme.palette();
    let start_ms = first.at_ms;
    let span = ((last.at_ms - start_ms) as f64 / 1000.0).max(60.0);
    let end = span.ceil() as i64;
    let top = points.iter().map(|p| p.p95_ms).max().unwrap_or(0) as f64 / 1000.0 * 1.15 + 1.0;
    let (ticks, step) = time_ticks(start_ms, span);
    let time_label = time_labels(start_ms, step, span);
    let x = |point: &CanaryPoint| (point.at_ms - start_ms) / 1000;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 300)).into_drawing_area();
        root.fill(&colors.background).map_err(|e| fail(&e))?;
        let text = |size: u32| ("sans-serif", size).into_font().color(&colors.text);
        let passed: usize = points.iter().map(|p| p.passed).sum();
        let total: usize = points.iter().map(|p| p.total).sum();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Canary: {passed} of {total} scenario runs passed"),
                text(16),
            )
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d((0..end).with_key_points(ticks), 0.0..top)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_label_formatter(&time_label)
            .y_desc("conversation (s)")
            // Whole seconds repeat on a short axis; tenths keep labels distinct there.
            .y_label_formatter(&|value| {
                if top < 10.0 {
                    format!("{value:.1}")
                } else {
                    format!("{value:.0}")
                }
            })
            .y_labels(6)
            .max_light_lines(0)
            .bold_line_style(colors.grid)
            .axis_style(colors.axis)
            .label_style(text(11))
            .axis_desc_style(text(12))
            .draw()
            .map_err(|e| fail(&e))?;
        let series = [
            (
                "p50",
                colors.estimated,
                points
                    .iter()
                    .map(|p| (x(p), p.p50_ms as f64 / 1000.0))
                    .collect::<Vec<_>>(),
            ),
            (
                "p95",
                colors.longest,
                points
                    .iter()
                    .map(|p| (x(p), p.p95_ms as f64 / 1000.0))
                    .collect(),
            ),
        ];
        for (label, color, data) in series {
            // Every round is a dot, so a single round still shows.
            chart
                .draw_series(
                    data.iter()
                        .map(|point| Circle::new(*point, 3, color.filled())),
                )
                .map_err(|e| fail(&e))?;
            chart
                .draw_series(LineSeries::new(data, color.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        let failed_color = colors.threshold;
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|p| p.passed < p.total)
                    .map(|p| Circle::new((x(p), top * 0.93), 4, failed_color.filled())),
            )
            .map_err(|e| fail(&e))?
            .label("a scenario failed")
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, failed_color.filled()));
        chart
            .configure_series_labels()
            .background_style(colors.background.mix(0.85))
            .border_style(colors.grid)
            .label_font(text(11))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// What the drawing takes in an SVG besides the series (labels, grid, legend).
const SVG_FIXED_BYTES: usize = 9_000;
/// One point of a series in an SVG polyline: `1234,123 `.
const SVG_BYTES_PER_POINT: usize = 9;

fn draw_svg(data: &Series, options: &ChartOptions) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (options.width, options.height)).into_drawing_area();
        draw(root, data, options)?;
    }
    Ok(svg)
}

/// The chart as an SVG document (for the UI and `.svg` files), within
/// [`ChartOptions::max_svg_bytes`]: the series get the points the budget leaves, and
/// fewer again in the rare case the first drawing came out over it.
pub fn render_svg(samples: &[QueueSample], options: &ChartOptions) -> Result<String, ChartError> {
    let budget_points =
        options.max_svg_bytes.saturating_sub(SVG_FIXED_BYTES) / (3 * SVG_BYTES_PER_POINT);
    let points = budget_points.clamp(50, options.max_points.max(50));
    let svg = draw_svg(&series(samples, points)?, options)?;
    if svg.len() <= options.max_svg_bytes || points <= 50 {
        return Ok(svg);
    }
    let over = svg.len() as f64 / options.max_svg_bytes as f64;
    let fewer = ((points as f64 / over) * 0.95) as usize;
    draw_svg(&series(samples, fewer.max(50))?, options)
}

/// The chart as PNG bytes.
pub fn render_png(samples: &[QueueSample], options: &ChartOptions) -> Result<Vec<u8>, ChartError> {
    let data = series(samples, options.max_points)?;
    let (width, height) = (options.width, options.height);
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw(root, &data, options)?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let encoded = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels));
    encoded.map_err(|e| ChartError::Draw(e.to_string()))?;
    Ok(bytes)
}

/// Writes `.svg` or `.png` (by extension) atomically.
pub fn write_chart(
    path: &Path,
    samples: &[QueueSample],
    options: &ChartOptions,
) -> Result<(), ChartError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match extension.as_deref() {
        Some("svg") => render_svg(samples, options)?.into_bytes(),
        Some("png") => render_png(samples, options)?,
        _ => {
            return Err(ChartError::File(format!(
                "{} must end in .svg or .png",
                path.display()
            )))
        }
    };
    crate::transfer::write_atomically(path, &bytes).map_err(ChartError::File)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// A day of 5-second samples: a slow wave of waiting customers and one long wait.
    fn day_of_samples() -> Vec<QueueSample> {
        (0..17_280i64)
            .map(|i| {
                let waiting = 30.0 + 25.0 * (i as f64 / 900.0).sin() + (i % 7) as f64;
                QueueSample {
                    queue_id: "q".into(),
                    at_ms: 1_700_000_000_000 + i * 5_000,
                    waiting: waiting as u32,
                    interacting: 5,
                    agents_on_queue: 7,
                    agents_idle: 2,
                    longest_wait_seconds: (waiting * 20.0) as u64
                        + if i == 9_000 { 900 } else { 0 },
                    estimated_wait_seconds: Some((waiting * 15.0) as u64),
                    smoothed_wait_seconds: Some(waiting * 15.0),
                }
            })
            .collect()
    }

    #[test]
    fn tick_labels_never_repeat_at_any_range() {
        let start = 1_700_000_123_456;
        for span in [
            90,
            15 * 60,
            3_600,
            6 * 3_600,
            86_400,
            3 * 86_400,
            7 * 86_400,
        ] {
            let (ticks, step) = time_ticks(start, f64::from(span));
            assert!(
                (3..=8).contains(&ticks.len()),
                "{span} s: {} ticks",
                ticks.len()
            );
            let label = time_labels(start, step, f64::from(span));
            let labels: Vec<String> = ticks.iter().map(&label).collect();
            let distinct: HashSet<&String> = labels.iter().collect();
            assert_eq!(distinct.len(), labels.len(), "{span} s: {labels:?}");
        }
    }

    #[test]
    fn ticks_fall_on_round_local_times() {
        let start = 1_700_000_123_456;
        let (ticks, step) = time_ticks(start, 3_600.0);
        assert_eq!(step, 600);
        let label = time_labels(start, step, 3_600.0);
        assert!(
            ticks.iter().all(|tick| label(tick).ends_with('0')),
            "{ticks:?}"
        );
    }

    #[test]
    fn a_day_of_five_second_samples_fits_the_svg_budget_and_keeps_the_peak() {
        let samples = day_of_samples();
        let options = ChartOptions {
            max_wait_seconds: Some(300),
            ..ChartOptions::default()
        };
        let svg = render_svg(&samples, &options).unwrap();
        assert!(svg.len() <= 60 * 1024, "{} bytes", svg.len());
        let data = series(&samples, 1_000).unwrap();
        assert!(data.longest.iter().any(|(_, y)| *y >= 900.0));
    }

    #[test]
    fn the_dark_theme_paints_a_dark_background_and_light_text() {
        let options = ChartOptions {
            theme: Theme::Dark,
            ..ChartOptions::default()
        };
        let svg = render_svg(&day_of_samples()[..720], &options).unwrap();
        assert!(
            svg.contains("#181A1E") || svg.contains("rgb(24,26,30)"),
            "{}",
            &svg[..400]
        );
        assert!(svg.contains("#E4E6EA") || svg.contains("rgb(228,230,234)"));
    }

    #[test]
    fn lttb_keeps_the_peak_and_the_ends() {
        let mut points: Vec<(f64, f64)> = (0..17_280)
            .map(|i| (f64::from(i), (f64::from(i) / 500.0).sin() * 10.0 + 20.0))
            .collect();
        points[9_000].1 = 900.0;
        let reduced = downsample(points, 1000);
        assert_eq!(reduced.len(), 1000);
        assert_eq!(reduced.first().unwrap().0, 0.0);
        assert_eq!(reduced.last().unwrap().0, 17_279.0);
        assert!(reduced.iter().any(|p| p.1 == 900.0));
    }
}
