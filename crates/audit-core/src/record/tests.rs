use super::*;
use crate::event::{EventKind, Outcome, Source};
use crate::fixture::event;

fn sample() -> AuditEvent {
    let mut event = event(
        "oct:ev-0000017",
        Source::Octopai,
        "2026-11-21T10:15:30.000Z",
        EventKind::Login,
        Outcome::Failed,
    )
    .by("mia@example.com")
    .from_ip("203.0.113.9");
    event.action = "LoginFailed".into();
    event.target = Some("/lineage".into());
    event.detail = Some("Wrong password".into());
    event
}

#[test]
fn a_record_is_rebuilt_byte_for_byte() {
    let event = sample();
    for json in [
        r#"{"eventType":"LoginFailed","id":"ev-0000017","ipAddress":"203.0.113.9","reason":"Wrong password","timestamp":"2026-11-21T10:15:30.000Z","userAgent":"curl/8","userName":"mia@example.com"}"#,
        // Escapes, a value spelled as a key, a value inside a nested object
        // and a list, short strings, numbers.
        r#"{"mia@example.com":"mia@example.com","a":"x\"mia@example.com","n":[1,"/lineage",{"t":"2026-11-21T10:15:30.000Z"}],"s":"ab","u":"\u0041"}"#,
        // Not JSON at all, and a text holding the mark byte.
        "mia@example.com said \"Wrong password\"",
        "\u{1}A \"\u{1}\" \"mia@example.com\"",
        "",
        "\"",
        "\"unterminated mia@example.com",
    ] {
        let record = Record::of(json, &event);
        assert_eq!(record.text(&event), json, "{json:?}");
        assert_eq!(Record::whole(json).text(&event), json, "{json:?}");
    }
}

#[test]
fn a_text_holding_the_mark_byte_is_never_taken_for_a_value() {
    // Escaped, the record's `"mia\u{1}"` reads `"mia\u{1}x"`: equal to
    // this actor, but it must come back as it was sent.
    let event = sample().by("mia\u{1}x");
    for json in ["{\"u\":\"mia\u{1}\"}", "{\"u\":\"mia\u{1}x\"}"] {
        assert_eq!(Record::of(json, &event).text(&event), json, "{json:?}");
    }
}

#[test]
fn the_event_s_own_values_are_left_out_of_the_template() {
    let event = sample();
    let json = r#"{"eventType":"LoginFailed","id":"ev-0000017","ipAddress":"203.0.113.9","reason":"Wrong password","timestamp":"2026-11-21T10:15:30.000Z","userAgent":"curl/8","userName":"mia@example.com"}"#;
    let record = Record::of(json, &event);
    assert_eq!(
        record.template().len(),
        json.len()
            - "LoginFailed".len()
            - "ev-0000017".len()
            - "203.0.113.9".len()
            - "Wrong password".len()
            - "2026-11-21T10:15:30.000Z".len()
            - "mia@example.com".len()
            + 2 * 6
    );
    // Another time in the record's text stays as it is.
    let other_time = json.replace("10:15:30.000Z", "10:15:31.000Z");
    assert_eq!(Record::of(&other_time, &event).text(&event), other_time);
}

#[test]
fn alike_records_of_one_answer_share_their_template() {
    let mut templates = Templates::default();
    let first = sample();
    let mut second = sample().by("raj@example.com");
    second.at += chrono::Duration::seconds(5);
    let text = |event: &AuditEvent| {
        format!(
            r#"{{"timestamp":"{}","userName":"{}","userAgent":"curl/8"}}"#,
            crate::time::format_iso(event.at),
            event.actor
        )
    };
    let one = Record::shared(&text(&first), &first, &mut templates);
    let two = Record::shared(&text(&second), &second, &mut templates);
    assert!(one.shares_template(&two));
    assert_eq!(one.text(&first), text(&first));
    assert_eq!(two.text(&second), text(&second));
    let third = Record::shared(r#"{"userAgent":"wget"}"#, &first, &mut templates);
    assert!(!third.shares_template(&one));
}

#[test]
fn times_are_written_as_format_iso_writes_them() {
    let mut buffer = [0u8; 24];
    for text in [
        "2026-11-21T10:15:30.000Z",
        "1970-01-01T00:00:00.001Z",
        "0999-12-31T23:59:59.999Z",
        "2024-02-29T07:08:09.120Z",
    ] {
        let at = crate::time::parse_iso(text).unwrap();
        assert_eq!(iso_millis(at, &mut buffer), crate::time::format_iso(at));
    }
}

#[test]
fn a_decoder_s_found_values_are_marked_where_they_were_read() {
    let event = sample();
    let json = r#"{"id":"ev-0000017","userName":"mia@example.com","note":"mia@example.com","timestamp":"2026-11-21T10:15:30.000Z","reason":"Wrong password"}"#;
    let slice = |text: &str| -> Cow<'_, str> {
        let at = json.find(&format!("\"{text}\"")).unwrap() + 1;
        Cow::Borrowed(&json[at..at + text.len()])
    };
    let mut found = Found::default();
    found.add(Field::Actor, Some(&slice("mia@example.com")));
    found.add(Field::Time, Some(&slice("2026-11-21T10:15:30.000Z")));
    found.add(Field::OwnId, Some(&slice("ev-0000017")));
    // A copy is not a slice of the record, and a text that is not the
    // event's value is not its value: neither is marked.
    let copy = String::from("Wrong password");
    found.add(Field::Detail, Some(&Cow::Borrowed(copy.as_str())));
    found.add(Field::Address, Some(&slice("Wrong password")));
    let mut templates = Templates::default();
    let record = Record::shared_found(json, &event, &found, &mut templates);
    assert_eq!(record.text(&event), json);
    assert_eq!(
        record.template(),
        "{\"id\":\"\u{1}N\",\"userName\":\"\u{1}A\",\"note\":\"mia@example.com\",\"timestamp\":\"\u{1}S\",\"reason\":\"Wrong password\"}"
    );
    // Nothing found where it was said: the record is searched instead.
    let mut elsewhere = Found::default();
    elsewhere.add(Field::Actor, Some(&Cow::Borrowed(copy.as_str())));
    let searched = Record::shared_found(json, &event, &elsewhere, &mut templates);
    assert_eq!(searched.text(&event), json);
    assert_eq!(searched.template(), Record::of(json, &event).template());
}
