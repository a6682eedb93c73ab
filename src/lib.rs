//! tailor: a terminal console for merchandisers that keeps shoppers, products
//! and history in SQLite and writes personalised product copy with a small
//! GRU language model. See ARCHITECTURE.md for the map.

pub mod agreement;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod jobs;
pub mod logging;
pub mod model;
pub mod output;
pub mod sanitize;
pub mod store;
pub mod text;
pub mod train;
pub mod tui;
