//! Property tests of the clip editor's rules (`domain::edit`): whatever the creator does on the timeline, the
//! segments stay ordered, apart and inside the source, snapping is idempotent, the range limits hold, the pixel ↔ time
//! mapping inverts at every zoom, caption lines keep every shown word once, and undo gets back to the start.

use std::collections::BTreeSet;

use domain::{
    captions::CaptionStyle,
    edit::{
        ClipEdit, History, Limits, MIN_SEGMENT_SECONDS, Span, Viewport, caption_lines, output_duration, output_words,
        segments, snap, snap_points, to_output,
    },
    transcript::Word,
};
use proptest::prelude::*;

/// A transcript's words: in order, each 0.05–1 s long with 0–1.5 s pauses, starting within the first few seconds.
fn words() -> impl Strategy<Value = Vec<Word>> {
    prop::collection::vec((0.0f64..1.5, 0.05f64..1.0, prop::sample::select(vec!["a", "ну", "word.", "э", "x"])), 0..80)
        .prop_map(|parts| {
            let mut t = 0.0;
            parts
                .into_iter()
                .map(|(gap, len, text)| {
                    let start = t + gap;
                    t = start + len;
                    Word { start, end: t, text: text.into() }
                })
                .collect()
        })
}

/// Words, an edit over part of them (any range, any cut words, some of them indices past the end) and the source's
/// length (at least as long as the words).
fn edited() -> impl Strategy<Value = (Vec<Word>, ClipEdit, f64)> {
    words().prop_flat_map(|words| {
        let last = words.last().map_or(1.0, |w| w.end);
        let n = words.len() + 3;
        (
            Just(words),
            0.0..last,
            0.0..last + 5.0,
            prop::collection::btree_set(0..n, 0..n),
            prop::collection::btree_set(0..n, 0..4),
            last + 0.0..last + 100.0,
        )
            .prop_map(|(words, a, b, cut, breaks, source)| {
                let mut e = ClipEdit::new(a.min(b), a.max(b));
                e.cut = cut;
                e.breaks = breaks;
                (words, e, source)
            })
    })
}

/// One thing a creator can do to an edit.
#[derive(Debug, Clone)]
enum Action {
    MoveStart(f64),
    MoveEnd(f64),
    Cut(usize),
    Restore(usize),
    Fix(usize, String),
    Split(usize),
    Merge(usize),
    Size(u32),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (-10.0f64..200.0).prop_map(Action::MoveStart),
        (-10.0f64..200.0).prop_map(Action::MoveEnd),
        (0usize..50).prop_map(Action::Cut),
        (0usize..50).prop_map(Action::Restore),
        ((0usize..50), "[a-zа-я]{1,6}").prop_map(|(i, t)| Action::Fix(i, t)),
        (0usize..50).prop_map(Action::Split),
        (0usize..50).prop_map(Action::Merge),
        (10u32..200).prop_map(Action::Size),
    ]
}

fn perform(edit: &ClipEdit, action: &Action, limits: &Limits) -> ClipEdit {
    let mut e = edit.clone();
    match action {
        Action::MoveStart(t) => {
            let r = limits.move_start(e.range(), *t);
            (e.start, e.end) = (r.start, r.end);
        }
        Action::MoveEnd(t) => {
            let r = limits.move_end(e.range(), *t);
            (e.start, e.end) = (r.start, r.end);
        }
        Action::Cut(i) => {
            e.cut.insert(*i);
        }
        Action::Restore(i) => {
            e.cut.remove(i);
        }
        Action::Fix(i, t) => {
            e.fixes.insert(*i, t.clone());
        }
        Action::Split(i) => e.split_line_at(*i),
        Action::Merge(i) => e.merge_line_at(*i),
        Action::Size(s) => e.captions.size = Some(*s),
    }
    e
}

proptest! {
    #[test]
    fn segments_are_ordered_apart_and_inside_the_range((words, edit, _source) in edited()) {
        let s = segments(&edit, &words);
        for seg in &s {
            prop_assert!(seg.start >= edit.start && seg.end <= edit.end, "{seg:?} outside {edit:?}");
            prop_assert!(seg.len() >= MIN_SEGMENT_SECONDS);
        }
        for pair in s.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "{pair:?}");
        }
        prop_assert!(output_duration(&s) <= edit.range().len() + 1e-9);
        // Nothing of a cut word plays.
        for &i in &edit.cut {
            if let Some(w) = words.get(i) {
                let mid = (w.start + w.end) / 2.0;
                prop_assert_eq!(to_output(&s, mid), None, "the middle of cut word {} plays", i);
            }
        }
    }

    #[test]
    fn cutting_only_shortens_by_what_is_cut((words, edit, _source) in edited()) {
        let uncut = ClipEdit { cut: BTreeSet::new(), ..edit.clone() };
        let full = output_duration(&segments(&uncut, &words));
        let cut_len: f64 = edit
            .cut
            .iter()
            .filter_map(|&i| words.get(i))
            .map(|w| (w.end.min(edit.end) - w.start.max(edit.start)).max(0.0))
            .sum();
        let left = output_duration(&segments(&edit, &words));
        // At least what the words themselves hold goes, and never more than the range.
        prop_assert!(left <= full - cut_len + 1e-6, "{left} > {full} - {cut_len}");
        prop_assert!(left >= 0.0);
    }

    #[test]
    fn caption_lines_show_every_kept_word_once_in_order((words, edit, _source) in edited()) {
        let style = CaptionStyle::get("highlight");
        let lines = caption_lines(&edit, &words, style);
        let shown: Vec<Word> = lines.into_iter().flat_map(|l| l.words).collect();
        let expected = output_words(&edit, &words, &segments(&edit, &words));
        prop_assert_eq!(shown.len(), expected.len());
        for pair in shown.windows(2) {
            prop_assert!(pair[0].start <= pair[1].start + 1e-9);
        }
        for (i, _) in &expected {
            prop_assert!(!edit.cut.contains(i));
        }
    }

    #[test]
    fn snapping_is_idempotent(words in words(), t in -5.0f64..100.0, tolerance in 0.0f64..3.0) {
        let points = snap_points(&words, &[Span { start: 1.0, end: 2.5 }]);
        let once = snap(t, &points, tolerance);
        prop_assert_eq!(snap(once, &points, tolerance), once);
        prop_assert!((once - t).abs() <= tolerance);
    }

    #[test]
    fn limits_hold_after_any_handle_move(
        source in 15.0f64..20_000.0,
        max in 15.0f64..300.0,
        a in -100.0f64..21_000.0,
        b in -100.0f64..21_000.0,
        t in -100.0f64..21_000.0,
        start_handle in any::<bool>(),
    ) {
        let limits = Limits::new(source, max);
        let range = limits.clamp(Span { start: a.min(b), end: a.max(b) });
        let moved = if start_handle { limits.move_start(range, t) } else { limits.move_end(range, t) };
        for r in [range, moved] {
            prop_assert!(r.start >= 0.0 && r.end <= source + 1e-9, "{r:?} outside 0..{source}");
            prop_assert!(r.len() >= limits.min - 1e-9 && r.len() <= limits.max + 1e-9, "{r:?} against {limits:?}");
        }
        if start_handle { prop_assert_eq!(moved.end, range.end) } else { prop_assert_eq!(moved.start, range.start) }
    }

    #[test]
    fn pixels_and_times_invert_at_every_zoom(
        duration in 1.0f64..20_000.0,
        width in 200.0f64..4000.0,
        zooms in prop::collection::vec((0.01f64..100.0, 0.0f64..1.0, -5000.0f64..5000.0), 0..12),
        x in 0.0f64..1.0,
    ) {
        let mut v = Viewport::fit(duration, width);
        for (factor, at, dx) in zooms {
            v = v.zoom(factor, at * width).scroll(dx);
            let seen = v.visible();
            prop_assert!(seen.start >= -1e-9 && seen.end <= duration + 1e-6, "{v:?}");
            prop_assert!(v.px_per_s >= v.min_px_per_s() - 1e-9 && v.px_per_s <= v.max_px_per_s() + 1e-9);
            let px = x * width;
            prop_assert!((v.x_at(v.time_at(px)) - px).abs() < 1e-6);
        }
    }

    #[test]
    fn zooming_keeps_the_time_under_the_pointer(duration in 100.0f64..20_000.0, x in 0.0f64..1000.0, f in 1.0f64..3.0) {
        // From a middle zoom level, zooming in by a bounded factor keeps the anchor unless the view hits an edge.
        let v = Viewport::fit(duration, 1000.0).zoom(10.0, 500.0);
        let z = v.zoom(f, x);
        let unclamped_start = v.time_at(x) - x / z.px_per_s;
        if unclamped_start >= 0.0 && unclamped_start + 1000.0 / z.px_per_s <= duration {
            prop_assert!((z.time_at(x) - v.time_at(x)).abs() < 1e-6);
        }
    }

    #[test]
    fn undo_after_any_edits_restores_the_start(
        (_words, start, source) in edited(),
        actions in prop::collection::vec(action(), 0..30),
        undo_some in 0usize..10,
    ) {
        let limits = Limits::new(source, 90.0);
        let mut h = History::new(start.clone(), 1000);
        for a in &actions {
            let next = perform(h.present(), a, &limits);
            h.apply(next);
        }
        // Some undos and redos in the middle change nothing about where the start is.
        for _ in 0..undo_some { h.undo(); }
        for _ in 0..undo_some / 2 { h.redo(); }
        while h.undo() {}
        prop_assert_eq!(h.present(), &start);
    }
}
