//! Deliberately fails to compile (E0308) so tests can compare rustc's error output.
pub fn answer() -> u32 {
    "forty-two"
}
