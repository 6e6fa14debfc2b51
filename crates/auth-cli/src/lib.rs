//! The schema CLI as a library: generators, configuration, connections and commands, so tests
//! (and other tools) can call what `auth-cli` runs.

pub mod commands;
pub mod config;
pub mod connect;
pub mod generate;
pub mod progress;
pub mod style;
