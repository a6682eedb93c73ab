//! Any bytes as a JSON Lines import (the first byte picks products, users or
//! events): imported, or refused at a line of the file with nothing written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use tailor::store::import::fuzzing::Harness;

thread_local! {
    static HARNESS: RefCell<Harness> = RefCell::new(Harness::new());
}

fuzz_target!(|data: &[u8]| {
    HARNESS.with(|h| h.borrow_mut().run("jsonl", data));
});
