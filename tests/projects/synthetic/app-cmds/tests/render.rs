#[test]
fn renders_large() {
    assert_eq!(app_cmds::render(u64::MAX).unwrap(), u64::MAX.to_string());
}
