//! The local analyzer: picks clips from a transcript with no LLM and no key, deterministically. Features and weights
//! are described in `docs/analysis.md`.
//!
//! 1. Sentences: the transcript's words split after `.`, `!`, `?` or `…` (or at segment ends when there is no
//!    punctuation).
//! 2. Candidates: every run of whole sentences lasting between the minimum and maximum length. A clip starts where
//!    its first word starts and ends where its last word ends plus up to 0.3 s of the following pause, so no word is
//!    ever cut.
//! 3. Scores, each 0–100: **hook** (the first sentence: a question, a bold claim, a number, "you", brevity),
//!    **engagement** (second-person address, questions and exclamations, numbers, lexical density), **flow** (pace
//!    near 2.5 words a second, a pause before and after, a complete last sentence), **trend** (how many of the
//!    video's ten most frequent content words it uses). Total = 35 % hook + 25 % engagement + 20 % flow + 20 % trend.
//! 4. Selection: best total first, skipping candidates that overlap one already chosen, up to the requested count
//!    and never more than the plan allows.
//! 5. Title: the candidate's sentence with the strongest hook, shortened to 70 characters; call to action: a
//!    template in the transcript's language.

use std::collections::HashMap;

use domain::{
    analysis::{ClipCandidate, Virality},
    transcript::{Transcript, Word},
};

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// Clips wanted; `None` means as many as the plan allows.
    pub count: Option<usize>,
    /// Shortest clip, seconds.
    pub min_seconds: f64,
    /// Longest clip, seconds.
    pub max_seconds: f64,
    /// The plan's limit of clips per video.
    pub plan_max: usize,
}

impl Request {
    /// How many clips to pick: the count asked for (else the plan's limit), never more than the plan allows.
    pub fn wanted(&self) -> usize {
        self.count.unwrap_or(self.plan_max).min(self.plan_max)
    }
}

impl Default for Request {
    /// 15–60 s clips, as many as a Free plan allows (3).
    fn default() -> Self {
        Request { count: None, min_seconds: 15.0, max_seconds: 60.0, plan_max: 3 }
    }
}

/// Weights of the total score, in percent.
pub const WEIGHTS: [(&str, u32); 4] = [("hook", 35), ("engagement", 25), ("flow", 20), ("trend", 20)];

const BOLD_EN: &[&str] = &[
    "never",
    "always",
    "secret",
    "secrets",
    "mistake",
    "mistakes",
    "best",
    "worst",
    "stop",
    "nobody",
    "everyone",
    "truth",
    "why",
    "how",
    "must",
    "biggest",
    "only",
    "wrong",
    "free",
    "instantly",
    "proven",
    "shocking",
    "actually",
];
const BOLD_RU: &[&str] = &[
    "никогда",
    "всегда",
    "секрет",
    "секреты",
    "ошибка",
    "ошибки",
    "лучший",
    "худший",
    "хватит",
    "никто",
    "все",
    "правда",
    "почему",
    "как",
    "обязательно",
    "главный",
    "единственный",
    "бесплатно",
    "мгновенно",
    "шок",
];
const YOU: &[&str] =
    &["you", "your", "you're", "yours", "yourself", "вы", "вас", "вам", "ваш", "ваша", "ваши", "ты", "тебе", "твой"];
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "hundred",
    "thousand",
    "million",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "десять",
    "сто",
    "тысяча",
    "миллион",
];
const STOP: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "to", "of", "in", "on", "at", "for", "with", "is", "are", "was", "were",
    "be", "it", "that", "this", "what", "so", "we", "i", "they", "he", "she", "do", "does", "not", "no", "as", "by",
    "from", "if", "then", "than", "about", "there", "their", "them", "when", "which", "who", "will", "can", "just",
    "more", "and", "и", "в", "на", "с", "что", "это", "не", "но", "а", "по", "к", "у", "из", "за", "о", "же", "то",
    "как", "мы", "я", "он", "она", "они", "вы", "так", "для", "от", "до", "бы", "ли", "или",
];

fn norm(word: &str) -> String {
    word.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>().to_lowercase()
}

fn ends_sentence(word: &str) -> bool {
    word.trim_end_matches(['"', '»', ')', '\'']).ends_with(['.', '!', '?', '…'])
}

/// A sentence: indices into the flat word list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sentence {
    /// Its first word.
    pub first: usize,
    /// Its last word.
    pub last: usize,
}

/// A transcript as flat words and the sentences over them.
pub(crate) struct Split {
    /// Every word in order.
    pub words: Vec<Word>,
    /// Sentences, in order, covering every word.
    pub sentences: Vec<Sentence>,
}

/// Splits `transcript` into words and sentences (see step 1 above).
pub(crate) fn split(transcript: &Transcript) -> Split {
    let words: Vec<Word> = transcript.words().cloned().collect();
    let mut segment_ends = Vec::new();
    let mut n = 0;
    for s in &transcript.segments {
        n += s.words.len();
        if n > 0 {
            segment_ends.push(n - 1);
        }
    }
    let sentences = sentences(&words, &segment_ends);
    Split { words, sentences }
}

/// Where a clip whose last word is `words[b]` ends: inside the following pause (at most 0.3 s), never into the next
/// word.
pub(crate) fn end_after(words: &[Word], b: usize) -> f64 {
    let last_end = words[b].end;
    if b + 1 < words.len() { (last_end + 0.3).min(words[b + 1].start).max(last_end) } else { last_end }
}

/// The total score from the four sub-scores with [`WEIGHTS`].
pub fn weighted_total(hook: u8, engagement: u8, flow: u8, trend: u8) -> u8 {
    let sum = 35 * u32::from(hook) + 25 * u32::from(engagement) + 20 * u32::from(flow) + 20 * u32::from(trend);
    (sum as f64 / 100.0).round() as u8
}

/// Picks from `scored` best total first, skipping candidates that overlap one already chosen, up to the requested
/// count and never more than the plan allows. Ties go to the earlier clip, so the result is deterministic.
pub(crate) fn choose(mut scored: Vec<ClipCandidate>, request: Request) -> Vec<ClipCandidate> {
    scored.sort_by(|x, y| y.virality.total.cmp(&x.virality.total).then(x.start.total_cmp(&y.start)));
    let wanted = request.wanted();
    let mut chosen: Vec<ClipCandidate> = Vec::new();
    for c in scored {
        if chosen.len() >= wanted {
            break;
        }
        if chosen.iter().all(|k| c.end <= k.start || c.start >= k.end) {
            chosen.push(c);
        }
    }
    chosen
}

fn sentences(words: &[Word], segment_ends: &[usize]) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut first = 0;
    for i in 0..words.len() {
        let boundary = ends_sentence(&words[i].text) || segment_ends.contains(&i) || i + 1 == words.len();
        if boundary {
            out.push(Sentence { first, last: i });
            first = i + 1;
        }
    }
    out
}

fn pct(x: f64) -> u8 {
    (x.clamp(0.0, 1.0) * 100.0).round() as u8
}

/// A reason a moment was chosen: an index into the dictionary's `analyzer.cues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Question = 0,
    Bold = 1,
    Number = 2,
    Viewer = 3,
    Pace = 4,
    Topic = 5,
}

/// The analyzer's texts for a transcript in `language`: Russian for Russian transcripts, English otherwise.
fn texts(language: &str) -> &'static domain::i18n::AnalyzerText {
    let lang = if language == "ru" { domain::Lang::Ru } else { domain::Lang::En };
    &lang.dict().analyzer
}

/// Hook strength of one sentence, 0–1, with the reasons found.
fn hook_of(words: &[Word]) -> (f64, Vec<Cue>) {
    let tokens: Vec<String> = words.iter().map(|w| norm(&w.text)).collect();
    let mut score = 0.0;
    let mut why = Vec::new();
    if words.last().is_some_and(|w| w.text.trim_end().ends_with('?')) {
        score += 0.35;
        why.push(Cue::Question);
    }
    if tokens.iter().any(|t| BOLD_EN.contains(&t.as_str()) || BOLD_RU.contains(&t.as_str())) {
        score += 0.25;
        why.push(Cue::Bold);
    }
    if tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&t.as_str())) {
        score += 0.15;
        why.push(Cue::Number);
    }
    if tokens.iter().any(|t| YOU.contains(&t.as_str())) {
        score += 0.15;
        why.push(Cue::Viewer);
    }
    if (3..=14).contains(&words.len()) {
        score += 0.10;
    }
    (score, why)
}

/// The top `n` content words of the whole transcript.
fn keywords(words: &[Word], n: usize) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for w in words {
        let t = norm(&w.text);
        if t.chars().count() > 3 && !STOP.contains(&t.as_str()) {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().filter(|(_, c)| *c > 1).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.into_iter().take(n).map(|(w, _)| w).collect()
}

/// A title from a sentence's words, at most 70 characters.
pub(crate) fn title_from(words: &[Word]) -> String {
    let text = words.iter().map(|w| w.text.trim()).collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches(['.', ',', ';', ':']).to_owned();
    if text.chars().count() <= 70 {
        return text;
    }
    let cut: String = text.chars().take(69).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).to_owned();
    format!("{cut}…")
}

/// The default call to action for a transcript in `language`, from the dictionaries.
pub(crate) fn cta_for(language: &str) -> String {
    texts(language).cta.to_owned()
}

/// Picks and scores clips from `transcript` as `request` asks.
pub fn analyze(transcript: &Transcript, request: Request) -> Vec<ClipCandidate> {
    let Split { words, sentences: sents } = split(transcript);
    if words.is_empty() {
        return Vec::new();
    }
    let topics = keywords(&words, 10);
    let mut scored: Vec<ClipCandidate> = Vec::new();
    for i in 0..sents.len() {
        for j in i..sents.len() {
            let (a, b) = (sents[i].first, sents[j].last);
            let start = words[a].start;
            let last_end = words[b].end;
            if last_end - start > request.max_seconds {
                break;
            }
            if last_end - start < request.min_seconds {
                continue;
            }
            let window = &words[a..=b];
            let tokens: Vec<String> = window.iter().map(|w| norm(&w.text)).collect();
            let count = window.len() as f64;
            let seconds = (last_end - start).max(0.1);

            let (hook, mut why) = hook_of(&words[sents[i].first..=sents[i].last]);

            let you = tokens.iter().filter(|t| YOU.contains(&t.as_str())).count() as f64 / count;
            let asks = window.iter().filter(|w| w.text.ends_with(['?', '!'])).count() as f64;
            let numbers = tokens.iter().filter(|t| t.chars().any(|c| c.is_ascii_digit())).count() as f64;
            let content = tokens.iter().filter(|t| t.chars().count() > 3 && !STOP.contains(&t.as_str())).count() as f64;
            let engagement = 0.35 * (you * 12.0).min(1.0)
                + 0.25 * (asks / 2.0).min(1.0)
                + 0.15 * (numbers / 2.0).min(1.0)
                + 0.25 * (content / count / 0.5).min(1.0);

            let pace = count / seconds;
            let pace_fit = 1.0 - ((pace - 2.5).abs() / 1.5).min(1.0);
            let before = if a == 0 { 1.0 } else { ((start - words[a - 1].end) / 0.5).min(1.0) };
            let after = if b + 1 == words.len() { 1.0 } else { ((words[b + 1].start - last_end) / 0.5).min(1.0) };
            let complete = if ends_sentence(&words[b].text) { 1.0 } else { 0.0 };
            let flow = 0.4 * pace_fit + 0.2 * before.max(0.0) + 0.2 * after.max(0.0) + 0.2 * complete;

            let used = topics.iter().filter(|k| tokens.contains(k)).count() as f64;
            let trend = if topics.is_empty() { 0.5 } else { (used / topics.len().min(5) as f64).min(1.0) };

            let total = (35.0 * hook + 25.0 * engagement + 20.0 * flow + 20.0 * trend) / 100.0;
            if pace_fit > 0.7 {
                why.push(Cue::Pace);
            }
            if used >= 2.0 {
                why.push(Cue::Topic);
            }
            let end = end_after(&words, b);
            let strongest = (i..=j)
                .map(|k| (hook_of(&words[sents[k].first..=sents[k].last]).0, k))
                .fold((f64::MIN, i), |best, c| if c.0 > best.0 { c } else { best })
                .1;
            scored.push(ClipCandidate {
                start,
                end,
                virality: Virality {
                    hook: pct(hook),
                    engagement: pct(engagement),
                    flow: pct(flow),
                    trend: pct(trend),
                    total: pct(total),
                },
                title: title_from(&words[sents[strongest].first..=sents[strongest].last]),
                cta: cta_for(&transcript.language),
                reason: {
                    let t = texts(&transcript.language);
                    if why.is_empty() {
                        t.steady.to_owned()
                    } else {
                        why.iter().map(|c| t.cues[*c as usize]).collect::<Vec<_>>().join(", ")
                    }
                },
            });
        }
    }
    choose(scored, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(sentences: &[&str], pause: f64) -> Transcript {
        testkit::speech::timed_transcript(sentences, pause)
    }

    const BLAND: &str = "The weather was mild and the meeting went on as planned with the usual agenda items.";

    fn talk() -> Vec<&'static str> {
        let mut s = vec![BLAND; 12];
        // The hook: a question with a number, aimed at the viewer, then a payoff.
        s.splice(
            6..8,
            [
                "Why do 90 percent of your videos never get views?",
                "Because you bury the best moment at the end, so move it to the first three seconds.",
            ],
        );
        s
    }

    #[test]
    fn the_passage_with_a_clear_hook_ranks_first() {
        let t = transcript(&talk(), 0.6);
        let clips = analyze(&t, Request { min_seconds: 5.0, max_seconds: 20.0, ..Default::default() });
        assert!(!clips.is_empty());
        let hook_start = t.segments[6].start;
        assert_eq!(clips[0].start, hook_start, "{:#?}", clips[0]);
        assert!(clips[0].title.starts_with("Why do 90 percent"), "{}", clips[0].title);
        assert!(clips[0].reason.contains("question"), "{}", clips[0].reason);
        assert!(clips.windows(2).all(|w| w[0].virality.total >= w[1].virality.total));
        assert!(clips[0].virality.hook > clips[1].virality.hook);
    }

    #[test]
    fn clips_never_cut_a_word_and_never_overlap() {
        let t = transcript(&talk(), 0.6);
        let words: Vec<&Word> = t.words().collect();
        let clips = analyze(&t, Request { min_seconds: 5.0, max_seconds: 20.0, plan_max: 10, count: Some(10) });
        assert!(clips.len() >= 3);
        for c in &clips {
            assert!(words.iter().any(|w| w.start == c.start), "starts on a word: {c:?}");
            for w in &words {
                let inside = w.start >= c.start && w.end <= c.end;
                let outside = w.end <= c.start || w.start >= c.end;
                assert!(inside || outside, "{w:?} is cut by {c:?}");
            }
            let length = c.end - c.start;
            assert!((5.0..=20.3).contains(&length), "{length}");
        }
        for (i, a) in clips.iter().enumerate() {
            for b in &clips[i + 1..] {
                assert!(a.end <= b.start || b.end <= a.start, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_count_obeys_the_plan_limit_and_the_result_is_deterministic() {
        let t = transcript(&talk(), 0.6);
        let free = Request { min_seconds: 5.0, max_seconds: 15.0, count: Some(10), plan_max: 3 };
        let clips = analyze(&t, free);
        assert_eq!(clips.len(), 3);
        assert_eq!(clips, analyze(&t, free));
        let two = analyze(&t, Request { count: Some(2), plan_max: 10, ..free });
        assert_eq!(two.len(), 2);
        assert!(analyze(&Transcript { language: "en".into(), segments: vec![], model: "x".into() }, free).is_empty());
    }

    #[test]
    fn russian_transcripts_get_a_russian_call_to_action_and_reasons() {
        let mut t = transcript(&["Почему вы никогда не снимаете короткие видео?"; 8], 0.5);
        t.language = "ru".into();
        let clips = analyze(&t, Request { min_seconds: 5.0, max_seconds: 20.0, ..Default::default() });
        assert!(clips[0].cta.starts_with("Подпишитесь"));
        assert!(clips[0].reason.contains("начинается с вопроса"), "{}", clips[0].reason);
        assert!(clips[0].virality.hook >= 60, "{:?}", clips[0].virality);
    }
}
