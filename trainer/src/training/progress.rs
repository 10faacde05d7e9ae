//! The progress bar every training loop shows.

pub fn bar(prefix: &str, steps: usize, start: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(steps as u64).with_position(start as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix.to_string());
    bar
}
