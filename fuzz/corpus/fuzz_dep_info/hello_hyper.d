/p/target/debug/deps/hello_hyper-88f21c5354ed39ca.d: src/main.rs

/p/target/debug/deps/hello_hyper-88f21c5354ed39ca: src/main.rs

src/main.rs:
