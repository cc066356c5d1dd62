//! The gateway reads its settings from the environment, and a flag wins
//! over its variable. In a binary of its own: it sets process environment
//! variables, which every parse in the same process would see.
#![allow(clippy::unwrap_used)]

use audit_gateway::Config;

#[test]
fn environment_is_read_and_flags_win() {
    std::env::set_var("OCTOPAI_URL", "https://octopai.example.com");
    std::env::set_var("CLOUDERA_URL", "https://cm.example.com:7183");
    std::env::set_var(
        "GATEWAY_ALLOWED_ORIGINS",
        "https://a.example.com, https://b.example.com",
    );
    std::env::set_var("GATEWAY_LISTEN", "127.0.0.1:7000");
    std::env::set_var("GATEWAY_SESSION_KEY", "ab".repeat(32));
    let config = Config::parse(&[]).unwrap();
    assert_eq!(config.octopai_url, "https://octopai.example.com");
    assert_eq!(config.cloudera_url, "https://cm.example.com:7183");
    assert_eq!(
        config.allowed_origins,
        vec!["https://a.example.com", "https://b.example.com"]
    );
    assert_eq!(config.listen.port(), 7000);
    let flagged = Config::parse(&["--listen".into(), "0.0.0.0:9999".into()]).unwrap();
    assert_eq!(flagged.listen.port(), 9999);
    // A bad key from the environment is refused like one from a flag.
    std::env::set_var("GATEWAY_SESSION_KEY", "short");
    assert!(Config::parse(&[]).unwrap_err().contains("session key"));
    // The key's value never appears in the help.
    std::env::set_var("GATEWAY_SESSION_KEY", "ab".repeat(32));
    let help = Config::parse(&["--help".into()]).unwrap_err();
    assert!(help.contains("GATEWAY_SESSION_KEY"), "{help}");
    assert!(!help.contains(&"ab".repeat(32)), "{help}");
}
