pub mod clap_host;
