//! Command-line conventions shared by the operator tools, as the Solana CLI has them.

use clap::ValueEnum;
use serde_json::Value;

/// `--output`: what one-shot commands print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// `key: value` lines.
    #[default]
    Text,
    /// Pretty JSON, for scripts.
    Json,
}

/// Prints a command's JSON answer in the chosen format.
pub fn print(output: Output, value: &Value) -> anyhow::Result<()> {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Output::Text => print!("{}", text(value)),
    }
    Ok(())
}

/// `key: value` lines for text output (nested values as compact JSON).
pub fn text(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}\n"),
                other => format!("{k}: {other}\n"),
            })
            .collect(),
        other => format!("{other}\n"),
    }
}

/// The JSON-RPC URL of a Solana CLI moniker (`-u l|d|t|m` or the long names), or the
/// argument itself.
pub fn rpc_url(url: &str) -> String {
    match url {
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

/// `tracing` to stderr, filtered by `RUST_LOG` (default `info`), colours only on a terminal.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_output_is_one_key_per_line() {
        let v = json!({"a": "x", "b": 2, "c": {"d": true}});
        assert_eq!(text(&v), "a: x\nb: 2\nc: {\"d\":true}\n");
        assert_eq!(text(&json!([1])), "[1]\n");
    }

    #[test]
    fn monikers_resolve_like_the_solana_cli() {
        assert_eq!(rpc_url("l"), "http://127.0.0.1:8899");
        assert_eq!(rpc_url("localhost"), "http://127.0.0.1:8899");
        assert_eq!(rpc_url("d"), "https://api.devnet.solana.com");
        assert_eq!(rpc_url("mainnet-beta"), "https://api.mainnet-beta.solana.com");
        assert_eq!(rpc_url("http://10.0.0.1:8899"), "http://10.0.0.1:8899");
    }
}
