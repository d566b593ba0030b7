//! Wait-time charts of a queue: estimated (smoothed) and longest wait in seconds on the
//! left axis, waiting conversations on the right, threshold lines for the directives,
//! and a time axis in local time. Long ranges are downsampled with LTTB, which keeps the
//! shape and the peaks, so a day of 5-second samples renders fast and small.

use std::path::Path;

use chrono::{DateTime, Local, Utc};
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
    /// Points per series after downsampling.
    pub max_points: usize,
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

/// Local-time labels for seconds since `start_ms`; the date joins them past a day and
/// a half.
fn time_labels(start_ms: i64, span: f64) -> impl Fn(&f64) -> String {
    move |x: &f64| {
        let at = DateTime::<Utc>::from_timestamp_millis(start_ms + (*x * 1000.0) as i64)
            .unwrap_or_default();
        let local = at.with_timezone(&Local);
        if span > 36.0 * 3600.0 {
            local.format("%d %b %H:%M").to_string()
        } else {
            local.format("%H:%M").to_string()
        }
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
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let (max_wait, max_waiting) = axis_tops(data, options);
    let time_label = time_labels(data.start_ms, data.end_seconds);
    let mut chart = ChartBuilder::on(&root)
        .caption(&options.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .right_y_label_area_size(48)
        .build_cartesian_2d(0.0..data.end_seconds, 0.0..max_wait)
        .map_err(|e| fail(&e))?
        .set_secondary_coord(0.0..data.end_seconds, 0.0..max_waiting);
    chart
        .configure_mesh()
        .x_desc("local time")
        .y_desc("wait (s)")
        .x_label_formatter(&time_label)
        .y_label_formatter(&|value| format!("{value:.0}"))
        .x_labels(8)
        .light_line_style(RGBColor(235, 238, 242))
        .draw()
        .map_err(|e| fail(&e))?;
    chart
        .configure_secondary_axes()
        .y_desc("waiting")
        .draw()
        .map_err(|e| fail(&e))?;

    let estimated_color = RGBColor(31, 95, 168);
    let longest_color = RGBColor(214, 106, 0);
    let waiting_color = RGBColor(110, 110, 120);
    let threshold_color = RGBColor(190, 30, 45);
    chart
        .draw_series(LineSeries::new(
            data.estimated.iter().copied(),
            estimated_color.stroke_width(2),
        ))
        .map_err(|e| fail(&e))?
        .label("estimated wait (smoothed)")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], estimated_color.stroke_width(2))
        });
    chart
        .draw_series(LineSeries::new(
            data.longest.iter().copied(),
            longest_color.stroke_width(2),
        ))
        .map_err(|e| fail(&e))?
        .label("longest wait")
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], longest_color.stroke_width(2))
        });
    chart
        .draw_secondary_series(LineSeries::new(
            data.waiting.iter().copied(),
            waiting_color.stroke_width(1),
        ))
        .map_err(|e| fail(&e))?
        .label("waiting (right axis)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], waiting_color));
    if let Some(limit) = options.max_wait_seconds {
        let limit = limit as f64;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, limit), (data.end_seconds, limit)],
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
                vec![(0.0, depth), (data.end_seconds, depth)],
                3,
                4,
                threshold_color.stroke_width(1),
            ))
            .map_err(|e| fail(&e))?
            .label(format!("max depth {depth}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], threshold_color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// The chart as an SVG document (for the UI and `.svg` files).
pub fn render_svg(samples: &[QueueSample], options: &ChartOptions) -> Result<String, ChartError> {
    let data = series(samples, options.max_points)?;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (options.width, options.height)).into_drawing_area();
        draw(root, &data, options)?;
    }
    Ok(svg)
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
    let image = image::RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| ChartError::Draw("pixel buffer size mismatch".into()))?;
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| ChartError::Draw(e.to_string()))?;
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
    use super::*;

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
