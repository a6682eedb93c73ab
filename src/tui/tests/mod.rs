//! The console without a terminal: key handling, every screen as a
//! snapshot, every size, and escape sequences in the data.

mod escapes;
mod main_loop;
mod screens;
mod update;
