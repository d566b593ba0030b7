//! Queue samples on disk (the `queue_samples` table of the local database): written in
//! one transaction per cycle, read back for a time range at a chosen resolution, and
//! pruned past the retention period. Nothing is kept in memory between cycles.

use std::time::Duration;

use rusqlite::params;

use crate::store::{Store, StoreError};

use super::QueueSample;

/// Samples are kept this long unless configured otherwise.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 86_400);

pub fn append(store: &Store, samples: &[QueueSample]) -> Result<(), StoreError> {
    store.with_connection(|connection| {
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO queue_samples (queue_id, at_ms, waiting, interacting, agents_on_queue, agents_idle, longest_wait_s, estimated_wait_s, smoothed_wait_s)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for s in samples {
                insert.execute(params![
                    s.queue_id,
                    s.at_ms,
                    s.waiting,
                    s.interacting,
                    s.agents_on_queue,
                    s.agents_idle,
                    s.longest_wait_seconds as i64,
                    s.estimated_wait_seconds.map(|v| v as i64),
                    s.smoothed_wait_seconds
                ])?;
            }
        }
        transaction.commit()
    })
}

/// Deletes samples older than `retention` before `now_ms`; returns how many.
pub fn prune(store: &Store, now_ms: i64, retention: Duration) -> Result<usize, StoreError> {
    let cutoff = now_ms - retention.as_millis() as i64;
    store.with_connection(|connection| {
        connection.execute(
            "DELETE FROM queue_samples WHERE at_ms < ?1",
            params![cutoff],
        )
    })
}

/// Samples of one queue in `[from_ms, to_ms)`. With a resolution, samples are averaged per
/// bucket (maxima for waits and depth, so peaks stay visible).
pub fn range(
    store: &Store,
    queue_id: &str,
    from_ms: i64,
    to_ms: i64,
    resolution: Option<Duration>,
) -> Result<Vec<QueueSample>, StoreError> {
    let bucket = resolution.map(|r| r.as_millis().max(1) as i64).unwrap_or(1);
    store.with_connection(|connection| {
        let mut statement = connection.prepare_cached(
            "SELECT MIN(at_ms), MAX(waiting), CAST(AVG(interacting) AS INTEGER), CAST(AVG(agents_on_queue) AS INTEGER),
                    CAST(AVG(agents_idle) AS INTEGER), MAX(longest_wait_s), MAX(estimated_wait_s), AVG(smoothed_wait_s)
             FROM queue_samples WHERE queue_id = ?1 AND at_ms >= ?2 AND at_ms < ?3
             GROUP BY at_ms / ?4 ORDER BY 1",
        )?;
        let rows = statement.query_map(params![queue_id, from_ms, to_ms, bucket], |row| {
            Ok(QueueSample {
                queue_id: queue_id.to_string(),
                at_ms: row.get(0)?,
                waiting: row.get(1)?,
                interacting: row.get(2)?,
                agents_on_queue: row.get(3)?,
                agents_idle: row.get(4)?,
                longest_wait_seconds: row.get::<_, i64>(5)?.max(0) as u64,
                estimated_wait_seconds: row.get::<_, Option<i64>>(6)?.map(|v| v.max(0) as u64),
                smoothed_wait_seconds: row.get(7)?,
            })
        })?;
        rows.collect()
    })
}

/// How many samples are stored, per queue.
#[derive(Debug, Clone)]
pub struct HistoryCount {
    pub queue_id: String,
    pub samples: u64,
}

pub fn counts(store: &Store) -> Result<Vec<HistoryCount>, StoreError> {
    store.with_connection(|connection| {
        let mut statement = connection.prepare(
            "SELECT queue_id, COUNT(*) FROM queue_samples GROUP BY queue_id ORDER BY queue_id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(HistoryCount {
                queue_id: row.get(0)?,
                samples: row.get::<_, i64>(1)? as u64,
            })
        })?;
        rows.collect()
    })
}

/// CSV of samples with a header row; times in RFC 3339 UTC.
pub fn to_csv(samples: &[QueueSample]) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "time",
            "queue_id",
            "waiting",
            "interacting",
            "agents_on_queue",
            "agents_idle",
            "longest_wait_s",
            "estimated_wait_s",
            "smoothed_wait_s",
        ])
        .map_err(|e| e.to_string())?;
    for s in samples {
        let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(s.at_ms)
            .map(crate::store::timestamp)
            .unwrap_or_default();
        writer
            .write_record([
                time,
                s.queue_id.clone(),
                s.waiting.to_string(),
                s.interacting.to_string(),
                s.agents_on_queue.to_string(),
                s.agents_idle.to_string(),
                s.longest_wait_seconds.to_string(),
                s.estimated_wait_seconds
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                s.smoothed_wait_seconds
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_default(),
            ])
            .map_err(|e| e.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, waiting: u32) -> QueueSample {
        QueueSample {
            queue_id: "q".into(),
            at_ms,
            waiting,
            interacting: 1,
            agents_on_queue: 3,
            agents_idle: 2,
            longest_wait_seconds: u64::from(waiting) * 10,
            estimated_wait_seconds: Some(30),
            smoothed_wait_seconds: Some(31.5),
        }
    }

    #[test]
    fn ranges_are_bucketed_keeping_peaks_and_old_samples_are_pruned() {
        let store = Store::in_memory().unwrap();
        let samples: Vec<_> = (0..60)
            .map(|i| sample(i * 5_000, if i == 7 { 40 } else { 2 }))
            .collect();
        append(&store, &samples).unwrap();
        let all = range(&store, "q", 0, 300_000, None).unwrap();
        assert_eq!(all.len(), 60);
        let minutes = range(&store, "q", 0, 300_000, Some(Duration::from_secs(60))).unwrap();
        assert_eq!(minutes.len(), 5);
        assert_eq!(minutes[0].waiting, 40, "the peak survives downsampling");
        assert_eq!(minutes[0].longest_wait_seconds, 400);
        assert_eq!(
            prune(&store, 300_000, Duration::from_secs(120)).unwrap(),
            36
        );
        assert_eq!(counts(&store).unwrap()[0].samples, 24);
        let csv = to_csv(&minutes[..1]).unwrap();
        assert!(
            csv.starts_with("time,queue_id,waiting")
                && csv.contains("1970-01-01T00:00:00.000Z,q,40"),
            "{csv}"
        );
    }
}
