//! What the runs measured, reduced to medians (and min–max), checked against the project's
//! targets, and written out as one Markdown table and as JSON (`target/bench/latest.json`).

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One figure's measurements in one run: named numbers (`rps`, `p99_ms`, `peak_rss_kb`, …).
pub type Sample = BTreeMap<&'static str, f64>;

/// Median, min and max over runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

pub fn stat(values: &[f64]) -> Option<Stat> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Stat {
        median,
        min: v[0],
        max: v[n - 1],
        n,
    })
}

/// Everything measured in one invocation.
#[derive(Default)]
pub struct Record {
    /// figure → (run index → sample).
    pub samples: BTreeMap<&'static str, BTreeMap<usize, Sample>>,
    /// figure → why it was not measured.
    pub not_measured: BTreeMap<&'static str, String>,
    /// figure → the first failure seen, described.
    pub failure_notes: BTreeMap<&'static str, String>,
    /// Spawn → first 200, every cold start, in ms.
    pub cold_ms: Vec<f64>,
    pub requests: u64,
    pub failures: u64,
    pub durability: Option<String>,
    pub password_hash: Option<String>,
    pub log_lines: u64,
    pub log_warnings: u64,
    pub log_errors: u64,
    pub log_problems: Vec<String>,
}

impl Record {
    pub fn put(&mut self, fig: &'static str, run: usize, key: &'static str, value: f64) {
        self.samples
            .entry(fig)
            .or_default()
            .entry(run)
            .or_default()
            .insert(key, value);
    }

    pub fn add(&mut self, fig: &'static str, run: usize, sample: Sample) {
        let slot = self.samples.entry(fig).or_default().entry(run).or_default();
        slot.extend(sample);
    }

    pub fn skip(&mut self, fig: &'static str, why: &str) {
        self.not_measured
            .entry(fig)
            .or_insert_with(|| why.to_string());
    }

    pub fn note_failure(&mut self, fig: &'static str, what: Option<&str>) {
        if let Some(w) = what {
            self.failure_notes
                .entry(fig)
                .or_insert_with(|| w.to_string());
        }
    }

    pub fn get(&self, fig: &str, run: usize, key: &str) -> Option<f64> {
        self.samples.get(fig)?.get(&run)?.get(key).copied()
    }

    pub fn stat(&self, fig: &str, key: &str) -> Option<Stat> {
        let runs = self.samples.get(fig)?;
        let v: Vec<f64> = runs.values().filter_map(|s| s.get(key).copied()).collect();
        stat(&v)
    }

    /// A figure's req/s over the ping ceiling of the same run, per run, then the median.
    pub fn ratio(&self, fig: &str) -> Option<Stat> {
        let runs = self.samples.get(fig)?;
        let v: Vec<f64> = runs
            .iter()
            .filter_map(|(run, s)| Some(s.get("rps")? / self.get("ping", *run, "rps")?))
            .collect();
        stat(&v)
    }

    /// The sum of a key over runs (failure counts).
    pub fn sum(&self, fig: &str, key: &str) -> f64 {
        self.samples
            .get(fig)
            .map(|r| r.values().filter_map(|s| s.get(key)).sum())
            .unwrap_or(0.0)
    }
}

/// A target a figure is checked against (the table's `target` column).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// At least this ratio to the ping ceiling.
    MinRatio(f64),
    /// At most this many milliseconds.
    MaxMs(f64),
    /// At most this many MB (10^6 bytes).
    MaxMb(f64),
    /// At most this (a count).
    AtMost(f64),
    /// At most this many KB (10^3 bytes).
    MaxKb(f64),
    /// At most this many microseconds.
    MaxUs(f64),
    /// At least this fraction of the same figure without WebSocket listeners.
    MinShare(f64),
    /// Exactly zero.
    Zero,
    /// The synchronous level must be FULL.
    Full,
}

impl Target {
    fn text(self) -> String {
        match self {
            Target::MinRatio(r) => format!("≥ {r:.2}× ping"),
            Target::MaxMs(ms) => format!("≤ {} ms", trim_num(ms)),
            Target::MaxMb(mb) => format!("≤ {} MB", trim_num(mb)),
            Target::MaxKb(kb) => format!("≤ {} KB", trim_num(kb)),
            Target::MaxUs(us) => format!("≤ {} µs", trim_num(us)),
            Target::MinShare(r) => format!("≥ {r:.2}× without"),
            Target::AtMost(x) => format!("≤ {}", trim_num(x)),
            Target::Zero => "0".into(),
            Target::Full => "FULL".into(),
        }
    }
}

fn trim_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// One line of the table.
#[derive(Default)]
pub struct Row {
    pub key: &'static str,
    pub figure: String,
    pub result: String,
    pub p50: String,
    pub p99: String,
    pub ratio: String,
    pub cpu: String,
    pub peak: String,
    pub failed: String,
    pub target: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no target or not measured.
    pub met: Option<bool>,
    pub how: String,
    pub json: Map<String, Value>,
}

impl Row {
    pub fn not_measured(key: &'static str, figure: &str, why: &str, how: &str) -> Row {
        let mut json = Map::new();
        json.insert("not_measured".into(), Value::from(why));
        Row {
            key,
            figure: figure.into(),
            result: format!("not measured: {why}"),
            how: how.into(),
            json,
            ..Default::default()
        }
    }

    /// Sets the target and whether `value` meets it.
    pub fn target(&mut self, t: Target, value: Option<f64>) {
        let met = value.map(|v| match t {
            Target::MinRatio(r) => v >= r,
            Target::MaxMs(x) | Target::MaxMb(x) | Target::MaxKb(x) | Target::MaxUs(x) => v <= x,
            Target::MinShare(r) => v >= r,
            Target::AtMost(x) => v <= x,
            Target::Zero => v == 0.0,
            Target::Full => v == 1.0,
        });
        self.met = met;
        self.target = match met {
            Some(true) => format!("{} ✓", t.text()),
            Some(false) => format!("{} ✗ missed", t.text()),
            None => t.text(),
        };
        self.json.insert("target".into(), Value::from(t.text()));
        self.json
            .insert("met".into(), met.map(Value::from).unwrap_or(Value::Null));
    }
}

/// `31,723`
pub fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A number with sensible precision for its size.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        thousands(x)
    } else if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// `31,723 (30,921–34,725)` when there is more than one run, else `31,723`.
pub fn with_range(s: &Stat, f: impl Fn(f64) -> String) -> String {
    if s.n > 1 && s.min != s.max {
        format!("{} ({}–{})", f(s.median), f(s.min), f(s.max))
    } else {
        f(s.median)
    }
}

/// A ratio to the ping ceiling: two decimals, or three significant digits below 0.1.
pub fn ratio(x: f64) -> String {
    if x >= 0.1 || x == 0.0 {
        format!("{x:.2}")
    } else {
        let decimals = (2.0 - x.log10().floor()).clamp(2.0, 6.0) as usize;
        format!("{x:.decimals$}")
    }
}

pub fn ms(x: f64) -> String {
    format!("{} ms", num(x))
}

/// KiB (as /proc reports) → MB (10^6 bytes).
pub fn mb_from_kb(kb: f64) -> f64 {
    kb * 1024.0 / 1e6
}

pub fn mb(x: f64) -> String {
    format!("{x:.1} MB")
}

pub fn stat_json(s: Option<Stat>) -> Value {
    match s {
        Some(s) => json!({"median": s.median, "min": s.min, "max": s.max, "runs": s.n}),
        None => Value::Null,
    }
}

/// The Markdown table.
pub fn table(rows: &[Row]) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = String::from(
        "| figure | result | p50 | p99 | × ping | server CPU µs/req | peak RSS | failed | target | how |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let cells = [
            &r.figure, &r.result, &r.p50, &r.p99, &r.ratio, &r.cpu, &r.peak, &r.failed, &r.target,
            &r.how,
        ];
        out.push('|');
        for c in cells {
            out.push(' ');
            out.push_str(&esc(c));
            out.push_str(" |");
        }
        out.push('\n');
    }
    out
}

/// The rows as JSON objects.
pub fn rows_json(rows: &[Row]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                let mut m = r.json.clone();
                m.insert("key".into(), Value::from(r.key));
                m.insert("figure".into(), Value::from(r.figure.clone()));
                m.insert("result".into(), Value::from(r.result.clone()));
                m.insert("how".into(), Value::from(r.how.clone()));
                Value::Object(m)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ranges_and_ratios() {
        let s = stat(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(stat(&[1.0, 4.0]).unwrap().median, 2.5);
        assert!(stat(&[f64::NAN]).is_none());
        let mut r = Record::default();
        for (run, (ping, posts)) in [(100.0, 40.0), (200.0, 60.0), (50.0, 20.0)]
            .into_iter()
            .enumerate()
        {
            r.put("ping", run, "rps", ping);
            r.put("posts", run, "rps", posts);
        }
        let ratio = r.ratio("posts").unwrap();
        assert_eq!((ratio.min, ratio.median, ratio.max), (0.3, 0.4, 0.4));
        assert_eq!(r.sum("posts", "rps"), 120.0);
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(31723.4), "31,723");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(num(0.8812), "0.88");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(ratio(0.4321), "0.43");
        assert_eq!(ratio(0.0543), "0.0543");
        assert_eq!(ratio(0.000941), "0.000941");
        let s = stat(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(with_range(&s, num), "2.00 (1.00–3.00)");
        let mut row = Row::default();
        row.target(Target::MinRatio(0.4), Some(0.39));
        assert_eq!(row.met, Some(false));
        assert!(row.target.contains("missed"));
        row.target(Target::MaxMs(10.0), Some(3.0));
        assert_eq!(row.target, "≤ 10 ms ✓");
        row.how = "a <url|label> link".into();
        assert!(table(&[row]).contains("<url\\|label>"));
    }
}
