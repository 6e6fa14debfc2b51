//! Timing: medians of interleaved batches, and the result table.

use std::time::Instant;

/// How many samples each side takes, and how many operations a sample runs.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Samples per side (adapter, baseline); the median is reported.
    pub samples: usize,
    /// Operations per sample.
    pub batch: usize,
    /// Untimed operations per side before the first sample.
    pub warmup: usize,
}

impl Plan {
    /// Operations one side runs in total (each needs its own input when it is destructive).
    pub fn total(&self) -> usize {
        self.warmup + self.samples * self.batch
    }
}

/// The median of `v` (which it sorts).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Times `adapter` and `baseline` in alternating batches; returns the median nanoseconds per
/// operation of each. Both closures get a running operation number (0, 1, ...) of their own.
pub async fn pair<A, B>(plan: Plan, mut adapter: A, mut baseline: B) -> (f64, f64)
where
    A: AsyncFnMut(usize),
    B: AsyncFnMut(usize),
{
    let (mut ia, mut ib) = (0usize, 0usize);
    for _ in 0..plan.warmup {
        adapter(ia).await;
        ia += 1;
        baseline(ib).await;
        ib += 1;
    }
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for s in 0..plan.samples {
        // Alternate which side goes first so drift favours neither.
        for side in if s % 2 == 0 { [0, 1] } else { [1, 0] } {
            let start = Instant::now();
            for _ in 0..plan.batch {
                if side == 0 {
                    adapter(ia).await;
                    ia += 1;
                } else {
                    baseline(ib).await;
                    ib += 1;
                }
            }
            let per_op = start.elapsed().as_nanos() as f64 / plan.batch as f64;
            if side == 0 { ta.push(per_op) } else { tb.push(per_op) }
        }
    }
    (median(&mut ta), median(&mut tb))
}

/// Times one side only; median nanoseconds per operation.
pub async fn single<A: AsyncFnMut(usize)>(plan: Plan, mut op: A) -> f64 {
    let mut i = 0;
    for _ in 0..plan.warmup {
        op(i).await;
        i += 1;
    }
    let mut t = Vec::new();
    for _ in 0..plan.samples {
        let start = Instant::now();
        for _ in 0..plan.batch {
            op(i).await;
            i += 1;
        }
        t.push(start.elapsed().as_nanos() as f64 / plan.batch as f64);
    }
    median(&mut t)
}

/// One line of the result table.
#[derive(Debug, Clone)]
pub struct Line {
    /// The operation.
    pub op: String,
    /// `adapter/backend`.
    pub row: String,
    /// Median nanoseconds per operation through the adapter (`None`: skipped).
    pub adapter_ns: Option<f64>,
    /// The same operation written by hand on the raw driver, in the same run.
    pub baseline_ns: Option<f64>,
    /// What the baseline is, or why the line was skipped.
    pub note: String,
}

/// Formats nanoseconds for people.
pub fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

/// Prints the table (Markdown, so it can be pasted into `docs/performance.md`).
pub fn print_table(lines: &[Line]) {
    println!();
    println!("| operation | adapter/backend | median/op | throughput | raw baseline | ratio | baseline / note |");
    println!("|---|---|---:|---:|---:|---:|---|");
    for l in lines {
        match l.adapter_ns {
            None => println!("| {} | {} | – | – | – | – | {} |", l.op, l.row, l.note),
            Some(a) => {
                let (b, ratio) = match l.baseline_ns {
                    Some(b) => (human(b), format!("{:.2}×", a / b)),
                    None => ("–".into(), "–".into()),
                };
                println!(
                    "| {} | {} | {} | {:.0}/s | {} | {} | {} |",
                    l.op,
                    l.row,
                    human(a),
                    1e9 / a,
                    b,
                    ratio,
                    l.note
                );
            }
        }
    }
    println!();
}
