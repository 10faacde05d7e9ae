//! Project chores: `cargo xtask <command>`.
//!
//! - `bundle <package> [cargo args]`: nice-plug-xtask's CLAP/VST3 bundling, then copies `models/`
//!   and the ONNX Runtime library into each bundle (see `engine/src/resources.rs` for the layout).
//! - `fetch-ort`: downloads the ONNX Runtime library from the PyPI `onnxruntime` wheel.
//! - `gen-demo`: writes the engine's embedded demo clip, `engine/assets/demo.wav`.
//! - `test`: everything the README's test command does.
//! - `demo`: everything the README's main command does.

mod bundle_resources;
mod demo_audio;
mod onnxruntime;
mod tasks;

fn main() -> anyhow::Result<()> {
    nice_plug_xtask::chdir_workspace_root()?;
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "bundle" => tasks::bundle(rest),
        "fetch-ort" => onnxruntime::fetch().map(|path| println!("{}", path.display())),
        "gen-demo" => demo_audio::write(std::path::Path::new("engine/assets/demo.wav")),
        "test" => tasks::test(rest),
        "demo" => tasks::demo(),
        _ => {
            eprintln!(
                "usage: cargo xtask <bundle <package> [--release|--profile P] | fetch-ort | gen-demo | test | demo>"
            );
            std::process::exit(2);
        }
    }
}
