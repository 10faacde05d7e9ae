//! The temporal-coherence scheme of the architecture page: the initial noise is held fixed and
//! drifts slowly from one seed to the next (slerp at the "variation" speed), jumps to the next
//! seed on a beat when beat sync is on, and a new seed parameter restarts the path. The live
//! engine and the offline renderer both step this, so a render looks like the plugin.

use super::noise::{gaussian, slerp};

/// Seeds along the drift path are derived from the user's seed so that seed 1's path does not
/// replay seed 0's shifted by one.
fn path_seed(user_seed: u32, index: u64) -> u64 {
    (user_seed as u64) << 32 ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[derive(Debug, Clone)]
pub struct NoiseDrift {
    len: usize,
    user_seed: u32,
    /// Index of the seed the drift is leaving; it is heading for `index + 1`.
    index: u64,
    /// 0..1 along the way from `from` to `to`.
    phase: f32,
    from: Vec<f32>,
    to: Vec<f32>,
    current: Vec<f32>,
    last_beat_phase: Option<f64>,
}

impl NoiseDrift {
    pub fn new(len: usize, user_seed: u32) -> Self {
        let mut drift = Self {
            len,
            user_seed,
            index: 0,
            phase: 0.0,
            from: Vec::new(),
            to: Vec::new(),
            current: vec![0.0; len],
            last_beat_phase: None,
        };
        drift.restart(user_seed);
        drift
    }

    fn restart(&mut self, user_seed: u32) {
        self.user_seed = user_seed;
        self.index = 0;
        self.phase = 0.0;
        self.from = gaussian(path_seed(user_seed, 0), self.len);
        self.to = gaussian(path_seed(user_seed, 1), self.len);
    }

    fn next_seed(&mut self) {
        self.index += 1;
        self.from = std::mem::take(&mut self.to);
        self.to = gaussian(path_seed(self.user_seed, self.index + 1), self.len);
    }

    /// Moves the drift on by `dt_s` seconds and returns the noise for this frame.
    ///
    /// - `variation_hz`: seeds passed per second (0 holds the picture's noise still).
    /// - `beat_phase`: the position within the current beat (0..1), when known; with
    ///   `beat_sync` a wrap of it (a new beat) jumps to the next seed at once.
    /// - A changed `user_seed` restarts the path from that seed.
    pub fn advance(
        &mut self,
        user_seed: u32,
        variation_hz: f32,
        dt_s: f32,
        beat_sync: bool,
        beat_phase: Option<f64>,
    ) -> &[f32] {
        if user_seed != self.user_seed {
            self.restart(user_seed);
        }
        let new_beat =
            matches!((self.last_beat_phase, beat_phase), (Some(before), Some(now)) if now < before);
        self.last_beat_phase = beat_phase;
        if beat_sync && new_beat {
            self.next_seed();
        }
        self.phase += (variation_hz.max(0.0) * dt_s.max(0.0)).min(1.0);
        while self.phase >= 1.0 {
            self.phase -= 1.0;
            self.next_seed();
        }
        slerp(&self.from, &self.to, self.phase, &mut self.current);
        &self.current
    }

    /// How many seeds the path has moved on since the last restart.
    pub fn seeds_passed(&self) -> u64 {
        self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f32>()
            .sqrt()
    }

    #[test]
    fn zero_variation_holds_the_noise_and_slow_variation_moves_it_a_little() {
        let mut drift = NoiseDrift::new(256, 3);
        let first = drift.advance(3, 0.0, 1.0 / 30.0, false, None).to_vec();
        let held = drift.advance(3, 0.0, 1.0 / 30.0, false, None).to_vec();
        assert_eq!(first, held);
        let moved = drift.advance(3, 0.1, 1.0 / 30.0, false, None).to_vec();
        let step = distance(&held, &moved);
        // One frame at 0.1 Hz moves 1/300 of the way to an independent noise (~sqrt(2*256) away).
        assert!(step > 0.0 && step < 0.05 * (512f32).sqrt(), "{step}");
    }

    #[test]
    fn a_full_period_reaches_the_next_seed_and_a_seed_change_restarts() {
        let mut drift = NoiseDrift::new(64, 5);
        for _ in 0..30 {
            drift.advance(5, 1.0, 1.0 / 30.0, false, None);
        }
        assert_eq!(drift.seeds_passed(), 1);
        let again = NoiseDrift::new(64, 5)
            .advance(5, 0.0, 0.0, false, None)
            .to_vec();
        let restarted = drift.advance(5 + 1, 0.0, 0.0, false, None).to_vec();
        assert_eq!(drift.seeds_passed(), 0);
        assert_ne!(again, restarted);
        assert_eq!(
            restarted,
            NoiseDrift::new(64, 6).advance(6, 0.0, 0.0, false, None)
        );
    }

    #[test]
    fn beat_sync_jumps_on_the_beat_wrap_only_when_asked() {
        let mut synced = NoiseDrift::new(64, 1);
        let mut free = NoiseDrift::new(64, 1);
        for phase in [0.2, 0.6, 0.9, 0.1, 0.5, 0.95, 0.05] {
            synced.advance(1, 0.0, 0.01, true, Some(phase));
            free.advance(1, 0.0, 0.01, false, Some(phase));
        }
        assert_eq!(synced.seeds_passed(), 2);
        assert_eq!(free.seeds_passed(), 0);
    }
}
