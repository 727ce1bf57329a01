//! A proc-macro with no dependencies: exercises caching of the `.so` rustc loads as a plugin.
use proc_macro::TokenStream;

/// Expands to `fn answer() -> u32 { 42 }`.
#[proc_macro]
pub fn answer_fn(_input: TokenStream) -> TokenStream {
    "fn answer() -> u32 { 42 }".parse().unwrap()
}
