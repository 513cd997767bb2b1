//! Known-weak RSA keys: the ROCA fingerprint (Infineon's key generator, CVE-2017-15361), primes
//! so close that Fermat's method factors the modulus, small prime factors, prime factors shared
//! between the keys of one input, and keys on a blocklist in the `badkeys` project's format
//! (the Debian 2008 OpenSSL keys and others).

use num_bigint::BigUint;
use num_traits::{One, Zero};
use serde::Serialize;

/// A weakness of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Weakness {
    /// The modulus has the structure of Infineon's vulnerable key generator (ROCA): it can be
    /// factored.
    Roca,
    /// The primes are close: Fermat's method factors the modulus in `rounds` steps.
    Fermat {
        /// Steps needed.
        rounds: u32,
    },
    /// A prime factor of at most 65537: the modulus is corrupt.
    SmallFactor {
        /// The factor.
        factor: u32,
    },
    /// A prime factor shared with another key of the input: both are factored.
    SharedFactor {
        /// The other key's position among the keys checked.
        with: usize,
    },
    /// On a blocklist (its id in the list file).
    Blocklisted {
        /// The list's id byte.
        list: u8,
    },
}

impl Weakness {
    /// In plain words.
    pub fn text(&self) -> String {
        match self {
            Weakness::Roca => "ROCA: the modulus carries the fingerprint of Infineon's flawed key generator (CVE-2017-15361); the private key can be computed".into(),
            Weakness::Fermat { rounds } => format!("close primes: Fermat's method factors the modulus in {rounds} step(s)"),
            Weakness::SmallFactor { factor } => format!("the modulus is divisible by {factor}: a corrupt key"),
            Weakness::SharedFactor { with } => format!("shares a prime factor with key {with} of this input: both are factored by a gcd"),
            Weakness::Blocklisted { list } => format!("on the supplied blocklist (list id {list}): a known compromised key"),
        }
    }
}

/// The small primes whose residues fingerprint ROCA moduli (Nemec et al., 2017): a modulus
/// from the flawed generator is, modulo each, a power of 65537.
const ROCA_PRIMES: &[u64] = &[
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

fn rem_u64(n: &[u8], p: u64) -> u64 {
    n.iter().fold(0u64, |r, b| ((r << 8) | u64::from(*b)) % p)
}

/// Whether the modulus (big-endian) has the ROCA fingerprint.
pub fn roca(n: &[u8]) -> bool {
    if n.len() < 16 {
        return false;
    }
    ROCA_PRIMES.iter().all(|&p| {
        let r = rem_u64(n, p);
        // The powers of 65537 modulo p.
        let g = 65537 % p;
        let mut x = 1u64;
        for _ in 0..p {
            if x == r {
                return true;
            }
            x = x * g % p;
        }
        false
    })
}

/// Steps of Fermat's method (from the integer square root of N upward) that factor N, within
/// `max_rounds`.
pub fn fermat(n: &BigUint, max_rounds: u32) -> Option<u32> {
    if n.is_zero() || (n % 2u32).is_zero() {
        return None;
    }
    let mut a = n.sqrt();
    if &(&a * &a) < n {
        a += 1u32;
    }
    for round in 1..=max_rounds {
        let b2 = &a * &a - n;
        let b = b2.sqrt();
        if &b * &b == b2 {
            let p = &a - &b;
            if p > BigUint::one() && &p < n {
                return Some(round);
            }
        }
        a += 1u32;
    }
    None
}

/// The primes up to 65537, sieved once.
fn small_primes() -> &'static [u32] {
    static PRIMES: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    PRIMES.get_or_init(|| {
        let mut sieve = vec![true; 65538];
        let mut out = Vec::new();
        for i in 2..=65537usize {
            if sieve[i] {
                out.push(i as u32);
                let mut j = i * i;
                while j <= 65537 {
                    sieve[j] = false;
                    j += i;
                }
            }
        }
        out
    })
}

/// The smallest prime factor of `n` of at most 65537.
pub fn small_factor(n: &[u8]) -> Option<u32> {
    if n.len() <= 4 {
        return None;
    }
    small_primes()
        .iter()
        .copied()
        .find(|&p| rem_u64(n, u64::from(p)) == 0)
}

/// A blocklist in the `badkeys` format: sorted 16-byte records, the first 15 bytes of the
/// SHA-256 of the key value (for RSA the modulus, big-endian without leading zeros), then the
/// list's id.
#[derive(Debug, Clone)]
pub struct Blocklist {
    data: Vec<u8>,
}

impl Blocklist {
    /// Reads a list file; `name` labels errors.
    pub fn parse(name: &str, data: Vec<u8>) -> Result<Blocklist, String> {
        if data.len() % 16 != 0 {
            return Err(format!(
                "{name}: {} bytes is not a whole number of 16-byte records (the badkeys blocklist format)",
                data.len()
            ));
        }
        if data
            .chunks(16)
            .zip(data.chunks(16).skip(1))
            .any(|(a, b)| a[..15] > b[..15])
        {
            return Err(format!(
                "{name}: the records are not sorted (the badkeys blocklist format)"
            ));
        }
        Ok(Blocklist { data })
    }

    /// The list id when the RSA modulus is on the list.
    pub fn rsa(&self, n: &[u8]) -> Option<u8> {
        let h = ring::digest::digest(&ring::digest::SHA256, n);
        let key = &h.as_ref()[..15];
        let recs = self.data.len() / 16;
        let (mut lo, mut hi) = (0usize, recs);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let rec = &self.data[mid * 16..mid * 16 + 16];
            match rec[..15].cmp(key) {
                std::cmp::Ordering::Equal => return Some(rec[15]),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }
}

/// Fermat steps tried (the same bound as the `badkeys` project).
pub const FERMAT_ROUNDS: u32 = 100;
/// Keys checked for shared factors (by a batch gcd), at most.
pub const MAX_SHARED_CHECK: usize = 20_000;
/// Keys found to share a factor whose partner is looked up, at most.
pub const MAX_PARTNER_SEARCH: usize = 256;

/// The weaknesses of each RSA modulus in `moduli` (position-aligned), including factors shared
/// between them.
pub fn check(moduli: &[Vec<u8>], list: Option<&Blocklist>) -> Vec<Vec<Weakness>> {
    let big: Vec<BigUint> = moduli.iter().map(|n| BigUint::from_bytes_be(n)).collect();
    let mut out: Vec<Vec<Weakness>> = moduli
        .iter()
        .zip(&big)
        .map(|(n, b)| {
            let mut w = Vec::new();
            if roca(n) {
                w.push(Weakness::Roca);
            }
            if let Some(factor) = small_factor(n) {
                w.push(Weakness::SmallFactor { factor });
            } else if let Some(rounds) = fermat(b, FERMAT_ROUNDS) {
                w.push(Weakness::Fermat { rounds });
            }
            if let Some(list) = list.and_then(|l| l.rsa(n)) {
                w.push(Weakness::Blocklisted { list });
            }
            w
        })
        .collect();
    let k = big.len().min(MAX_SHARED_CHECK);
    // Which moduli share a factor with another: a batch gcd (product and remainder trees,
    // Bernstein), near-linear in the number of keys; the partners of the few it flags are
    // then found by pairwise gcds. Identical moduli are one key.
    let mut distinct: Vec<usize> = (0..k).filter(|&i| !big[i].is_zero()).collect();
    distinct.sort_by(|a, b| big[*a].cmp(&big[*b]));
    distinct.dedup_by(|a, b| big[*a] == big[*b]);
    let ns: Vec<&BigUint> = distinct.iter().map(|&i| &big[i]).collect();
    let flagged: Vec<usize> = batch_gcd(&ns)
        .into_iter()
        .enumerate()
        .filter(|(_, g)| *g > BigUint::one())
        .map(|(x, _)| distinct[x])
        .collect();
    // One report per key, its first partner (partners are flagged too); the search is
    // bounded for inputs where most keys are flagged (random or broken moduli).
    for &i in flagged.iter().take(MAX_PARTNER_SEARCH) {
        let partner = flagged
            .iter()
            .copied()
            .find(|&j| j != i && big[j] != big[i] && gcd(&big[i], &big[j]) > BigUint::one());
        if let Some(j) = partner {
            out[i].push(Weakness::SharedFactor { with: j });
        }
    }
    out
}

/// For each modulus, gcd(n, product of the others): greater than one when it shares a factor
/// with another modulus of the list.
fn batch_gcd(ns: &[&BigUint]) -> Vec<BigUint> {
    if ns.len() < 2 {
        return vec![BigUint::one(); ns.len()];
    }
    // Product tree, leaves first.
    let mut levels: Vec<Vec<BigUint>> = vec![ns.iter().map(|n| (*n).clone()).collect()];
    while levels.last().is_some_and(|l| l.len() > 1) {
        let prev = levels.last().map(Vec::as_slice).unwrap_or(&[]);
        let next: Vec<BigUint> = prev
            .chunks(2)
            .map(|c| c.iter().fold(BigUint::one(), |a, b| a * b))
            .collect();
        levels.push(next);
    }
    // Remainder tree: P mod n^2 down to the leaves.
    let mut rems: Vec<BigUint> = levels.last().cloned().unwrap_or_default();
    for level in levels.iter().rev().skip(1) {
        rems = level
            .iter()
            .enumerate()
            .map(|(i, n)| &rems[i / 2] % (n * n))
            .collect();
    }
    ns.iter()
        .zip(rems)
        .map(|(n, r)| gcd(n, &(r / *n)))
        .collect()
}

fn gcd(a: &BigUint, b: &BigUint) -> BigUint {
    let (mut a, mut b) = (a.clone(), b.clone());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fermat_finds_close_primes_and_not_far_ones() {
        let p = BigUint::from(1_000_003u32);
        let q = BigUint::from(1_000_033u32);
        assert!(fermat(&(&p * &q), 10).is_some());
        let far = BigUint::from(1_000_003u32) * BigUint::from(2_000_029u32);
        assert_eq!(fermat(&far, 10), None);
    }

    #[test]
    fn shared_factors_by_batch_gcd() {
        let p = |x: u64| BigUint::from(x);
        // 1_000_003 is shared by keys 0 and 2; key 1 stands alone; key 3 repeats key 1.
        let ns: Vec<Vec<u8>> = [
            p(1_000_003) * p(1_000_033),
            p(1_000_037) * p(1_000_039),
            p(1_000_003) * p(1_000_081),
            p(1_000_037) * p(1_000_039),
        ]
        .iter()
        .map(BigUint::to_bytes_be)
        .collect();
        let w = check(&ns, None);
        let shared = |i: usize| {
            w[i].iter().find_map(|x| match x {
                Weakness::SharedFactor { with } => Some(*with),
                _ => None,
            })
        };
        assert_eq!(
            (shared(0), shared(1), shared(2), shared(3)),
            (Some(2), None, Some(0), None)
        );
    }

    #[test]
    fn small_factors() {
        let n = BigUint::from(3u32) * BigUint::from((1u64 << 40) | 1);
        assert_eq!(small_factor(&n.to_bytes_be()), Some(3));
        let n = BigUint::from(1_000_003u32) * BigUint::from(1_000_033u32);
        assert_eq!(small_factor(&n.to_bytes_be()), None);
    }
}
