//! The LLM router (seed §9): four tiers, two strategies, which tier a task goes to, the fallback chain and what a
//! call costs (here); the three provider API shapes ([`providers`]); key resolution and usage ([`router`]); and the
//! analysis tasks built on them ([`moments`]).

pub mod moments;
pub mod router;

pub use backend::{
    ai::providers::{self, estimate_tokens},
    config::Rates,
};
use domain::PlanId;

/// Model tiers, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Tier 0: simple tasks (titles, calls to action).
    Micro = 0,
    /// Tier 1: the primary model (moment selection, scoring).
    Default = 1,
    /// Tier 2: quality (Business plan, retries of weak results, fallback of tier 1).
    Quality = 2,
    /// Tier 3: long context (webinars over about 2.5 hours).
    LongContext = 3,
}

/// What a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Picking the moments that become clips.
    MomentSelection,
    /// Scoring a clip's virality.
    ViralityScoring,
    /// A clip's title.
    TitleGeneration,
    /// A clip's call to action.
    CtaSuggestion,
}

/// Transcripts longer than this many tokens go to the long-context tier.
pub const LONG_CONTEXT_TOKENS: u64 = 100_000;

/// `selectTier(task, tokenCount, planId, previousScore)` exactly as the seed writes it. `previous_score` is the
/// score of an earlier attempt at this video, if any.
pub fn select_tier(task: Task, token_count: u64, plan: PlanId, previous_score: Option<u8>) -> Tier {
    if matches!(task, Task::TitleGeneration | Task::CtaSuggestion) {
        return Tier::Micro;
    }
    if token_count > LONG_CONTEXT_TOKENS {
        return Tier::LongContext;
    }
    if plan == PlanId::Business || previous_score.is_some_and(|s| s < 50) {
        return Tier::Quality;
    }
    Tier::Default
}

/// The tier to try when `tier` fails: tier 1 falls back to tier 2; anything else gives up (the job retries).
pub fn fallback(tier: Tier) -> Option<Tier> {
    (tier == Tier::Default).then_some(Tier::Quality)
}

/// What a call costs in kopecks: tokens × rates, rounded up to a whole kopeck; 0 when the user's own key paid.
pub fn cost_kopecks(tokens_in: u64, tokens_out: u64, rates: Rates, users_own_key: bool) -> i64 {
    if users_own_key {
        return 0;
    }
    let micro = u128::from(tokens_in) * u128::from(rates.input_per_million)
        + u128::from(tokens_out) * u128::from(rates.output_per_million);
    micro.div_ceil(1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_seeds_pseudocode() {
        use PlanId::*;
        use Task::*;
        // Titles and calls to action: always the micro tier, however long or whatever the plan.
        assert_eq!(select_tier(TitleGeneration, 500_000, Business, Some(10)), Tier::Micro);
        assert_eq!(select_tier(CtaSuggestion, 10, Free, None), Tier::Micro);
        // Over 100 000 tokens: long context, before the plan rule.
        assert_eq!(select_tier(MomentSelection, 100_001, Business, None), Tier::LongContext);
        assert_eq!(select_tier(ViralityScoring, 100_000, Free, None), Tier::Default);
        // Business, or a weak previous result: quality.
        assert_eq!(select_tier(MomentSelection, 5_000, Business, None), Tier::Quality);
        assert_eq!(select_tier(MomentSelection, 5_000, Pro, Some(49)), Tier::Quality);
        assert_eq!(select_tier(MomentSelection, 5_000, Pro, Some(50)), Tier::Default);
        // Everything else: the default tier.
        assert_eq!(select_tier(ViralityScoring, 5_000, Start, None), Tier::Default);
    }

    #[test]
    fn only_the_default_tier_falls_back() {
        assert_eq!(fallback(Tier::Default), Some(Tier::Quality));
        assert_eq!(fallback(Tier::Quality), None);
        assert_eq!(fallback(Tier::Micro), None);
        assert_eq!(fallback(Tier::LongContext), None);
    }

    #[test]
    fn costs_are_tokens_times_rates_rounded_up_to_a_kopeck() {
        // T-Pro 2.1 at 35 RUB per million tokens both ways: 3 500 kopecks per million.
        let tpro = Rates { input_per_million: 3_500, output_per_million: 3_500 };
        assert_eq!(cost_kopecks(1_000_000, 0, tpro, false), 3_500);
        assert_eq!(cost_kopecks(12_000, 800, tpro, false), 45); // 42 + 2.8 = 44.8 → 45
        // Qwen3-235B: 17 RUB in, 70 RUB out.
        let qwen = Rates { input_per_million: 1_700, output_per_million: 7_000 };
        assert_eq!(cost_kopecks(100_000, 10_000, qwen, false), 240);
        assert_eq!(cost_kopecks(1, 0, qwen, false), 1, "a started kopeck counts");
        assert_eq!(cost_kopecks(0, 0, qwen, false), 0);
        assert_eq!(cost_kopecks(100_000, 10_000, qwen, true), 0, "the user's own key: free for us");
    }

    #[test]
    fn token_estimates_count_cyrillic_denser() {
        assert_eq!(estimate_tokens("abcdefgh"), 2);
        assert_eq!(estimate_tokens("привет"), 2);
        assert_eq!(estimate_tokens(""), 0);
    }
}
