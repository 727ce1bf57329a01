use proc_macro::TokenStream;

/// A string literal: CRATECACHE_TEST_MACRO as it is when the macro expands.
#[proc_macro]
pub fn expansion_env(_input: TokenStream) -> TokenStream {
    let value = std::env::var("CRATECACHE_TEST_MACRO").unwrap_or_else(|_| "unset".into());
    format!("{:?}", format!("macro={}", value)).parse().unwrap()
}
