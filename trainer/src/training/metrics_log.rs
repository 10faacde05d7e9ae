//! Per-step metrics as JSON lines (`metrics.jsonl`), appended so a resumed run continues the file.
//! A run killed after its last checkpoint logged steps it will train again; resuming drops those
//! records first so every step appears once.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

pub struct MetricsLog {
    writer: BufWriter<File>,
}

impl MetricsLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            writer: BufWriter::new(file),
        })
    }

    /// Opens the log of a run that has trained `start` steps: records of later steps (logged
    /// after the checkpoint by a run that was then killed) are dropped, and a new run (`start`
    /// 0) starts an empty log.
    pub fn resume(path: &Path, start: usize) -> std::io::Result<Self> {
        if path.exists() {
            let kept: String = read_metrics(path)?
                .into_iter()
                .filter(|record| start > 0 && record_step(record).is_none_or(|step| step <= start))
                .map(|record| format!("{record}\n"))
                .collect();
            // Written aside and renamed, so a crash here cannot lose the log.
            let aside = path.with_extension("jsonl.tmp");
            std::fs::write(&aside, kept)?;
            std::fs::rename(&aside, path)?;
        }
        Self::open(path)
    }

    pub fn write(&mut self, record: &serde_json::Value) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.writer, record)?;
        self.writer.write_all(b"\n")?;
        self.writer.flush()
    }
}

/// The step a record was logged at: training records carry it at the top, evaluations inside
/// `eval`.
fn record_step(record: &serde_json::Value) -> Option<usize> {
    let step = record
        .get("step")
        .or_else(|| record.get("eval")?.get("step"))?;
    step.as_u64().map(|step| step as usize)
}

/// Reads every record of a metrics file (skipping torn last lines from an interrupted run).
pub fn read_metrics(path: &Path) -> std::io::Result<Vec<serde_json::Value>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps(path: &Path) -> Vec<usize> {
        read_metrics(path)
            .unwrap()
            .iter()
            .map(|record| record_step(record).unwrap())
            .collect()
    }

    #[test]
    fn resuming_drops_the_steps_logged_after_the_checkpoint() {
        let dir = std::env::temp_dir().join(format!("synesthete-metrics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("metrics.jsonl");
        let mut log = MetricsLog::open(&path).unwrap();
        for step in [10, 20, 30, 40] {
            log.write(&json!({ "step": step, "mse": 0.5 })).unwrap();
            log.write(&json!({ "eval": { "step": step } })).unwrap();
        }
        drop(log);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(b"{\"step\": 5"))
            .unwrap();

        let mut log = MetricsLog::resume(&path, 20).unwrap();
        log.write(&json!({ "step": 30, "mse": 0.25 })).unwrap();
        assert_eq!(steps(&path), [10, 10, 20, 20, 30]);
        assert_eq!(read_metrics(&path).unwrap()[4]["mse"], 0.25);

        drop(log);
        MetricsLog::resume(&path, 0).unwrap();
        assert!(steps(&path).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
