fn main() { println!("{}", serde_json::to_string(&[12345u32, 678]).unwrap()); }
