//! Named, seeded random streams.
//!
//! Every source of randomness in a run (the arrival process, each instance's
//! failure process, each load balancer's choices, ...) owns its own ChaCha8
//! generator. The generator's key comes from the run seed and its stream
//! number from a stable hash (FNV-1a, 64 bit) of the stream's name, so adding
//! a component never shifts the numbers another component draws, and nothing
//! depends on thread count or hash-map order.

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng as SimRng;

/// FNV-1a over the bytes of `name`: stable across platforms and releases.
pub fn stream_id(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The generator for stream `name` of the run with `seed`.
pub fn stream(seed: u64, name: &str) -> SimRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    // A fixed tag in the rest of the key keeps firedrill's streams apart from
    // other programs that seed ChaCha with a bare u64.
    key[8..16].copy_from_slice(b"firedril");
    let mut rng = SimRng::from_seed(key);
    rng.set_stream(stream_id(name));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_name_same_numbers_other_name_other_numbers() {
        let a: u64 = stream(7, "workload/arrivals").random();
        let b: u64 = stream(7, "workload/arrivals").random();
        let c: u64 = stream(7, "fault/web/3").random();
        let d: u64 = stream(8, "workload/arrivals").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn stream_ids_are_stable_across_releases() {
        // FNV-1a test vector: changing the hash would silently change every
        // published result, so it is pinned here.
        assert_eq!(stream_id(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stream_id("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
