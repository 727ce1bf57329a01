fn main() -> anyhow::Result<()> {
    println!("rendered {}", app_cmds::render(1234)?);
    Ok(())
}
