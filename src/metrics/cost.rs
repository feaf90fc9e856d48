//! The monthly cost of a design, as data: computed by the `cost` module from
//! the model and the scenario's workload, read by the report writers. It
//! does not depend on the seed, so a study's runs all carry the same one.

/// Where a price came from: the public page and the date it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceSource {
    pub url: &'static str,
    /// The date the figure was read from `url` (ISO 8601).
    pub as_of: &'static str,
}

/// One priced line: `quantity` × `unit_price_usd` per `unit`, over a month.
#[derive(Clone, Debug, PartialEq)]
pub struct CostItem {
    /// The model component the line belongs to (`web`, `db`).
    pub component: String,
    /// What is priced (`aws/m5.large instances`, `cross-zone transfer`).
    pub item: String,
    /// How many `unit`s a month uses (instance-hours, GB-months, ...).
    pub quantity: f64,
    pub unit: String,
    pub unit_price_usd: f64,
    pub usd_per_month: f64,
    /// `None` for a price the model file set itself.
    pub source: Option<PriceSource>,
}

/// What a design costs per month, line by line, in model order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CostSummary {
    pub total_usd_per_month: f64,
    pub items: Vec<CostItem>,
    /// Components (or parts, `web.volume`) with no preset price and no
    /// `cost_per_month`: costed at 0, listed so a report never hides them.
    pub unpriced: Vec<String>,
    /// The latest `as_of` date among the catalog prices used (`None` when
    /// no catalog price was used).
    pub prices_as_of: Option<&'static str>,
}

/// Nines reported for an availability of 1 (no failed request): the same
/// cap the reports print as "≥ 9" (unavailability at or below 1e-9).
pub const NINES_CAP: f64 = 9.0;

/// Availability as a number of nines: −log10(1 − a); 0.999 → 3.0,
/// 0.9995 → 3.3. Capped at [`NINES_CAP`] (a = 1 would be infinite);
/// 0 for a ≤ 0; NaN stays NaN. The one definition the cost arithmetic and
/// every report use.
pub fn nines(availability: f64) -> f64 {
    if availability.is_nan() {
        return f64::NAN;
    }
    let unavailable = (1.0 - availability).clamp(0.0, 1.0);
    if unavailable <= 1e-9 {
        return NINES_CAP;
    }
    // libm: the same bits on every platform, like the rest of the report.
    (-libm::log10(unavailable)).max(0.0)
}
