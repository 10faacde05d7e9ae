//! Automation lanes for the offline renderer, read from a JSON file the user writes
//! (`docs/automation.md`):
//!
//! ```json
//! { "version": 1, "lanes": { "hue": [[0.0, 0.0], [10.0, 180.0]], "beat_sync": [[0, false], [4, true]] } }
//! ```
//!
//! Lanes are keyed by the stable IDs of [`ALL_PARAMS`]; each point is `[time_s, value]` with the
//! value in the parameter's plain units. Float lanes interpolate linearly, integer and boolean
//! lanes step; every lane holds its first value before its first point and its last value after
//! its last point. Everything is validated on load, so [`Automation::params_at`] cannot fail.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::params::{ALL_PARAMS, ParamField, ParamKind, ParamSpec, VisualParams};

/// The only `version` this build reads.
pub const FORMAT_VERSION: u64 = 1;

/// Why an automation file was rejected. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum AutomationError {
    #[error("cannot read automation file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A problem with the contents of the file at `path`.
    #[error("{}: {error}", path.display())]
    InFile {
        path: PathBuf,
        error: Box<AutomationError>,
    },
    /// Not JSON, or not the expected shape; serde's message carries the line and column.
    #[error("invalid automation JSON: {0}")]
    Json(serde_json::Error),
    #[error("unsupported automation version {found} (this build reads version {FORMAT_VERSION})")]
    Version { found: String },
    #[error("unknown parameter id \"{id}\" in lanes (valid ids: {})", valid_ids())]
    UnknownParam { id: String },
    #[error("lane \"{id}\" must be a list of [time_s, value] points, found {found}")]
    NotALane { id: String, found: String },
    #[error("lane \"{id}\" has no points; add at least one [time_s, value] or remove the lane")]
    EmptyLane { id: String },
    #[error("lane \"{id}\", point {number} {point}: {problem}")]
    Point {
        id: String,
        /// 1-based position of the point in its lane.
        number: usize,
        /// The point as written (compact JSON, shortened when long).
        point: String,
        problem: PointProblem,
    },
}

/// What is wrong with one `[time_s, value]` point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointProblem {
    #[error("expected a [time_s, value] pair")]
    Shape,
    #[error("the time must be a finite number of seconds")]
    TimeNotANumber,
    #[error("the time {time_s} s is negative")]
    NegativeTime { time_s: f64 },
    #[error("the time {time_s} s is not after the previous point's {previous_s} s")]
    NotIncreasing { time_s: f64, previous_s: f64 },
    #[error("expected {expected}")]
    WrongType { expected: &'static str },
    #[error("{value} is outside the parameter's range {}", range_text(spec))]
    OutOfRange {
        /// The value as written.
        value: String,
        spec: &'static ParamSpec,
    },
}

/// "min to max unit", for range errors.
fn range_text(spec: &ParamSpec) -> String {
    match spec.kind {
        ParamKind::Float { min, max, unit, .. } => format!("{min} to {max}{unit}"),
        ParamKind::Int { min, max, .. } => format!("{min} to {max}"),
        ParamKind::Bool { .. } => "false or true".to_owned(),
    }
}

/// Validated automation lanes: what the offline renderer evaluates once per frame.
#[derive(Debug, Clone, Default)]
pub struct Automation {
    /// In file order; at most one lane per parameter.
    lanes: Vec<Lane>,
}

#[derive(Debug, Clone)]
struct Lane {
    spec: &'static ParamSpec,
    points: Points,
}

/// A lane's breakpoints, sorted by strictly increasing time (seconds), with the `VisualParams`
/// field they drive.
#[derive(Debug, Clone)]
enum Points {
    Float(fn(&mut VisualParams) -> &mut f32, Vec<(f64, f32)>),
    Int(fn(&mut VisualParams) -> &mut u32, Vec<(f64, u32)>),
    Bool(fn(&mut VisualParams) -> &mut bool, Vec<(f64, bool)>),
}

fn valid_ids() -> String {
    ALL_PARAMS
        .iter()
        .map(|spec| spec.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The top level of the file. `version` is checked before this is parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "version")]
    _version: IgnoredAny,
    lanes: RawLanes,
}

/// `lanes` in file order, rejecting a parameter that appears twice (a plain map would silently
/// keep the last one).
struct RawLanes(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for RawLanes {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LanesVisitor;
        impl<'de> Visitor<'de> for LanesVisitor {
            type Value = RawLanes;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping parameter ids to lists of [time_s, value] points")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawLanes, A::Error> {
                let mut lanes: Vec<(String, Value)> = Vec::new();
                while let Some(id) = map.next_key::<String>()? {
                    if lanes.iter().any(|(seen, _)| *seen == id) {
                        return Err(de::Error::custom(format_args!(
                            "lane \"{id}\" appears twice"
                        )));
                    }
                    let points = map.next_value()?;
                    lanes.push((id, points));
                }
                Ok(RawLanes(lanes))
            }
        }
        deserializer.deserialize_map(LanesVisitor)
    }
}

/// Compact JSON for an error message, shortened so the message stays one readable line.
fn quote(value: &Value) -> String {
    const MAX_CHARS: usize = 40;
    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        text
    } else {
        let head: String = text.chars().take(MAX_CHARS).collect();
        format!("{head}...")
    }
}

impl Automation {
    /// No lanes: [`Automation::params_at`] returns its `base` unchanged.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Reads and validates an automation file. Errors about the contents name the file.
    pub fn load(path: &Path) -> Result<Self, AutomationError> {
        let text = std::fs::read_to_string(path).map_err(|source| AutomationError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|error| AutomationError::InFile {
            path: path.to_owned(),
            error: Box::new(error),
        })
    }

    /// Validates automation JSON.
    pub fn parse(text: &str) -> Result<Self, AutomationError> {
        // The version first, so a file from a newer build says so instead of failing on a shape
        // this build does not know.
        let document: Value = serde_json::from_str(text).map_err(AutomationError::Json)?;
        if let Some(version) = document.get("version")
            && version.as_u64() != Some(FORMAT_VERSION)
        {
            return Err(AutomationError::Version {
                found: quote(version),
            });
        }
        let raw: RawFile = serde_json::from_str(text).map_err(AutomationError::Json)?;
        let lanes = raw
            .lanes
            .0
            .into_iter()
            .map(|(id, points)| Lane::parse(id, points))
            .collect::<Result<_, _>>()?;
        Ok(Self { lanes })
    }

    /// True when no parameter is automated.
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    /// The IDs of the automated parameters, in file order.
    pub fn automated_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.lanes.iter().map(|lane| lane.spec.id)
    }

    /// The parameters at `time_s` seconds: automated ones from their lanes, the rest from `base`.
    /// A NaN time reads every lane's first value.
    pub fn params_at(&self, time_s: f64, base: &VisualParams) -> VisualParams {
        let mut params = *base;
        for lane in &self.lanes {
            match &lane.points {
                Points::Float(field, points) => *field(&mut params) = interpolate(points, time_s),
                Points::Int(field, points) => *field(&mut params) = step(points, time_s),
                Points::Bool(field, points) => *field(&mut params) = step(points, time_s),
            }
        }
        params
    }
}

/// Linear between the points around `time_s`; held outside them. `points` is non-empty and
/// sorted by strictly increasing time.
fn interpolate(points: &[(f64, f32)], time_s: f64) -> f32 {
    let after = points.partition_point(|&(t, _)| t <= time_s);
    if after == 0 {
        return points[0].1;
    }
    if after == points.len() {
        return points[after - 1].1;
    }
    let (t0, v0) = points[after - 1];
    let (t1, v1) = points[after];
    let x = (time_s - t0) / (t1 - t0);
    (f64::from(v0) + (f64::from(v1) - f64::from(v0)) * x) as f32
}

/// The last point at or before `time_s`; the first point before it.
fn step<T: Copy>(points: &[(f64, T)], time_s: f64) -> T {
    let after = points.partition_point(|&(t, _)| t <= time_s);
    points[after.saturating_sub(1)].1
}

impl Lane {
    fn parse(id: String, points: Value) -> Result<Self, AutomationError> {
        let Some(spec) = ParamSpec::by_id(&id) else {
            return Err(AutomationError::UnknownParam { id });
        };
        let Value::Array(raw_points) = points else {
            return Err(AutomationError::NotALane {
                id,
                found: quote(&points),
            });
        };
        if raw_points.is_empty() {
            return Err(AutomationError::EmptyLane { id });
        }
        let target = spec.field().unwrap_or_else(|| {
            panic!(
                "every id in ALL_PARAMS should map to a VisualParams field; add {} to \
                 ParamSpec::field",
                spec.id
            )
        });
        let capacity = raw_points.len();
        let mut points = match target {
            ParamField::Float(field) => Points::Float(field, Vec::with_capacity(capacity)),
            ParamField::Int(field) => Points::Int(field, Vec::with_capacity(capacity)),
            ParamField::Bool(field) => Points::Bool(field, Vec::with_capacity(capacity)),
        };
        let mut previous_s: Option<f64> = None;
        for (index, raw) in raw_points.iter().enumerate() {
            let located = |problem| AutomationError::Point {
                id: id.clone(),
                number: index + 1,
                point: quote(raw),
                problem,
            };
            let Some([time, value]) = raw.as_array().map(Vec::as_slice) else {
                return Err(located(PointProblem::Shape));
            };
            let time_s = time
                .as_f64()
                .filter(|t| t.is_finite())
                .ok_or_else(|| located(PointProblem::TimeNotANumber))?;
            if time_s < 0.0 {
                return Err(located(PointProblem::NegativeTime { time_s }));
            }
            if let Some(previous_s) = previous_s
                && time_s <= previous_s
            {
                return Err(located(PointProblem::NotIncreasing { time_s, previous_s }));
            }
            previous_s = Some(time_s);
            match &mut points {
                Points::Float(_, values) => {
                    values.push((time_s, float_value(spec, value).map_err(located)?))
                }
                Points::Int(_, values) => {
                    values.push((time_s, int_value(spec, value).map_err(located)?))
                }
                Points::Bool(_, values) => {
                    values.push((time_s, bool_value(value).map_err(located)?))
                }
            }
        }
        Ok(Self { spec, points })
    }
}

fn float_value(spec: &'static ParamSpec, value: &Value) -> Result<f32, PointProblem> {
    let ParamKind::Float { min, max, .. } = spec.kind else {
        panic!("ParamSpec::field gives {} a float field", spec.id)
    };
    let number = value.as_f64().ok_or(PointProblem::WrongType {
        expected: "a number",
    })?;
    // Compare in f32, the type the parameter lives in: 0.95 must pass a 0.95 max.
    let plain = number as f32;
    if (min..=max).contains(&plain) {
        Ok(plain)
    } else {
        Err(PointProblem::OutOfRange {
            value: value.to_string(),
            spec,
        })
    }
}

fn int_value(spec: &'static ParamSpec, value: &Value) -> Result<u32, PointProblem> {
    let ParamKind::Int { min, max, .. } = spec.kind else {
        panic!("ParamSpec::field gives {} an integer field", spec.id)
    };
    let integer = value.as_i64().ok_or(PointProblem::WrongType {
        expected: "a whole number",
    })?;
    i32::try_from(integer)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| PointProblem::OutOfRange {
            value: value.to_string(),
            spec,
        })
}

fn bool_value(value: &Value) -> Result<bool, PointProblem> {
    value.as_bool().ok_or(PointProblem::WrongType {
        expected: "true or false",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPSILON: f32 = 1e-4;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < EPSILON
    }

    fn parse(text: &str) -> Automation {
        Automation::parse(text).unwrap_or_else(|e| panic!("{text} should parse: {e}"))
    }

    fn problem(text: &str) -> AutomationError {
        let err = Automation::parse(text).expect_err(text);
        assert_eq!(err.to_string().lines().count(), 1, "{err}");
        err
    }

    fn point_problem(text: &str) -> (String, usize, PointProblem) {
        match problem(text) {
            AutomationError::Point {
                id,
                number,
                problem,
                ..
            } => (id, number, problem),
            other => panic!("{text}: expected a point error, got {other}"),
        }
    }

    #[test]
    fn example_from_the_docs_parses() {
        let automation = parse(
            r#"{ "version": 1, "lanes": { "hue": [[0.0, 0.0], [10.0, 180.0]],
                 "seed": [[0, 1], [8, 2]], "beat_sync": [[0, false], [4, true]] } }"#,
        );
        assert_eq!(
            automation.automated_ids().collect::<Vec<_>>(),
            ["hue", "seed", "beat_sync"]
        );
        let at_5 = automation.params_at(5.0, &VisualParams::default());
        assert!(close(at_5.hue_deg, 90.0), "{}", at_5.hue_deg);
        assert_eq!(at_5.seed, 1);
        assert!(at_5.beat_sync);
    }

    #[test]
    fn empty_automation_keeps_base() {
        let base = VisualParams {
            hue_deg: 12.0,
            seed: 7,
            ..VisualParams::default()
        };
        assert!(Automation::empty().is_empty());
        assert_eq!(Automation::empty().params_at(3.0, &base), base);
        let no_lanes = parse(r#"{"version": 1, "lanes": {}}"#);
        assert!(no_lanes.is_empty());
        assert_eq!(no_lanes.params_at(3.0, &base), base);
    }

    mod evaluation {
        use super::*;

        #[test]
        fn floats_interpolate_linearly() {
            let automation =
                parse(r#"{"version": 1, "lanes": {"zoom": [[1, 1.0], [3, 2.0], [4, 0.5]]}}"#);
            let base = VisualParams::default();
            for (t, zoom) in [(1.0, 1.0), (1.5, 1.25), (2.0, 1.5), (3.0, 2.0), (3.5, 1.25)] {
                let at = automation.params_at(t, &base).zoom;
                assert!(close(at, zoom), "zoom at {t} s: {at}, expected {zoom}");
            }
        }

        #[test]
        fn floats_hold_outside_the_points() {
            let automation = parse(r#"{"version": 1, "lanes": {"hue": [[2, -90], [4, 90]]}}"#);
            let base = VisualParams::default();
            assert!(close(automation.params_at(0.0, &base).hue_deg, -90.0));
            assert!(close(automation.params_at(1.99, &base).hue_deg, -90.0));
            assert!(close(automation.params_at(4.0, &base).hue_deg, 90.0));
            assert!(close(automation.params_at(1e6, &base).hue_deg, 90.0));
            assert!(close(automation.params_at(f64::NAN, &base).hue_deg, -90.0));
        }

        #[test]
        fn single_point_is_constant() {
            let automation = parse(r#"{"version": 1, "lanes": {"trails": [[5, 0.5]]}}"#);
            let base = VisualParams::default();
            for t in [0.0, 5.0, 100.0] {
                assert!(close(automation.params_at(t, &base).trails, 0.5));
            }
        }

        #[test]
        fn ints_and_bools_step() {
            let automation = parse(
                r#"{"version": 1, "lanes": {"seed": [[1, 10], [2, 20], [3, 30]],
                    "output": [[0, true], [2.5, false]]}}"#,
            );
            let base = VisualParams::default();
            for (t, seed, output) in [
                (0.0, 10, true),
                (1.0, 10, true),
                (1.99, 10, true),
                (2.0, 20, true),
                (2.5, 20, false),
                (2.99, 20, false),
                (3.0, 30, false),
                (60.0, 30, false),
            ] {
                let at = automation.params_at(t, &base);
                assert_eq!((at.seed, at.output_enabled), (seed, output), "at {t} s");
            }
        }

        #[test]
        fn unautomated_params_keep_base() {
            let automation = parse(r#"{"version": 1, "lanes": {"steps": [[0, 4]]}}"#);
            let base = VisualParams {
                hue_deg: 45.0,
                beat_sync: true,
                ..VisualParams::default()
            };
            let at = automation.params_at(1.0, &base);
            assert_eq!(at, VisualParams { steps: 4, ..base });
        }

        #[test]
        fn range_limits_are_accepted_exactly() {
            // 0.95 and 0.98 are not exact in binary; the f32 the table holds must still pass.
            parse(r#"{"version": 1, "lanes": {"inertia": [[0, 0.95]], "trails": [[0, 0.98]]}}"#);
            parse(r#"{"version": 1, "lanes": {"seed": [[0, 0], [1, 9999]]}}"#);
        }
    }

    mod validation {
        use super::*;

        #[test]
        fn not_json_shows_line_and_column() {
            let err = problem("{\n  \"version\": 1,\n  \"lanes\": { \"hue\": [[0, 1],] }\n}");
            assert!(matches!(err, AutomationError::Json(_)), "{err}");
            assert!(err.to_string().contains("line 3 column"), "{err}");
        }

        #[test]
        fn wrong_shape_is_a_json_error() {
            for text in [
                r#"[1, 2]"#,
                r#"{"version": 1}"#,
                r#"{"version": 1, "lanes": {}, "extra": 0}"#,
                r#"{"version": 1, "lanes": [1]}"#,
            ] {
                let err = problem(text);
                assert!(matches!(err, AutomationError::Json(_)), "{text}: {err}");
            }
        }

        #[test]
        fn duplicate_lane() {
            let err = problem(r#"{"version": 1, "lanes": {"hue": [[0, 1]], "hue": [[0, 2]]}}"#);
            assert!(
                err.to_string().contains("lane \"hue\" appears twice"),
                "{err}"
            );
        }

        #[test]
        fn unknown_version() {
            for (text, found) in [
                (r#"{"version": 2, "lanes": {"new": "shape"}}"#, "2"),
                (r#"{"version": "1", "lanes": {}}"#, "\"1\""),
                (r#"{"version": 1.5, "lanes": {}}"#, "1.5"),
            ] {
                match problem(text) {
                    AutomationError::Version { found: actual } => assert_eq!(actual, found),
                    other => panic!("{text}: {other}"),
                }
            }
            let missing = problem(r#"{"lanes": {}}"#);
            assert!(
                missing.to_string().contains("missing field `version`"),
                "{missing}"
            );
        }

        #[test]
        fn unknown_parameter_lists_valid_ids() {
            let err = problem(r#"{"version": 1, "lanes": {"hue_deg": [[0, 1]]}}"#);
            assert!(matches!(&err, AutomationError::UnknownParam { id } if id == "hue_deg"));
            let message = err.to_string();
            for spec in &ALL_PARAMS {
                assert!(message.contains(spec.id), "{message} lacks {}", spec.id);
            }
        }

        #[test]
        fn empty_lane_and_lane_that_is_not_a_list() {
            let err = problem(r#"{"version": 1, "lanes": {"zoom": []}}"#);
            assert!(
                matches!(&err, AutomationError::EmptyLane { id } if id == "zoom"),
                "{err}"
            );
            let err = problem(r#"{"version": 1, "lanes": {"zoom": 2.0}}"#);
            assert!(
                matches!(&err, AutomationError::NotALane { id, .. } if id == "zoom"),
                "{err}"
            );
        }

        #[test]
        fn malformed_points() {
            for point in ["[1]", "[1, 2, 3]", "{\"t\": 1}", "1"] {
                let text = format!(r#"{{"version": 1, "lanes": {{"zoom": [[0, 1], {point}]}}}}"#);
                assert_eq!(
                    point_problem(&text),
                    ("zoom".to_owned(), 2, PointProblem::Shape),
                    "{point}"
                );
            }
        }

        #[test]
        fn times_must_be_numbers() {
            let (_, number, problem) =
                point_problem(r#"{"version": 1, "lanes": {"zoom": [["1s", 1]]}}"#);
            assert_eq!((number, problem), (1, PointProblem::TimeNotANumber));
        }

        #[test]
        fn times_must_not_be_negative() {
            let (_, _, problem) = point_problem(r#"{"version": 1, "lanes": {"zoom": [[-1, 1]]}}"#);
            assert_eq!(problem, PointProblem::NegativeTime { time_s: -1.0 });
        }

        #[test]
        fn times_must_strictly_increase() {
            for (text, previous_s, time_s) in [
                (
                    r#"{"version": 1, "lanes": {"seed": [[0, 1], [2, 2], [2, 3]]}}"#,
                    2.0,
                    2.0,
                ),
                (
                    r#"{"version": 1, "lanes": {"seed": [[0, 1], [2, 2], [1, 3]]}}"#,
                    2.0,
                    1.0,
                ),
            ] {
                let err = problem(text);
                assert_eq!(
                    err.to_string(),
                    format!(
                        "lane \"seed\", point 3 [{time_s},3]: the time {time_s} s is not after \
                         the previous point's {previous_s} s"
                    )
                );
                let AutomationError::Point { problem, .. } = err else {
                    unreachable!()
                };
                assert_eq!(problem, PointProblem::NotIncreasing { time_s, previous_s });
            }
        }

        #[test]
        fn values_must_be_in_range() {
            let err = problem(r#"{"version": 1, "lanes": {"hue": [[0, 0], [1, 400]]}}"#);
            assert_eq!(
                err.to_string(),
                "lane \"hue\", point 2 [1,400]: 400 is outside the parameter's range -180 to \
                 180 deg"
            );
            for text in [
                r#"{"version": 1, "lanes": {"inertia": [[0, 0.96]]}}"#,
                r#"{"version": 1, "lanes": {"steps": [[0, 0]]}}"#,
                r#"{"version": 1, "lanes": {"seed": [[0, 10000]]}}"#,
                r#"{"version": 1, "lanes": {"seed": [[0, -1]]}}"#,
                r#"{"version": 1, "lanes": {"seed": [[0, 99999999999]]}}"#,
            ] {
                let (_, _, problem) = point_problem(text);
                assert!(
                    matches!(problem, PointProblem::OutOfRange { .. }),
                    "{text}: {problem}"
                );
            }
        }

        #[test]
        fn values_must_have_the_parameter_type() {
            for (text, expected) in [
                (
                    r#"{"version": 1, "lanes": {"hue": [[0, true]]}}"#,
                    "a number",
                ),
                (
                    r#"{"version": 1, "lanes": {"hue": [[0, "90"]]}}"#,
                    "a number",
                ),
                (
                    r#"{"version": 1, "lanes": {"seed": [[0, 1.5]]}}"#,
                    "a whole number",
                ),
                (
                    r#"{"version": 1, "lanes": {"seed": [[0, false]]}}"#,
                    "a whole number",
                ),
                (
                    r#"{"version": 1, "lanes": {"beat_sync": [[0, 1]]}}"#,
                    "true or false",
                ),
                (
                    r#"{"version": 1, "lanes": {"output": [[0, null]]}}"#,
                    "true or false",
                ),
            ] {
                let (_, _, problem) = point_problem(text);
                assert_eq!(problem, PointProblem::WrongType { expected }, "{text}");
            }
        }

        #[test]
        fn the_first_bad_point_is_reported() {
            let (_, number, problem) =
                point_problem(r#"{"version": 1, "lanes": {"zoom": [[0, 9], [1, 1], [1, 1]]}}"#);
            assert_eq!(number, 1);
            assert!(
                matches!(problem, PointProblem::OutOfRange { .. }),
                "{problem}"
            );
        }

        #[test]
        fn long_points_are_shortened_in_messages() {
            let long = "x".repeat(500);
            let text = format!(r#"{{"version": 1, "lanes": {{"zoom": [[0, "{long}"]]}}}}"#);
            let message = problem(&text).to_string();
            assert!(message.len() < 200, "{message}");
        }

        #[test]
        fn load_names_the_file() {
            let dir = std::env::temp_dir();
            let missing = dir.join(format!("synesthete-no-such-{}.json", std::process::id()));
            let err = Automation::load(&missing).unwrap_err();
            assert!(matches!(err, AutomationError::Read { .. }), "{err}");
            assert!(
                err.to_string().contains(&missing.display().to_string()),
                "{err}"
            );

            let path = dir.join(format!("synesthete-automation-{}.json", std::process::id()));
            std::fs::write(&path, r#"{"version": 1, "lanes": {"zoom": [[0, 9]]}}"#).unwrap();
            let err = Automation::load(&path).unwrap_err();
            std::fs::write(&path, r#"{"version": 1, "lanes": {"zoom": [[0, 2]]}}"#).unwrap();
            let ok = Automation::load(&path);
            std::fs::remove_file(&path).unwrap();
            assert!(
                err.to_string()
                    .starts_with(&format!("{}: lane \"zoom\", point 1", path.display())),
                "{err}"
            );
            assert_eq!(ok.unwrap().automated_ids().collect::<Vec<_>>(), ["zoom"]);
        }
    }
}
