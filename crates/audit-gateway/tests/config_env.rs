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
    let dir = std::env::temp_dir().join(format!("gateway-config-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (current, previous) = ("3c".repeat(31) + "01", "4d".repeat(31) + "02");
    let keys = dir.join("keys");
    std::fs::write(&keys, format!("{current}\n{previous}\n")).unwrap();
    std::env::set_var("GATEWAY_SESSION_KEY_FILE", &keys);
    let config = Config::parse(&[]).unwrap();
    assert_eq!(config.session_keys.previous_count(), 1);
    assert_eq!(config.octopai_url, "https://octopai.example.com");
    assert_eq!(config.cloudera_url, "https://cm.example.com:7183");
    assert_eq!(
        config.allowed_origins,
        vec!["https://a.example.com", "https://b.example.com"]
    );
    assert_eq!(config.listen.port(), 7000);
    let flagged = Config::parse(&["--listen".into(), "0.0.0.0:9999".into()]).unwrap();
    assert_eq!(flagged.listen.port(), 9999);
    // A bad key file from the environment is refused with the line at fault.
    std::fs::write(&keys, format!("{current}\nshort\n")).unwrap();
    let error = Config::parse(&[]).unwrap_err();
    assert!(
        error.contains("line 2") && error.contains("keys"),
        "{error}"
    );
    // The Redis password comes from a file, never from the URL.
    std::fs::write(dir.join("redis"), "s3cret\n").unwrap();
    std::fs::write(&keys, format!("{current}\n")).unwrap();
    std::env::set_var("GATEWAY_REDIS_URL", "redis://127.0.0.1:6379/0");
    std::env::set_var("GATEWAY_REDIS_PASSWORD_FILE", dir.join("redis"));
    let redis = Config::parse(&[]).unwrap().redis.unwrap();
    assert_eq!(redis.password.as_deref(), Some("s3cret"));
    assert!(!format!("{redis:?}").contains("s3cret"), "Debug redacts");
    let help = Config::parse(&["--help".into()]).unwrap_err();
    assert!(help.contains("GATEWAY_SESSION_KEY_FILE"), "{help}");
    assert!(!help.contains(&current), "{help}");
    std::fs::remove_dir_all(dir).unwrap();
}
