//! The performer's latent map, shipped with a model set: the plane spanned by the two main
//! directions (PCA) of the audio encoder's conditioning vectors over reference audio, with
//! those reference windows placed on it. The latent pad steers the conditioning toward a
//! point of this plane, blended with the live audio by the steer amount. The trainer writes
//! it; the engine and the editor read it — one definition of the plane for all three.

use std::path::Path;

use crate::manifest::ManifestError;

/// Current file format.
pub const LATENT_MAP_VERSION: u32 = 1;
/// File name the trainer writes beside the manifest.
pub const LATENT_MAP_FILE: &str = "latent_map.json";
/// Pad coordinates +-1 reach this many standard deviations along each axis.
pub const PAD_REACH_SIGMAS: f32 = 2.5;

/// One reference window placed on the map.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapPoint {
    /// Pad coordinates (within [-1, 1] for all but outliers).
    pub x: f32,
    pub y: f32,
    /// Index into [`LatentMap::labels`]: what the training data paired with this sound.
    pub label: u16,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatentMap {
    pub version: u32,
    /// Mean conditioning vector of the reference windows (`conditioning_dims` values).
    pub center: Vec<f32>,
    /// Two orthonormal directions, each `conditioning_dims` long.
    pub axes: [Vec<f32>; 2],
    /// Standard deviation of the reference windows along each axis.
    pub spread: [f32; 2],
    /// Names of the point labels (the visualizer families).
    pub labels: Vec<String>,
    pub points: Vec<MapPoint>,
}

impl LatentMap {
    /// Checks the map fits a model set whose conditioning has `dims` values.
    pub fn validate(&self, dims: usize) -> Result<(), String> {
        if self.version != LATENT_MAP_VERSION {
            return Err(format!(
                "latent map version {} (this Synesthete reads {LATENT_MAP_VERSION})",
                self.version
            ));
        }
        if self.center.len() != dims || self.axes.iter().any(|a| a.len() != dims) {
            return Err(format!(
                "latent map vectors must have {dims} values, like the conditioning"
            ));
        }
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        if !finite(&self.center) || !self.axes.iter().all(|a| finite(a)) {
            return Err("latent map holds non-finite numbers".into());
        }
        for axis in &self.axes {
            let norm = axis.iter().map(|v| v * v).sum::<f32>().sqrt();
            if (norm - 1.0).abs() > 1e-3 {
                return Err(format!(
                    "latent map axes must be unit length (found {norm})"
                ));
            }
        }
        if !self.spread.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err("latent map spreads must be positive".into());
        }
        if self
            .points
            .iter()
            .any(|p| !p.x.is_finite() || !p.y.is_finite() || p.label as usize >= self.labels.len())
        {
            return Err("latent map points must be finite and carry a known label".into());
        }
        Ok(())
    }

    /// Reads `<dir>/<file>` and validates it against `dims`.
    pub fn load(dir: &Path, file: &str, dims: usize) -> Result<Self, ManifestError> {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|_| ManifestError::MissingFile(path.clone()))?;
        let malformed = |reason: String| ManifestError::Malformed {
            path: path.clone(),
            reason,
        };
        let map: LatentMap =
            serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
        map.validate(dims).map_err(malformed)?;
        Ok(map)
    }

    /// Distances along the two axes for pad position (`x`, `y`), clamped to the pad.
    fn offsets(&self, x: f32, y: f32) -> (f32, f32) {
        (
            x.clamp(-1.0, 1.0) * PAD_REACH_SIGMAS * self.spread[0],
            y.clamp(-1.0, 1.0) * PAD_REACH_SIGMAS * self.spread[1],
        )
    }

    /// Pad coordinates of a conditioning vector (its projection onto the plane).
    pub fn project(&self, conditioning: &[f32]) -> (f32, f32) {
        let along = |axis: usize| {
            conditioning
                .iter()
                .zip(&self.center)
                .zip(&self.axes[axis])
                .map(|((c, m), a)| (c - m) * a)
                .sum::<f32>()
                / (PAD_REACH_SIGMAS * self.spread[axis])
        };
        (along(0), along(1))
    }

    /// Blends `conditioning` toward the pad position: `amount` 0 leaves the live audio,
    /// 1 replaces it with the map point.
    pub fn steer(&self, conditioning: &mut [f32], x: f32, y: f32, amount: f32) {
        let amount = amount.clamp(0.0, 1.0);
        if amount == 0.0 {
            return;
        }
        let (dx, dy) = self.offsets(x, y);
        for (i, value) in conditioning.iter_mut().enumerate() {
            let target = self.center[i] + dx * self.axes[0][i] + dy * self.axes[1][i];
            *value += amount * (target - *value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> LatentMap {
        LatentMap {
            version: LATENT_MAP_VERSION,
            center: vec![1.0, 0.0, 0.0],
            axes: [vec![0.0, 1.0, 0.0], vec![0.0, 0.0, 1.0]],
            spread: [0.4, 0.2],
            labels: vec!["bars".into()],
            points: vec![MapPoint {
                x: 0.5,
                y: -0.5,
                label: 0,
            }],
        }
    }

    #[test]
    fn points_and_projections_are_inverse_on_the_plane() {
        let map = map();
        let mut v = [0.0; 3];
        map.steer(&mut v, 0.6, -0.3, 1.0);
        let (x, y) = map.project(&v);
        assert!((x - 0.6).abs() < 1e-6 && (y + 0.3).abs() < 1e-6);
        map.steer(&mut v, 9.0, 0.0, 1.0);
        assert!((map.project(&v).0 - 1.0).abs() < 1e-6, "clamped to the pad");
    }

    #[test]
    fn steering_blends_from_the_audio_to_the_pad_point() {
        let map = map();
        let audio = [0.0, 0.0, 0.0];
        // Full steer lands on the pad point: centre + 2.5 spreads along each axis.
        let target = [1.0, PAD_REACH_SIGMAS * 0.4, PAD_REACH_SIGMAS * 0.2];
        for (amount, expected) in [(0.0, audio), (1.0, target)] {
            let mut v = audio;
            map.steer(&mut v, 1.0, 1.0, amount);
            assert_eq!(v, expected);
        }
        let mut half = audio;
        map.steer(&mut half, 1.0, 1.0, 0.5);
        assert!((half[1] - target[1] / 2.0).abs() < 1e-6);
    }

    #[test]
    fn missing_or_garbled_map_files_are_clear_errors() {
        let dir = std::env::temp_dir().join(format!("synesthete-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = LatentMap::load(&dir, "absent.json", 3).unwrap_err();
        assert!(missing.to_string().contains("absent.json"), "{missing}");
        std::fs::write(dir.join("bad.json"), b"{\"version\": 1, \"center\": [1, 2").unwrap();
        let garbled = LatentMap::load(&dir, "bad.json", 3).unwrap_err();
        assert!(
            garbled.to_string().contains("not a valid manifest")
                || garbled.to_string().contains("bad.json"),
            "{garbled}"
        );
        std::fs::write(dir.join("ok.json"), serde_json::to_vec(&map()).unwrap()).unwrap();
        assert_eq!(LatentMap::load(&dir, "ok.json", 3).unwrap(), map());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn maps_that_do_not_fit_are_refused() {
        assert!(map().validate(3).is_ok());
        assert!(map().validate(4).is_err());
        let mut bad = map();
        bad.axes[0] = vec![0.0, 2.0, 0.0];
        assert!(bad.validate(3).unwrap_err().contains("unit length"));
        let mut bad = map();
        bad.points[0].label = 3;
        assert!(bad.validate(3).is_err());
        let mut bad = map();
        bad.spread = [0.0, 1.0];
        assert!(bad.validate(3).is_err());
    }
}
