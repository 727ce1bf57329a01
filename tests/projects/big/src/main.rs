//! Touches every dependency so each one is really compiled and linked.
use clap::Parser;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 4)]
    count: u32,
}

#[derive(Serialize, Deserialize, Debug)]
struct Point {
    x: i64,
    y: i64,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let args = Args::parse();
    let re = regex::Regex::new(r"^\d+$")?;
    let sum: u64 = (0..args.count as u64).into_par_iter().map(|v| v * v).sum();
    let p = Point { x: rand::thread_rng().gen_range(0..10), y: sum as i64 };
    let json = serde_json::to_string(&p)?;
    let img = image::RgbImage::new(2, 2);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let _client = reqwest::Client::new();
        let _req = hyper::Request::get("http://127.0.0.1/").body(hyper::Body::empty());
    });
    println!("{} {} {}x{} {}", json, re.is_match("42"), img.width(), img.height(), sum);
    Ok(())
}
