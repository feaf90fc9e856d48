//! The timeline chart's data, folded from the trace as it is written: one
//! row per component and zone with its state in each of a fixed number of
//! columns, the columns with a fault or a retry storm active, and the
//! scripted faults' start marks. Memory is rows × columns, whatever the
//! horizon or the number of events.

use std::collections::BTreeMap;

use super::trace::TraceEvent;
use crate::time::SimTime;

/// Columns across the chart (one pixel each).
pub const TIMELINE_COLUMNS: usize = 960;
/// Fault start marks kept for labels.
pub const TIMELINE_MARKS_MAX: usize = 64;

/// A row's state; a column shows the worst state it saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowState {
    Up = 0,
    /// Some nodes down, or some targets unhealthy in a load balancer's view.
    Degraded = 1,
    FailingOver = 2,
    /// Every node down.
    Down = 3,
}

impl RowState {
    pub fn name(self) -> &'static str {
        match self {
            RowState::Up => "up",
            RowState::Degraded => "degraded",
            RowState::FailingOver => "failing over",
            RowState::Down => "down",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TimelineRow {
    pub component: String,
    pub zone: String,
    /// Nodes up at the start (the row's full strength).
    pub nodes: u32,
    up: u32,
    unhealthy: u32,
    failing_over: bool,
    current: RowState,
    since: usize,
    pub columns: Vec<RowState>,
}

impl TimelineRow {
    fn state(&self) -> RowState {
        if self.up == 0 {
            RowState::Down
        } else if self.failing_over {
            RowState::FailingOver
        } else if self.up < self.nodes || self.unhealthy > 0 {
            RowState::Degraded
        } else {
            RowState::Up
        }
    }
}

/// Columns where a counted condition held (faults, storms).
#[derive(Clone, Debug)]
pub struct Band {
    active: i64,
    since: usize,
    pub columns: Vec<bool>,
}

impl Band {
    fn new() -> Self {
        Band {
            active: 0,
            since: 0,
            columns: vec![false; TIMELINE_COLUMNS],
        }
    }

    fn change(&mut self, col: usize, delta: i64) {
        if self.active > 0 {
            for c in &mut self.columns[self.since..=col] {
                *c = true;
            }
        }
        self.active = (self.active + delta).max(0);
        self.since = col;
    }
}

#[derive(Clone, Debug)]
pub struct StateTimeline {
    pub end: SimTime,
    pub rows: Vec<TimelineRow>,
    index: BTreeMap<(String, String), usize>,
    pub faults: Band,
    pub storms: Band,
    /// Scripted fault starts: (seconds, label).
    pub marks: Vec<(f64, String)>,
}

impl StateTimeline {
    /// `rows`: (component, zone, nodes up at the start), in display order.
    pub fn new(end: SimTime, rows: Vec<(String, String, u32)>) -> Self {
        let mut index = BTreeMap::new();
        let rows: Vec<TimelineRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (component, zone, nodes))| {
                index.insert((component.clone(), zone.clone()), i);
                TimelineRow {
                    component,
                    zone,
                    nodes,
                    up: nodes,
                    unhealthy: 0,
                    failing_over: false,
                    current: if nodes == 0 {
                        RowState::Down
                    } else {
                        RowState::Up
                    },
                    since: 0,
                    columns: vec![RowState::Up; TIMELINE_COLUMNS],
                }
            })
            .collect();
        StateTimeline {
            end,
            rows,
            index,
            faults: Band::new(),
            storms: Band::new(),
            marks: Vec::new(),
        }
    }

    fn column(&self, at: SimTime) -> usize {
        let end = self.end.0.max(1);
        let c = u128::from(at.0.min(end)) * TIMELINE_COLUMNS as u128 / u128::from(end);
        (c as usize).min(TIMELINE_COLUMNS - 1)
    }

    fn update_row(&mut self, i: usize, col: usize, change: impl FnOnce(&mut TimelineRow)) {
        let row = &mut self.rows[i];
        change(row);
        let new = row.state();
        if new != row.current {
            let old = row.current;
            for c in &mut row.columns[row.since..=col] {
                *c = (*c).max(old);
            }
            row.current = new;
            row.since = col;
        }
    }

    /// Folds one trace event in.
    pub fn record(&mut self, e: &TraceEvent) {
        let col = self.column(e.at);
        let key = (e.component.clone(), e.zone.clone().unwrap_or_default());
        let row = self.index.get(&key).copied();
        match (e.event, row) {
            ("node_down", Some(i)) => self.update_row(i, col, |r| r.up = r.up.saturating_sub(1)),
            ("node_up", Some(i)) => self.update_row(i, col, |r| r.up += 1),
            ("target_unhealthy", Some(i)) => self.update_row(i, col, |r| r.unhealthy += 1),
            ("target_healthy", Some(i)) => {
                self.update_row(i, col, |r| r.unhealthy = r.unhealthy.saturating_sub(1))
            }
            ("failover_started" | "failover_detected", _) => self.set_failing_over(e, col, true),
            (
                "failover_promoted"
                | "failover_failed"
                | "failover_aborted"
                | "failover_no_candidate",
                _,
            ) => self.set_failing_over(e, col, false),
            ("fault_start", _) => {
                self.faults.change(col, 1);
                if self.marks.len() < TIMELINE_MARKS_MAX {
                    self.marks.push((e.at.as_secs_f64(), e.cause.clone()));
                }
            }
            ("random_failure", _) => self.faults.change(col, 1),
            ("fault_end" | "random_repair", _) => self.faults.change(col, -1),
            ("retry_storm_start", _) => self.storms.change(col, 1),
            ("retry_storm_end", _) => self.storms.change(col, -1),
            _ => {}
        }
    }

    fn set_failing_over(&mut self, e: &TraceEvent, col: usize, on: bool) {
        for i in 0..self.rows.len() {
            if self.rows[i].component == e.component {
                self.update_row(i, col, |r| r.failing_over = on);
            }
        }
    }

    /// Fills the columns up to the end with each row's current state.
    pub fn finish(&mut self) {
        let last = TIMELINE_COLUMNS - 1;
        for row in &mut self.rows {
            let current = row.current;
            for c in &mut row.columns[row.since..=last] {
                *c = (*c).max(current);
            }
            row.since = last;
        }
        self.faults.change(last, 0);
        self.storms.change(last, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::NANOS_PER_SECOND;

    #[test]
    fn rows_show_the_worst_state_per_column() {
        let end = SimTime(960 * NANOS_PER_SECOND);
        let mut t = StateTimeline::new(end, vec![("web".into(), "a".into(), 2)]);
        let at = |s: u64| SimTime(s * NANOS_PER_SECOND);
        let e = |s, event| TraceEvent::new(at(s), event, "web").zone(Some("a"));
        t.record(&e(100, "node_down"));
        t.record(&e(100, "node_down"));
        t.record(&e(200, "node_up"));
        t.record(&e(300, "node_up"));
        t.finish();
        let c = &t.rows[0].columns;
        assert_eq!(c[50], RowState::Up);
        assert_eq!(c[150], RowState::Down);
        assert_eq!(c[250], RowState::Degraded);
        assert_eq!(c[350], RowState::Up);
    }
}
