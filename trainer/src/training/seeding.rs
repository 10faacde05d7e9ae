//! One seeded random stream at a time. burn's Flex backend keeps a single random generator for
//! the whole process, so two trainings side by side would draw each other's numbers (weight
//! initialisation, latent noise) and each result would hang on thread timing. Everything that
//! seeds the backend goes through here and holds the generator while it draws.

use std::sync::{Mutex, MutexGuard, PoisonError};

use burn::prelude::*;

static GENERATOR: Mutex<()> = Mutex::new(());

/// The process's random generator, held for one seeded run; dropping it lets the next run seed.
#[must_use = "the generator is held only while the guard lives"]
pub struct SeededGenerator {
    _held: MutexGuard<'static, ()>,
}

/// Waits for any other seeded run in this process to finish, then seeds `device`'s generator.
/// Never nest two of these on one thread: the second would wait forever.
pub fn seed_exclusively(device: &Device, seed: u64) -> SeededGenerator {
    // A run that panicked poisons the lock; the generator is reseeded here anyway.
    let held = GENERATOR.lock().unwrap_or_else(PoisonError::into_inner);
    device.seed(seed);
    SeededGenerator { _held: held }
}
