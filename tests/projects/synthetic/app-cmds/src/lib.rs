//! What `cargo check`, `cargo test`, `cargo clippy` and split debug info are tried on.

/// `n` written in decimal, through a `bytes` buffer.
pub fn render(n: u64) -> anyhow::Result<String> {
    let mut buffer = itoa::Buffer::new();
    let bytes = bytes::Bytes::copy_from_slice(buffer.format(n).as_bytes());
    Ok(String::from_utf8(bytes.to_vec())?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders() {
        assert_eq!(super::render(42).unwrap(), "42");
    }
}
