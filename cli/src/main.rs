//! `gridmint`: see the library docs.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gridmint_ops::cli::init_tracing();
    let cli = gridmint_cli::Cli::parse();
    let output = cli.output;
    let answer = gridmint_cli::run(cli).await?;
    gridmint_ops::cli::print(output, &answer)
}
