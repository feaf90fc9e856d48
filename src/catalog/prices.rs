//! List prices for the presets: AWS us-east-1 (N. Virginia), on-demand,
//! Linux, USD. Each figure carries the public page it is listed on and the
//! month it is known to have been listed there (`as_of`).
//!
//! Honesty about dates: none of these figures is in
//! `shared/reference/cloud-figures.md`. They are the well-known published
//! list prices, stable on the AWS pricing pages since at least January 2024
//! (`as_of: 2024-01`); they were written into this table on 2026-11-25
//! without re-reading the pages (the build machine has no web access), so
//! check them against the pages before quoting a bill. (A third-party page
//! dated 2026-05-08, cloud-horizons.com "ALB: the line item nobody watches",
//! still quotes the same ALB figures.)
//!
//! What each managed preset is priced as (the presets describe behaviour,
//! not an instance class, so the class is an assumption):
//!
//! * `aws/rds-single-az`, `aws/rds-multi-az`: RDS for MySQL db.m5.large,
//!   $0.171/h Single-AZ; Multi-AZ doubles instance and storage ($0.342/h,
//!   storage $0.23 instead of $0.115 per GB-month).
//! * `aws/rds-multi-az-cluster`: one writer and two readable standbys,
//!   priced as three db.m5.large Single-AZ instances and three copies of
//!   the storage (assumption; the cluster's own rate card differs a little).
//! * `aws/aurora`: Aurora MySQL db.r5.large $0.29/h; storage $0.10 per
//!   GB-month (I/O charges not priced).
//! * `aws/elasticache-redis`: cache.m5.large nodes, $0.156/h each.

/// Where a price is listed and when it is known to have been listed there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceSource {
    pub url: &'static str,
    pub as_of: &'static str,
}

/// The month the figures below are known to have been listed.
pub const AS_OF: &str = "2024-01";

pub const EC2: PriceSource = PriceSource {
    url: "https://aws.amazon.com/ec2/pricing/on-demand/",
    as_of: AS_OF,
};
pub const EBS: PriceSource = PriceSource {
    url: "https://aws.amazon.com/ebs/pricing/",
    as_of: AS_OF,
};
pub const RDS: PriceSource = PriceSource {
    url: "https://aws.amazon.com/rds/mysql/pricing/",
    as_of: AS_OF,
};
pub const AURORA: PriceSource = PriceSource {
    url: "https://aws.amazon.com/rds/aurora/pricing/",
    as_of: AS_OF,
};
pub const ELASTICACHE: PriceSource = PriceSource {
    url: "https://aws.amazon.com/elasticache/pricing/",
    as_of: AS_OF,
};
pub const ELB: PriceSource = PriceSource {
    url: "https://aws.amazon.com/elasticloadbalancing/pricing/",
    as_of: AS_OF,
};
pub const S3: PriceSource = PriceSource {
    url: "https://aws.amazon.com/s3/pricing/",
    as_of: AS_OF,
};
/// EC2 on-demand page, "Data Transfer within the same AWS Region".
pub const TRANSFER: PriceSource = PriceSource {
    url: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    as_of: AS_OF,
};

/// A price in USD with its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    pub usd: f64,
    pub source: PriceSource,
}

const fn price(usd: f64, source: PriceSource) -> Price {
    Price { usd, source }
}

/// How a load balancer is billed: per hour, plus per capacity unit-hour
/// (ALB LCU, NLB NLCU) or per GB processed (CLB).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoadBalancerBilling {
    /// Capacity units; each unit covers `new_connections_per_s` new
    /// connections per second or `gb_per_hour` GB processed per hour,
    /// whichever dimension is larger is billed.
    CapacityUnits {
        unit_hour: Price,
        new_connections_per_s: f64,
        gb_per_hour: f64,
    },
    PerGb(Price),
}

/// The price of one preset, by what it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PresetPrice {
    /// An instance-hour (EC2).
    Instance { hour: Price },
    /// A GB-month of block storage.
    Volume { gb_month: Price },
    /// A managed database: instance-hour and storage GB-month of one
    /// deployment (Multi-AZ prices already doubled), and the instance-hour
    /// of one read replica and its own storage.
    Database {
        hour: Price,
        storage_gb_month: Price,
        replica_hour: Price,
        replica_storage_gb_month: Price,
    },
    /// A cache node-hour.
    CacheNode { hour: Price },
    LoadBalancer {
        hour: Price,
        billing: LoadBalancerBilling,
    },
    /// Storage per GB-month and requests per 1,000.
    ObjectStore {
        gb_month: Price,
        get_per_1000: Price,
        put_per_1000: Price,
    },
}

/// Cross-zone data transfer in a region: $0.01/GB out of the sending zone
/// and $0.01/GB into the receiving one, so a GB crossing costs $0.02.
pub const CROSS_ZONE_PER_GB_EACH_DIRECTION: Price = price(0.01, TRANSFER);

// RDS for MySQL db.m5.large, Single-AZ; storage gp2/gp3 per GB-month.
const RDS_M5_LARGE_HOUR: f64 = 0.171;
const RDS_STORAGE_GB_MONTH: f64 = 0.115;

/// The price of a preset, or `None` for presets that are free in
/// themselves (`aws/asg`: Auto Scaling has no charge beyond its
/// instances; `aws/network`: transfer is priced separately).
pub fn lookup(name: &str) -> Option<PresetPrice> {
    let p = match name {
        "aws/m5.large" => PresetPrice::Instance {
            hour: price(0.096, EC2),
        },
        "aws/t3.medium" => PresetPrice::Instance {
            hour: price(0.0416, EC2),
        },
        "aws/c5.xlarge" => PresetPrice::Instance {
            hour: price(0.17, EC2),
        },
        "aws/gp2" => PresetPrice::Volume {
            gb_month: price(0.10, EBS),
        },
        "aws/gp3" => PresetPrice::Volume {
            gb_month: price(0.08, EBS),
        },
        // Storage only: io2's provisioned IOPS ($0.065 per IOPS-month for
        // the first 32,000) are not priced.
        "aws/io2" => PresetPrice::Volume {
            gb_month: price(0.125, EBS),
        },
        "aws/rds-single-az" => rds(1.0),
        "aws/rds-multi-az" => rds(2.0),
        "aws/rds-multi-az-cluster" => rds(3.0),
        "aws/aurora" => PresetPrice::Database {
            hour: price(0.29, AURORA),
            storage_gb_month: price(0.10, AURORA),
            replica_hour: price(0.29, AURORA),
            // Aurora replicas share the cluster volume: no storage of their own.
            replica_storage_gb_month: price(0.0, AURORA),
        },
        "aws/elasticache-redis" => PresetPrice::CacheNode {
            hour: price(0.156, ELASTICACHE),
        },
        // ALB: 1 LCU = 25 new connections/s, 3,000 active connections,
        // 1 GB/h processed or 1,000 rule evaluations/s.
        "aws/alb" => PresetPrice::LoadBalancer {
            hour: price(0.0225, ELB),
            billing: LoadBalancerBilling::CapacityUnits {
                unit_hour: price(0.008, ELB),
                new_connections_per_s: 25.0,
                gb_per_hour: 1.0,
            },
        },
        // NLB: 1 NLCU = 800 new TCP connections/s or 1 GB/h processed.
        "aws/nlb" => PresetPrice::LoadBalancer {
            hour: price(0.0225, ELB),
            billing: LoadBalancerBilling::CapacityUnits {
                unit_hour: price(0.006, ELB),
                new_connections_per_s: 800.0,
                gb_per_hour: 1.0,
            },
        },
        "aws/clb" => PresetPrice::LoadBalancer {
            hour: price(0.025, ELB),
            billing: LoadBalancerBilling::PerGb(price(0.008, ELB)),
        },
        // S3 Standard: first 50 TB per month; GET and PUT request tiers.
        "aws/s3" => PresetPrice::ObjectStore {
            gb_month: price(0.023, S3),
            get_per_1000: price(0.0004, S3),
            put_per_1000: price(0.005, S3),
        },
        _ => return None,
    };
    Some(p)
}

/// RDS for MySQL db.m5.large with `copies` synchronous copies (1 Single-AZ,
/// 2 Multi-AZ, 3 Multi-AZ DB cluster): instance and storage scale with the
/// copies; a read replica is one more Single-AZ instance.
fn rds(copies: f64) -> PresetPrice {
    PresetPrice::Database {
        hour: price(RDS_M5_LARGE_HOUR * copies, RDS),
        storage_gb_month: price(RDS_STORAGE_GB_MONTH * copies, RDS),
        replica_hour: price(RDS_M5_LARGE_HOUR, RDS),
        replica_storage_gb_month: price(RDS_STORAGE_GB_MONTH, RDS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_that_costs_money_has_a_price() {
        for name in super::super::names() {
            let free = matches!(name, "aws/asg" | "aws/network");
            assert_eq!(lookup(name).is_some(), !free, "{name}");
        }
    }

    #[test]
    fn multi_az_doubles_instance_and_storage() {
        let (
            Some(PresetPrice::Database {
                hour: h1,
                storage_gb_month: s1,
                ..
            }),
            Some(PresetPrice::Database {
                hour: h2,
                storage_gb_month: s2,
                ..
            }),
        ) = (lookup("aws/rds-single-az"), lookup("aws/rds-multi-az"))
        else {
            panic!("rds presets missing");
        };
        assert_eq!(h2.usd, 2.0 * h1.usd);
        assert_eq!(s2.usd, 2.0 * s1.usd);
    }
}
