//! CPython's `random.Random`, restricted to what the generator uses: seeding
//! from a string and `random()`, and the draws built on it. A self-contained
//! MT19937, so the stream never changes with a dependency's version, and
//! matches the Python generator's.

use sha2::{Digest as _, Sha512};

const N: usize = 624;
const M: usize = 397;

pub struct Rng {
    mt: [u32; N],
    index: usize,
}

impl Rng {
    /// `random.Random(f"{seed}:{stream}")`: one independent stream per purpose.
    pub fn new(seed: u64, stream: &str) -> Rng {
        // Python (version-2 string seeding): a = int.from_bytes(s + sha512(s), "big"),
        // then init_by_array with a's 32-bit words, least significant first.
        let text = format!("{seed}:{stream}");
        let mut bytes = text.into_bytes();
        let digest = Sha512::digest(&bytes);
        bytes.extend_from_slice(&digest);
        let mut key: Vec<u32> = bytes.rchunks(4).map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | b as u32)).collect();
        while key.len() > 1 && key.last() == Some(&0) {
            key.pop(); // CPython uses only as many words as the integer needs
        }
        Rng::from_key(&key)
    }

    /// Seeded as CPython's `init_by_array(key)`: `random.Random(n)` for a
    /// non-negative integer `n` is its 32-bit words, least significant first.
    fn from_key(key: &[u32]) -> Rng {
        let mut rng = Rng { mt: [0; N], index: N };
        rng.init_by_array(key);
        rng
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    fn next_u32(&mut self) -> u32 {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        let mag = |y: u32| if y & 1 == 1 { 0x9908_b0df } else { 0 };
        if self.index >= N {
            for kk in 0..N {
                let y = (self.mt[kk] & UPPER) | (self.mt[(kk + 1) % N] & LOWER);
                self.mt[kk] = self.mt[(kk + M) % N] ^ (y >> 1) ^ mag(y);
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Uniform in [0, 1) with 53 random bits, as `random.random()`.
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        ((self.random() * n as f64) as usize).min(n - 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// lo..=hi
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// An index drawn from cumulative weights.
    pub fn weighted(&mut self, cum: &[f64]) -> usize {
        let x = self.random() * cum[cum.len() - 1];
        cum.partition_point(|&c| c <= x).min(cum.len() - 1)
    }
}

/// Running totals of `weights`, as [`Rng::weighted`] draws from.
pub fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut s = 0.0;
    weights
        .into_iter()
        .map(|w| {
            s += w;
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_seed_gives_pythons_stream() {
        // CPython: random.Random(42).random() x3
        let mut r = Rng::from_key(&[42]);
        assert_eq!(r.random(), 0.6394267984578837);
        assert_eq!(r.random(), 0.025010755222666936);
        assert_eq!(r.random(), 0.27502931836911926);
    }

    #[test]
    fn string_seed_gives_pythons_stream() {
        // CPython: random.Random("1:suppliers").random() x3
        let mut r = Rng::new(1, "suppliers");
        assert_eq!(r.random(), 0.7606177785020598);
        assert_eq!(r.random(), 0.839729154422502);
        assert_eq!(r.random(), 0.25562614594807165);
        let mut r = Rng::new(u64::MAX, "evidence");
        assert_eq!(r.random(), 0.01886177259940225);
        assert_eq!(r.random(), 0.5439496986196615);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::new(1, "draws");
        for _ in 0..1_000 {
            assert!(r.below(3) < 3);
            assert!((2..=4).contains(&r.between(2, 4)));
            assert!(r.weighted(&[1.0, 1.5, 4.0]) < 3);
        }
        // a zero weight is never drawn
        let cum = cumulative([1.0, 0.0, 1.0]);
        assert_eq!(cum, [1.0, 1.0, 2.0]);
        assert!((0..1_000).all(|_| r.weighted(&cum) != 1));
    }
}
