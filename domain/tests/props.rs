//! Property-based tests of the domain rules that read untrusted input: media sniffing, the post-sign-in redirect,
//! cookie headers, caption escaping, address classification and transcripts.
//!
//! Each module is one target of `bench/fuzz/run`, which filters by the module name (`sniff::`, `next_path::` …).
//! A normal test run tries proptest's default 256 cases per property; `PROPTEST_CASES` sets more.

use proptest::prelude::*;

/// Arbitrary text, half of it drawn from the characters that matter to the rule under test (so interesting
/// combinations come up often), half of it any Unicode.
fn text_biased(special: &'static str, max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = special.chars().collect();
    prop_oneof![
        prop::collection::vec(prop::sample::select(chars), 0..max).prop_map(|v| v.into_iter().collect::<String>()),
        prop::collection::vec(any::<char>(), 0..max).prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

mod sniff {
    use domain::media::{MediaKind, SNIFF_BYTES, sniff};
    use proptest::prelude::*;

    /// A prefix that identifies a kind, and the kind.
    fn known_prefix() -> impl Strategy<Value = (Vec<u8>, MediaKind)> {
        let ftyp = |brand: &'static [u8; 4], kind| {
            any::<[u8; 4]>().prop_map(move |size| {
                let mut v = size.to_vec();
                v.extend_from_slice(b"ftyp");
                v.extend_from_slice(brand);
                (v, kind)
            })
        };
        let riff = |form: &'static [u8; 4], kind| {
            any::<[u8; 4]>().prop_map(move |size| {
                let mut v = b"RIFF".to_vec();
                v.extend_from_slice(&size);
                v.extend_from_slice(form);
                (v, kind)
            })
        };
        prop_oneof![
            ftyp(b"isom", MediaKind::Mp4),
            ftyp(b"mp42", MediaKind::Mp4),
            ftyp(b"qt  ", MediaKind::Mov),
            ftyp(b"M4A ", MediaKind::M4a),
            ftyp(b"M4B ", MediaKind::M4a),
            riff(b"AVI ", MediaKind::Avi),
            riff(b"WAVE", MediaKind::Wav),
            Just((vec![0x1A, 0x45, 0xDF, 0xA3], MediaKind::Matroska)),
            Just((b"OggS".to_vec(), MediaKind::Ogg)),
            Just((b"ID3".to_vec(), MediaKind::Mp3)),
            // An MPEG audio frame header: sync bits, then any version, layer III, any protection bit.
            (any::<u8>(), any::<u8>()).prop_map(|(b1, b2)| (vec![0xFF, (b1 & 0x19) | 0xE2, b2], MediaKind::Mp3)),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(head in prop::collection::vec(any::<u8>(), 0..2 * SNIFF_BYTES)) {
            let _ = sniff(&head);
        }

        #[test]
        fn known_magic_followed_by_anything_is_its_kind(
            (prefix, kind) in known_prefix(),
            tail in prop::collection::vec(any::<u8>(), 0..SNIFF_BYTES),
        ) {
            let mut head = prefix;
            head.extend_from_slice(&tail);
            // An ISO `ftyp` box at offset 4 wins over every other signature (it is checked first, and that is
            // right: the box is unambiguous); random tails that happen to spell it are not this property's case.
            prop_assume!(kind.mime_types() == MediaKind::Mp4.mime_types() || head.get(4..8) != Some(b"ftyp"));
            prop_assert_eq!(sniff(&head), Some(kind));
        }

        #[test]
        fn three_sync_bytes_188_apart_are_a_transport_stream(
            mut head in prop::collection::vec(any::<u8>(), SNIFF_BYTES..2 * SNIFF_BYTES),
        ) {
            for i in [0, 188, 376] {
                head[i] = 0x47;
            }
            prop_assume!(&head[4..8] != b"ftyp");
            prop_assert_eq!(sniff(&head), Some(MediaKind::MpegTs));
        }
    }
}

mod next_path {
    use domain::account::safe_next_path;
    use proptest::prelude::*;

    fn on_site(path: &str) -> bool {
        let base = url::Url::parse("https://app.invalid/").unwrap();
        base.join(path).is_ok_and(|u| u.origin() == base.origin())
    }

    fn check(input: &str) -> Result<(), TestCaseError> {
        let out = safe_next_path(Some(input));
        prop_assert!(out.starts_with('/'), "{input:?} -> {out:?}");
        prop_assert!(!out.starts_with("//") && !out.starts_with("/\\"), "{input:?} -> {out:?}");
        prop_assert!(!out.chars().any(|c| c == '\\' || c.is_control()), "{input:?} -> {out:?}");
        prop_assert!(on_site(&out), "{input:?} -> {out:?}");
        // What it returns is itself accepted unchanged, so a second pass (the server after the browser) agrees.
        prop_assert_eq!(safe_next_path(Some(&out)), out.clone(), "{:?}", input);
        Ok(())
    }

    proptest! {
        #[test]
        fn any_string_gives_a_same_site_path(input in super::text_biased("/\\%2fF5cC09aAdD.?#:@ \t\r\nxé", 24)) {
            check(&input)?;
            check(&format!("/{input}"))?;
        }

        #[test]
        fn encoded_separators_never_slip_through(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "/", "\\", ".", "..", "%2F", "%2f", "%5C", "%25", "%2e", "%09", "%0A", "evil", "a",
                ]),
                0..8,
            ),
        ) {
            check(&format!("/{}", parts.concat()))?;
        }
    }
}

mod cookie {
    use domain::cookie::read_cookie;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_and_values_never_span_pairs(
            header in super::text_biased(" ;=ab\t\"", 40),
            name in "[ab]{0,2}",
        ) {
            if let Some(v) = read_cookie(&header, &name) {
                prop_assert!(!v.contains(';') && !v.is_empty());
                prop_assert_eq!(v, v.trim());
            }
        }

        #[test]
        fn the_first_pair_with_the_name_gives_the_value(
            pairs in prop::collection::vec(("[a-z_]{1,6}", "[!#-+\\--:<-\\[\\]-~]{0,12}"), 1..8),
            pick in any::<prop::sample::Index>(),
            spaced in any::<bool>(),
        ) {
            let separator = if spaced { "; " } else { ";" };
            let header = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(separator);
            let name = &pairs[pick.index(pairs.len())].0;
            let first = &pairs.iter().find(|(n, _)| n == name).unwrap().1;
            let expected = (!first.is_empty()).then_some(first.as_str());
            prop_assert_eq!(read_cookie(&header, name), expected, "{}", header);
        }
    }
}

mod captions {
    use domain::captions::{CaptionStyle, Line, PRESETS, ass_script, lines};
    use domain::transcript::Word;
    use proptest::prelude::*;

    /// The override tags `ass_script` writes itself (the highlight colour and the reset).
    fn own_tags_removed(text: &str) -> String {
        let mut out = text.replace("{\\r}", "");
        while let Some(at) = out.find("{\\c&H") {
            let tag = &out[at..];
            let len = tag.find('}').map_or(tag.len(), |i| i + 1);
            assert_eq!(len, "{\\c&H00BBGGRR}".len(), "a colour tag of the code's own: {tag:?}");
            out.replace_range(at..at + len, "");
        }
        out
    }

    fn check(ass: &str, expected_events: usize) -> Result<(), TestCaseError> {
        let events = ass.split_once("\n[Events]\n").map_or("", |(_, e)| e);
        let mut rows = events.split('\n');
        prop_assert!(rows.next().is_some_and(|r| r.starts_with("Format:")));
        let dialogue: Vec<&str> = rows.filter(|r| !r.is_empty()).collect();
        // Every row after the format line is one of the events written: no word started a row of its own.
        prop_assert_eq!(dialogue.len(), expected_events, "{}", ass);
        for row in dialogue {
            prop_assert!(row.starts_with("Dialogue: 0,"), "{row:?}");
            let text = row.splitn(10, ',').nth(9).unwrap_or_default();
            let text = own_tags_removed(text);
            prop_assert!(!text.contains(['{', '}', '\\', '\r', '\n']), "{row:?}");
        }
        Ok(())
    }

    fn events(ls: &[Line], style: &CaptionStyle) -> usize {
        if style.highlight.is_some() { ls.iter().map(|l| l.words.len()).sum() } else { ls.len() }
    }

    fn words() -> impl Strategy<Value = Vec<Word>> {
        prop::collection::vec((0.0..2.0f64, 0.0..1.0f64, super::text_biased("{}\\Nnh \r\n\t\u{2028}.aZ", 12)), 0..10)
            .prop_map(|v| {
                let mut t = 0.0;
                v.into_iter()
                    .map(|(gap, len, text)| {
                        t += gap;
                        let w = Word { start: t, end: t + len, text };
                        t += len;
                        w
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn any_clip_bounds_and_word_times_are_handled(
            times in prop::collection::vec((prop::num::f64::ANY, prop::num::f64::ANY), 0..6),
            start in prop::num::f64::ANY,
            end in prop_oneof![prop::num::f64::ANY, -10.0..10.0f64],
            per_line in 0usize..4,
        ) {
            let words: Vec<Word> =
                times.into_iter().map(|(s, e)| Word { start: s, end: e, text: "w".into() }).collect();
            let ls = lines(&words, start, end, per_line);
            for w in ls.iter().flat_map(|l| &l.words) {
                prop_assert!(!w.start.is_nan() && !w.end.is_nan());
                prop_assert!(w.start >= 0.0 && w.end <= end - start, "{w:?} in {start}..{end}");
            }
            let _ = ass_script(&ls, &PRESETS[1], 1080, 1920);
        }

        #[test]
        fn word_text_cannot_inject_tags_or_rows(words in words(), per_line in 0usize..5) {
            for style in &PRESETS {
                let ls = lines(&words, 0.0, 60.0, per_line);
                check(&ass_script(&ls, style, 1080, 1920), events(&ls, style))?;
                // Lines built by hand, words untrimmed and unfiltered.
                let raw = [Line { words: words.clone() }];
                check(&ass_script(&raw, style, 1080, 1920), events(&raw, style))?;
            }
        }
    }
}

mod net {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use domain::net::is_public;
    use proptest::prelude::*;

    /// A random IPv4 address inside `base/bits`.
    fn v4_in(base: [u8; 4], bits: u32) -> impl Strategy<Value = Ipv4Addr> {
        let net = u32::from_be_bytes(base);
        let host = u32::MAX.checked_shr(bits).unwrap_or(0);
        any::<u32>().prop_map(move |r| Ipv4Addr::from(net | (r & host)))
    }

    /// A random IPv6 address inside `base/bits`.
    fn v6_in(base: &str, bits: u32) -> impl Strategy<Value = Ipv6Addr> {
        let net = u128::from(base.parse::<Ipv6Addr>().unwrap());
        let host = u128::MAX.checked_shr(bits).unwrap_or(0);
        any::<u128>().prop_map(move |r| Ipv6Addr::from(net | (r & host)))
    }

    fn private_v4() -> impl Strategy<Value = Ipv4Addr> {
        prop_oneof![
            v4_in([127, 0, 0, 0], 8),
            v4_in([10, 0, 0, 0], 8),
            v4_in([172, 16, 0, 0], 12),
            v4_in([192, 168, 0, 0], 16),
            v4_in([169, 254, 0, 0], 16),
            v4_in([100, 64, 0, 0], 10),
            v4_in([0, 0, 0, 0], 8),
            v4_in([224, 0, 0, 0], 4),
            v4_in([240, 0, 0, 0], 4),
        ]
    }

    fn embedding(prefix: &'static str) -> impl Fn(Ipv4Addr) -> Ipv6Addr {
        move |v4| Ipv6Addr::from(u128::from(prefix.parse::<Ipv6Addr>().unwrap()) | u128::from(u32::from(v4)))
    }

    fn refused_v6() -> impl Strategy<Value = Ipv6Addr> {
        prop_oneof![
            Just(Ipv6Addr::LOCALHOST),
            Just(Ipv6Addr::UNSPECIFIED),
            v6_in("fc00::", 7),
            v6_in("fe80::", 10),
            v6_in("ff00::", 8),
            v6_in("2001:db8::", 32),
            v6_in("2002::", 16),
            v6_in("2001::", 32),
            v6_in("64:ff9b:1::", 48),
            private_v4().prop_map(|v4| v4.to_ipv6_mapped()),
            private_v4().prop_map(embedding("64:ff9b::")),
            private_v4().prop_map(embedding("::")),
        ]
    }

    proptest! {
        #[test]
        fn every_address_in_a_refused_v4_range_is_refused(ip in private_v4()) {
            prop_assert!(!is_public(IpAddr::V4(ip)), "{ip}");
        }

        #[test]
        fn every_address_in_a_refused_v6_range_is_refused(ip in refused_v6()) {
            prop_assert!(!is_public(IpAddr::V6(ip)), "{ip}");
        }

        #[test]
        fn an_embedded_v4_address_is_judged_as_itself(v4 in any::<Ipv4Addr>()) {
            let bare = is_public(IpAddr::V4(v4));
            prop_assert_eq!(is_public(IpAddr::V6(v4.to_ipv6_mapped())), bare, "{}", v4);
            prop_assert_eq!(is_public(IpAddr::V6(embedding("64:ff9b::")(v4))), bare, "{}", v4);
        }
    }
}

mod transcript {
    use domain::transcript::{Segment, Transcript, Word, clock, timestamp};
    use proptest::prelude::*;

    /// Any time at all: NaN, infinities, negative, huge, subnormal.
    fn time() -> impl Strategy<Value = f64> {
        prop_oneof![
            prop::num::f64::ANY,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(-0.0),
            0.0..10_000.0f64,
        ]
    }

    fn transcript() -> impl Strategy<Value = Transcript> {
        let word = (time(), time(), ".{0,6}").prop_map(|(start, end, text)| Word { start, end, text });
        let segment = (time(), time(), super::text_biased(" \n\r.-->", 16), prop::collection::vec(word, 0..4))
            .prop_map(|(start, end, text, words)| Segment { start, end, text, words });
        prop::collection::vec(segment, 0..8).prop_map(|segments| Transcript {
            language: "en".into(),
            segments,
            model: "test".into(),
        })
    }

    proptest! {
        #[test]
        fn parsing_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = serde_json::from_slice::<Transcript>(&bytes);
        }

        #[test]
        fn parsing_near_transcripts_never_panics(json in super::text_biased("{}[]\":,0123456789.-e truefalsn\\", 96)) {
            let wrapped = format!("{{\"language\":\"en\",\"model\":\"m\",\"segments\":[{json}]}}");
            let _ = serde_json::from_str::<Transcript>(&wrapped);
            let _ = serde_json::from_str::<Transcript>(&json);
        }

        #[test]
        fn exports_never_panic_on_any_times(t in transcript()) {
            let srt = t.to_srt();
            let cues = t.segments.iter().filter(|s| !s.text.trim().is_empty()).count();
            prop_assert!(srt.starts_with("1\n") || cues == 0, "{:?}", srt);
            prop_assert!(t.to_vtt().starts_with("WEBVTT\n\n"));
            let _ = (t.to_txt(), t.full_text(), t.search("a"), t.words().count(), t.paragraphs(2.0, 6));
        }

        #[test]
        fn timestamps_are_well_formed_for_any_time(s in time()) {
            for sep in [',', '.'] {
                let ts = timestamp(s, sep);
                let (hms, ms) = ts.split_once(sep).unwrap();
                prop_assert_eq!(ms.len(), 3, "{}", ts);
                prop_assert_eq!(hms.split(':').count(), 3, "{}", ts);
                prop_assert!(ts.chars().all(|c| c.is_ascii_digit() || c == ':' || c == sep), "{}", ts);
            }
            prop_assert!(clock(s).chars().all(|c| c.is_ascii_digit() || c == ':'));
        }
    }
}
