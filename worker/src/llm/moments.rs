//! Analysis with the LLM router: moment selection with virality scores (tier 1, or as `selectTier` says), then a
//! title and a call to action per clip (tier 0).
//!
//! Prompts are versioned files under `worker/prompts/` (`moments.v1`, `titles.v1`), each with the JSON Schema its
//! reply must satisfy; the schema is shown to the model and replies are validated against it ([`validate`]). A reply
//! that fails gets one repair request quoting the problem; a second failure fails the tier, and tier 1 falls back to
//! tier 2. Clip bounds from the model are snapped to the transcript's sentences and words ([`snap`]): a clip never
//! starts or ends inside a word. Overlapping clips are de-duplicated by score. Transcripts over the long-context
//! threshold go to tier 3, in overlapping chunks when even that model's context is too small ([`chunks`]).

use std::ops::Range;

use domain::{
    PlanId,
    analysis::{ClipCandidate, Virality},
    transcript::Transcript,
};
use serde_json::Value;

use super::{
    Task, Tier, estimate_tokens, fallback,
    providers::{Message, Prompt, Role},
    router::{Call, Router},
    select_tier,
};
use crate::analysis::{self, Request, Split};

/// The moment selection prompt's id and version.
pub const MOMENTS: &str = "moments.v1";
/// The title and CTA prompt's id and version.
pub const TITLES: &str = "titles.v1";

const MOMENTS_PROMPT: &str = include_str!("../../prompts/moments.v1.txt");
const MOMENTS_SCHEMA: &str = include_str!("../../prompts/moments.v1.schema.json");
const TITLES_PROMPT: &str = include_str!("../../prompts/titles.v1.txt");
const TITLES_SCHEMA: &str = include_str!("../../prompts/titles.v1.schema.json");

/// Seconds consecutive chunks of a long transcript share, so a moment on a chunk boundary is seen whole.
const CHUNK_OVERLAP_SECONDS: f64 = 120.0;

/// Checks `value` against the subset of JSON Schema our prompt schemas use (`type` object, array, string, number,
/// integer; `required`, `properties`, `items`, `minimum`, `maximum`, `minLength`, `maxLength`). The error names the
/// path, as the model is shown it.
pub fn validate(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let here = if path.is_empty() { "the reply" } else { path };
    let kind = schema["type"].as_str().unwrap_or("any");
    let ok = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    };
    if !ok {
        return Err(format!("{here} must be {} {kind}, got {value}", if kind == "integer" { "an" } else { "a" }));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema["minimum"].as_f64()
            && n < min
        {
            return Err(format!("{here} is {n}; it must be at least {min}"));
        }
        if let Some(max) = schema["maximum"].as_f64()
            && n > max
        {
            return Err(format!("{here} is {n}; it must be at most {max}"));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if schema["minLength"].as_u64().is_some_and(|min| len < min) {
            return Err(format!("{here} is empty"));
        }
        if let Some(max) = schema["maxLength"].as_u64().filter(|max| len > *max) {
            return Err(format!("{here} has {len} characters; at most {max} are allowed"));
        }
    }
    if let Some(object) = value.as_object() {
        for field in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(field) {
                return Err(format!("{here} lacks the required field \"{field}\""));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (name, sub) in props {
                if let Some(v) = object.get(name) {
                    let p = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                    validate(sub, v, &p)?;
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            validate(items, v, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

/// The JSON object in a model's reply: the whole text, or inside a code fence, or from the first `{` to the last `}`.
pub fn extract_json(text: &str) -> Result<Value, String> {
    let t = text.trim();
    let unfenced = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(t)
        .trim();
    if let Ok(v) = serde_json::from_str::<Value>(unfenced) {
        return Ok(v);
    }
    let inner = match (unfenced.find('{'), unfenced.rfind('}')) {
        (Some(a), Some(b)) if a < b => &unfenced[a..=b],
        _ => unfenced,
    };
    serde_json::from_str(inner).map_err(|e| format!("the reply is not a JSON object ({e})"))
}

fn schema(text: &str) -> Value {
    serde_json::from_str(text).expect("prompt schemas are valid JSON")
}

fn system(prompt: &str, schema_text: &str) -> String {
    prompt.replace("{schema}", schema_text.trim())
}

/// One moment as the model proposed it (validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// Proposed start, seconds.
    pub start: f64,
    /// Proposed end, seconds.
    pub end: f64,
    /// Scores 0–100.
    pub scores: [u8; 4],
    /// Why.
    pub reason: String,
}

/// Validates a moment selection reply for a video of `duration` seconds. Every moment it returns starts before the
/// end of the video and ends after its start, at the latest at the end; a duration that is not a positive number
/// (NaN from a broken probe) accepts none.
pub fn parse_moments(text: &str, duration: f64) -> Result<Vec<Moment>, String> {
    if duration.is_nan() || duration <= 0.0 {
        return Err(format!("the video's duration ({duration}) is not a positive number of seconds"));
    }
    let v = extract_json(text)?;
    validate(&schema(MOMENTS_SCHEMA), &v, "")?;
    let mut out = Vec::new();
    for (i, c) in v["clips"].as_array().into_iter().flatten().enumerate() {
        let num = |k: &str| c[k].as_f64().unwrap_or(0.0);
        let (start, end) = (num("start"), num("end"));
        if end <= start {
            return Err(format!("clips[{i}]: end ({end}) must be after start ({start})"));
        }
        if start >= duration {
            return Err(format!("clips[{i}].start is {start}, past the end of the video ({duration:.1} s)"));
        }
        let score = |k: &str| num(k).round().clamp(0.0, 100.0) as u8;
        out.push(Moment {
            start,
            end: end.min(duration),
            scores: [score("hook"), score("engagement"), score("flow"), score("trend")],
            reason: c["reason"].as_str().unwrap_or_default().trim().to_owned(),
        });
    }
    Ok(out)
}

/// A title and CTA reply: `(clip number from 1, title, cta)`, each clip of `count` at most once.
pub fn parse_titles(text: &str, count: usize) -> Result<Vec<(usize, String, String)>, String> {
    let v = extract_json(text)?;
    validate(&schema(TITLES_SCHEMA), &v, "")?;
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (i, c) in v["clips"].as_array().into_iter().flatten().enumerate() {
        let index = c["index"].as_u64().unwrap_or(0) as usize;
        if index == 0 || index > count {
            return Err(format!("clips[{i}].index is {index}; the request has clips 1 to {count}"));
        }
        let title = c["title"].as_str().unwrap_or_default().trim().trim_matches(['"', '«', '»']).to_owned();
        let cta = c["cta"].as_str().unwrap_or_default().trim().to_owned();
        if title.is_empty() || cta.is_empty() {
            return Err(format!("clips[{i}] has an empty title or cta"));
        }
        if !out.iter().any(|(n, _, _)| *n == index) {
            out.push((index, title, cta));
        }
    }
    Ok(out)
}

/// Snaps model-proposed bounds to the transcript: the start to the nearest sentence start, the end to the nearest
/// sentence end after it; then whole sentences are dropped or added to stay within `min`–`max` seconds (a single
/// sentence longer than `max` is cut after its last word that fits). Returns the first and last word, or `None` when
/// no clip of at least `min` seconds fits there.
pub(crate) fn snap(split: &Split, start: f64, end: f64, min: f64, max: f64) -> Option<(usize, usize)> {
    let (w, s) = (&split.words, &split.sentences);
    if s.is_empty() {
        return None;
    }
    let s_start = |i: usize| w[s[i].first].start;
    let s_end = |j: usize| w[s[j].last].end;
    let nearest = |range: Range<usize>, at: &dyn Fn(usize) -> f64, target: f64| {
        range.min_by(|a, b| (at(*a) - target).abs().total_cmp(&(at(*b) - target).abs()))
    };
    let mut i = nearest(0..s.len(), &s_start, start)?;
    let mut j = nearest(i..s.len(), &s_end, end)?;
    while j > i && s_end(j) - s_start(i) > max {
        j -= 1;
    }
    while s_end(j) - s_start(i) < min {
        if j + 1 < s.len() && s_end(j + 1) - s_start(i) <= max {
            j += 1;
        } else if i > 0 && s_end(j) - s_start(i - 1) <= max {
            i -= 1;
        } else {
            break;
        }
    }
    let first = s[i].first;
    let mut last = s[j].last;
    while last > first && w[last].end - w[first].start > max {
        last -= 1;
    }
    (w[last].end - w[first].start >= min).then_some((first, last))
}

/// Splits `lines` (start, end, tokens) into ranges of at most `budget` tokens; consecutive ranges share the lines
/// of the last `overlap` seconds.
pub(crate) fn chunks(lines: &[(f64, f64, u64)], budget: u64, overlap: f64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < lines.len() {
        let mut to = from;
        let mut used = 0;
        while to < lines.len() && (to == from || used + lines[to].2 <= budget) {
            used += lines[to].2;
            to += 1;
        }
        out.push(from..to);
        if to == lines.len() {
            break;
        }
        let back_to = lines[to - 1].1 - overlap;
        from = (from + 1..to).find(|k| lines[*k].0 >= back_to).unwrap_or(to);
    }
    out
}

/// Why the LLM path gave no clips.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// No provider reply (after retries and the fallback tier).
    #[error(transparent)]
    Route(#[from] super::router::RouteError),
    /// The model's reply stayed invalid after the repair request.
    #[error("{model} replied with invalid JSON twice: {problem}")]
    Invalid {
        /// The model.
        model: String,
        /// The last problem.
        problem: String,
    },
}

/// Asks `tier` for a JSON reply that `check` accepts, with one repair request.
async fn ask<T>(
    router: &Router<'_>,
    task: &'static str,
    tier: Tier,
    mut prompt: Prompt,
    check: &(dyn Fn(&str) -> Result<T, String> + Sync),
    calls: &mut Vec<Call>,
) -> Result<T, AnalysisError> {
    let reply = router.complete(task, tier, &prompt, calls).await?;
    let problem = match check(&reply.text) {
        Ok(t) => return Ok(t),
        Err(p) => p,
    };
    tracing::warn!(task, tier = tier as u8, problem, "the model's reply is invalid; asking it to repair it");
    prompt.messages.push(Message { role: Role::Assistant, text: reply.text });
    prompt.messages.push(Message {
        role: Role::User,
        text: format!(
            "Your reply is not valid: {problem}. Reply again with the whole JSON object only, valid against the \
             schema."
        ),
    });
    let reply = router.complete(task, tier, &prompt, calls).await?;
    check(&reply.text).map_err(|problem| AnalysisError::Invalid { model: router.model(tier).model.clone(), problem })
}

/// [`ask`] at `tier`, then at its fallback tier if it fails.
async fn ask_with_fallback<T>(
    router: &Router<'_>,
    task: &'static str,
    tier: Tier,
    prompt: Prompt,
    check: &(dyn Fn(&str) -> Result<T, String> + Sync),
    calls: &mut Vec<Call>,
) -> Result<T, AnalysisError> {
    match ask(router, task, tier, prompt.clone(), check, calls).await {
        Ok(t) => Ok(t),
        Err(e) => match fallback(tier) {
            Some(next) => {
                tracing::warn!(task, tier = tier as u8, error = %e, "falling back to tier {}", next as u8);
                ask(router, task, next, prompt, check, calls).await
            }
            None => Err(e),
        },
    }
}

/// One line per sentence: `[start-end] text`.
fn lines(split: &Split) -> Vec<(f64, f64, String)> {
    split
        .sentences
        .iter()
        .map(|s| {
            let text = split.words[s.first..=s.last].iter().map(|w| w.text.trim()).collect::<Vec<_>>().join(" ");
            let (a, b) = (split.words[s.first].start, split.words[s.last].end);
            (a, b, format!("[{a:.1}-{b:.1}] {text}"))
        })
        .collect()
}

fn moments_prompt(language: &str, duration: f64, request: Request, lines: &[(f64, f64, String)]) -> Prompt {
    let body = lines.iter().map(|l| l.2.as_str()).collect::<Vec<_>>().join("\n");
    let text = format!(
        "Language: {language}\nVideo length: {duration:.0} s\nClips wanted: at most {}\nClip length: {:.0}-{:.0} \
         s\n\nTranscript (one sentence per line, times in seconds):\n{body}",
        request.wanted(),
        request.min_seconds,
        request.max_seconds,
    );
    Prompt {
        system: system(MOMENTS_PROMPT, MOMENTS_SCHEMA),
        messages: vec![Message { role: Role::User, text }],
        json: true,
        max_tokens: 4_096,
    }
}

/// Turns validated moments into candidates on word and sentence boundaries.
fn candidates(split: &Split, language: &str, moments: Vec<Moment>, request: Request) -> Vec<ClipCandidate> {
    let mut out = Vec::new();
    for m in moments {
        let Some((a, b)) = snap(split, m.start, m.end, request.min_seconds, request.max_seconds) else {
            tracing::info!(start = m.start, end = m.end, "a proposed moment has no clip of the asked length; dropped");
            continue;
        };
        let [hook, engagement, flow, trend] = m.scores;
        let first_sentence = split.sentences.iter().find(|s| s.first <= a && a <= s.last).copied();
        let title_words = first_sentence.map_or(&split.words[a..=b], |s| &split.words[a..=s.last.min(b)]);
        out.push(ClipCandidate {
            start: split.words[a].start,
            end: analysis::end_after(&split.words, b),
            virality: Virality {
                hook,
                engagement,
                flow,
                trend,
                total: analysis::weighted_total(hook, engagement, flow, trend),
            },
            title: analysis::title_from(title_words),
            cta: analysis::cta_for(language),
            reason: m.reason,
        });
    }
    out
}

/// Picks and scores clips from `transcript` with the router; every call lands in `calls`, also when this fails.
pub async fn pick(
    router: &Router<'_>,
    transcript: &Transcript,
    request: Request,
    plan: PlanId,
    calls: &mut Vec<Call>,
) -> Result<Vec<ClipCandidate>, AnalysisError> {
    let split = analysis::split(transcript);
    if split.words.is_empty() {
        return Ok(Vec::new());
    }
    let duration = split.words.last().map_or(0.0, |w| w.end);
    let lines = lines(&split);
    let tokens: u64 = lines.iter().map(|l| estimate_tokens(&l.2) + 1).sum();
    let tier = select_tier(Task::MomentSelection, tokens, plan, None);
    let budget = router.config().context_tokens;
    let ranges = if tier == Tier::LongContext && tokens > budget {
        let sized: Vec<(f64, f64, u64)> = lines.iter().map(|l| (l.0, l.1, estimate_tokens(&l.2) + 1)).collect();
        chunks(&sized, budget, CHUNK_OVERLAP_SECONDS.max(request.max_seconds))
    } else {
        std::iter::once(0..lines.len()).collect()
    };
    tracing::info!(tokens, tier = tier as u8, chunks = ranges.len(), "selecting moments with the LLM");
    let check = |text: &str| parse_moments(text, duration);
    let mut all = Vec::new();
    for range in &ranges {
        let prompt = moments_prompt(&transcript.language, duration, request, &lines[range.clone()]);
        let moments = ask_with_fallback(router, MOMENTS, tier, prompt, &check, calls).await?;
        all.extend(candidates(&split, &transcript.language, moments, request));
    }
    let mut chosen = analysis::choose(all, request);

    // A weak result gets one retry on the quality tier (the seed's previousScore < 50).
    let best = chosen.first().map_or(0, |c| c.virality.total);
    let retry_tier = select_tier(Task::MomentSelection, tokens, plan, Some(best));
    if ranges.len() == 1 && retry_tier > tier && retry_tier == Tier::Quality {
        tracing::info!(best, "weak moments; asking the quality tier");
        let prompt = moments_prompt(&transcript.language, duration, request, &lines);
        match ask(router, MOMENTS, retry_tier, prompt, &check, calls).await {
            Ok(moments) => {
                let better = analysis::choose(candidates(&split, &transcript.language, moments, request), request);
                if better.first().map_or(0, |c| c.virality.total) > best {
                    chosen = better;
                }
            }
            Err(e) => tracing::warn!(error = %e, "the quality retry failed; keeping the first result"),
        }
    }
    titles(router, &split, &mut chosen, calls).await;
    Ok(chosen)
}

/// Titles and calls to action from the micro tier; on any failure the clips keep the local ones.
async fn titles(router: &Router<'_>, split: &Split, chosen: &mut [ClipCandidate], calls: &mut Vec<Call>) {
    if chosen.is_empty() {
        return;
    }
    let tier = select_tier(Task::TitleGeneration, 0, PlanId::Free, None);
    let mut text = String::from("Clips:\n");
    for (n, c) in chosen.iter().enumerate() {
        let said: Vec<&str> =
            split.words.iter().filter(|w| w.start >= c.start && w.end <= c.end).map(|w| w.text.trim()).collect();
        text.push_str(&format!("{}. {}\n", n + 1, said.join(" ")));
    }
    let prompt = Prompt {
        system: system(TITLES_PROMPT, TITLES_SCHEMA),
        messages: vec![Message { role: Role::User, text }],
        json: true,
        max_tokens: 1_024,
    };
    let count = chosen.len();
    match ask(router, TITLES, tier, prompt, &|t: &str| parse_titles(t, count), calls).await {
        Ok(found) => {
            for (n, title, cta) in found {
                chosen[n - 1].title = title;
                chosen[n - 1].cta = cta;
            }
        }
        Err(e) => tracing::warn!(error = %e, "no titles from the micro tier; keeping the transcript's sentences"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split_of(sentences: &[&str]) -> Split {
        analysis::split(&testkit::speech::timed_transcript(sentences, 0.5))
    }

    #[test]
    fn replies_are_validated_against_the_schema_with_a_clear_path() {
        let good = r#"{"clips":[{"start":1,"end":20.5,"hook":80,"engagement":70,"flow":60,"trend":50,"reason":"ok"}]}"#;
        assert_eq!(parse_moments(good, 100.0).unwrap()[0].scores, [80, 70, 60, 50]);
        let fenced = format!("Here you go:\n```json\n{good}\n```");
        assert_eq!(parse_moments(&fenced, 100.0).unwrap().len(), 1);
        assert!(parse_moments(good, f64::NAN).unwrap_err().contains("duration"), "no video length, no moments");
        let cases = [
            (
                r#"{"clips":[{"start":1,"end":20,"hook":140,"engagement":1,"flow":1,"trend":1,"reason":"x"}]}"#,
                "clips[0].hook is 140",
            ),
            (
                r#"{"clips":[{"start":1,"end":20,"engagement":1,"flow":1,"trend":1,"reason":"x"}]}"#,
                "clips[0] lacks the required field \"hook\"",
            ),
            (
                r#"{"clips":[{"start":"1","end":20,"hook":1,"engagement":1,"flow":1,"trend":1,"reason":"x"}]}"#,
                "clips[0].start must be a number",
            ),
            (
                r#"{"clips":[{"start":30,"end":20,"hook":1,"engagement":1,"flow":1,"trend":1,"reason":"x"}]}"#,
                "end (20) must be after start (30)",
            ),
            (
                r#"{"clips":[{"start":300,"end":320,"hook":1,"engagement":1,"flow":1,"trend":1,"reason":"x"}]}"#,
                "past the end of the video",
            ),
            (r#"{"moments":[]}"#, "the reply lacks the required field \"clips\""),
            ("I think the best clip is at 1:20", "not a JSON object"),
        ];
        for (reply, problem) in cases {
            let err = parse_moments(reply, 100.0).unwrap_err();
            assert!(err.contains(problem), "{reply}: {err}");
        }
        assert!(validate(&json!({"type": "integer"}), &json!(2.5), "x").is_err());
        assert!(validate(&json!({"type": "string", "maxLength": 3}), &json!("abcd"), "t").unwrap_err().contains("4"));
    }

    #[test]
    fn titles_must_name_clips_of_the_request() {
        let ok = r#"{"clips":[{"index":2,"title":"«Two»","cta":"Follow"},{"index":1,"title":"One","cta":"Go"}]}"#;
        let t = parse_titles(ok, 2).unwrap();
        assert_eq!(t[0], (2, "Two".into(), "Follow".into()));
        assert!(parse_titles(r#"{"clips":[{"index":3,"title":"x","cta":"y"}]}"#, 2).unwrap_err().contains("1 to 2"));
    }

    #[test]
    fn bounds_snap_to_sentences_and_never_cut_a_word() {
        // Each sentence lasts a few seconds; see timed_transcript.
        let s =
            split_of(&["One two three four five.", "Six seven eight nine ten.", "Eleven twelve thirteen."].repeat(4));
        let sent = |i: usize| (s.words[s.sentences[i].first].start, s.words[s.sentences[i].last].end);
        // Slightly off both ends: snapped to the sentences' own bounds.
        let (a, b) = snap(&s, sent(1).0 + 0.4, sent(3).1 - 0.3, 2.0, 60.0).unwrap();
        assert_eq!((s.words[a].start, s.words[b].end), (sent(1).0, sent(3).1));
        // Too long for the maximum: whole sentences are dropped from the end.
        let max = sent(2).1 - sent(1).0 + 0.1;
        let (a, b) = snap(&s, sent(1).0, sent(6).1, 1.0, max).unwrap();
        assert_eq!((s.words[a].start, s.words[b].end), (sent(1).0, sent(2).1));
        // Too short for the minimum: sentences are added after it.
        let (_, b) = snap(&s, sent(1).0, sent(1).1, sent(3).1 - sent(1).0 - 0.1, 60.0).unwrap();
        assert_eq!(s.words[b].end, sent(3).1);
        // A minimum longer than the whole talk: nothing.
        assert_eq!(snap(&s, 0.0, 5.0, 10_000.0, 20_000.0), None);
        // One sentence longer than the maximum: cut after its last word that fits, on a word boundary.
        let long = split_of(&["a b c d e f g h i j k l m n o p q r s t u v w x y z."]);
        let (a, b) = snap(&long, 0.0, 100.0, 0.5, 2.0).unwrap();
        assert!(long.words[b].end - long.words[a].start <= 2.0);
        assert!(b < long.words.len() - 1);
    }

    #[test]
    fn long_transcripts_are_cut_into_overlapping_chunks_under_the_budget() {
        // 100 lines of 10 s and 100 tokens each.
        let lines: Vec<(f64, f64, u64)> = (0..100).map(|i| (i as f64 * 10.0, i as f64 * 10.0 + 10.0, 100)).collect();
        let ranges = chunks(&lines, 2_500, 60.0);
        assert!(ranges.len() >= 5, "{ranges:?}");
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges.last().unwrap().end, 100);
        for r in &ranges {
            assert!(lines[r.clone()].iter().map(|l| l.2).sum::<u64>() <= 2_500);
        }
        for w in ranges.windows(2) {
            let shared = lines[w[0].end - 1].1 - lines[w[1].start].0;
            assert!(shared >= 60.0, "consecutive chunks share the last minute: {w:?}");
            assert!(w[1].start > w[0].start);
        }
        assert_eq!(chunks(&lines[..3], 2_500, 60.0).first(), Some(&(0..3)));
        assert_eq!(chunks(&lines[..3], 2_500, 60.0).len(), 1);
        // A single line over the budget still goes alone rather than looping.
        let alone = chunks(&[(0.0, 1.0, 9_999)], 100, 60.0);
        assert_eq!((alone.len(), alone.first()), (1, Some(&(0..1))));
    }

    /// Property tests: whatever a model replies, parsing and validation return a value or an error, never panic, and
    /// what they accept is within the request. `bench/fuzz/run` runs them with many more cases (`PROPTEST_CASES`).
    mod props {
        use proptest::prelude::*;
        use serde_json::{Map, Value, json};

        use super::super::*;

        /// Keys the schemas and parsers look at, so generated objects often hit them.
        const KEYS: [&str; 19] = [
            "clips",
            "start",
            "end",
            "hook",
            "engagement",
            "flow",
            "trend",
            "reason",
            "index",
            "title",
            "cta",
            "type",
            "items",
            "properties",
            "required",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
        ];

        /// Any JSON value, a few levels deep (JSON has no NaN or infinity: `Value::from` makes those `null`).
        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                prop::num::f64::ANY.prop_map(Value::from),
                (-10.0..200.0f64).prop_map(Value::from),
                prop::sample::select(vec!["object", "array", "string", "number", "integer", ""]).prop_map(Value::from),
                ".{0,8}".prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                let key = prop_oneof![prop::sample::select(KEYS.to_vec()).prop_map(str::to_owned), ".{0,4}"];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(Map::from_iter(kv))),
                ]
            })
        }

        /// A reply shaped like the moments schema: times anywhere (negative, huge, swapped), scores mostly
        /// valid integers.
        fn moments_reply() -> impl Strategy<Value = Value> {
            let time = prop_oneof![prop::num::f64::ANY, -100.0..1500.0f64].prop_map(Value::from);
            let score =
                prop_oneof![4 => (0..=100i64).prop_map(Value::from), 1 => prop::num::f64::ANY.prop_map(Value::from)];
            let clip = (time.clone(), time, prop::collection::vec(score, 4)).prop_map(|(start, end, s)| {
                json!({"start": start, "end": end, "hook": s[0], "engagement": s[1], "flow": s[2], "trend": s[3],
                       "reason": "r"})
            });
            prop::collection::vec(clip, 0..5).prop_map(|clips| json!({ "clips": clips }))
        }

        /// Model-like text: JSON-ish characters and fences, or any Unicode.
        fn reply_text() -> impl Strategy<Value = String> {
            prop_oneof![
                "[{}\\[\\]\":,0-9.eE+\\- \n`a-z]{0,80}",
                ".{0,80}",
                json_value().prop_map(|v| format!("```json\n{v}\n```")),
                json_value().prop_map(|v| format!("Sure! {v} Hope it helps}}")),
            ]
        }

        proptest! {
            #[test]
            fn any_text_parses_or_is_refused(
                text in reply_text(),
                duration in prop::num::f64::ANY,
                count in 0usize..5,
            ) {
                let _ = extract_json(&text);
                let _ = parse_moments(&text, duration);
                let _ = parse_titles(&text, count);
            }

            #[test]
            fn any_json_value_validates_or_is_refused(
                value in json_value(),
                other in json_value(),
                count in 0usize..5,
            ) {
                let text = value.to_string();
                prop_assert!(extract_json(&text).is_ok(), "{}", text);
                let _ = parse_moments(&text, 100.0);
                let _ = parse_titles(&text, count);
                for s in [MOMENTS_SCHEMA, TITLES_SCHEMA] {
                    let _ = validate(&schema(s), &value, "");
                }
                // Any value as a schema, too: the validator only reads the keywords it knows.
                let _ = validate(&other, &value, "");
            }

            #[test]
            fn accepted_moments_are_inside_the_video(
                reply in moments_reply(),
                duration in prop_oneof![1.0..1000.0f64, prop::num::f64::ANY, Just(f64::NAN)],
            ) {
                if let Ok(moments) = parse_moments(&reply.to_string(), duration) {
                    for m in moments {
                        prop_assert!(m.start < m.end, "{m:?}");
                        prop_assert!(m.start < duration && m.end <= duration, "{m:?} in {duration}");
                        prop_assert!(m.scores.iter().all(|s| *s <= 100), "{m:?}");
                    }
                }
            }
        }
    }
}
