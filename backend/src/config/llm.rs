//! LLM router settings: which analyzer runs, the providers (base URL, server key), the model of each tier for both
//! strategies with its prices, and the retry policy. Defaults are the seed's (§9); see the README's table.
//!
//! A tier's model is `provider:model` (`LLM_RU_TIER1=cloudru:t-tech/T-pro-it-2.1`, split at the first colon so
//! `local:qwen2.5:7b` works) and its price `input/output` in kopecks per million tokens (`LLM_RU_TIER1_PRICE=3500/3500`).

use std::{fmt, time::Duration};

use super::{ConfigError, Reader, Secret};

/// The request and reply shape a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmApi {
    /// OpenAI-compatible `POST {base}/chat/completions` (Cloud.ru, OpenRouter, OpenAI, Ollama, llama.cpp, vLLM).
    OpenAi,
    /// Google Gemini `POST {base}/models/{model}:generateContent`.
    Gemini,
    /// Anthropic Messages `POST {base}/messages`.
    Anthropic,
}

/// One LLM provider.
#[derive(Debug, Clone)]
pub struct LlmProvider {
    /// `cloudru`, `openrouter`, `openai`, `google`, `anthropic` or `local`.
    pub name: &'static str,
    /// Its API shape.
    pub api: LlmApi,
    /// Base URL, no trailing slash; `None` when not configured (only `local` has no default).
    pub base_url: Option<String>,
    /// The server's key, if configured.
    pub key: Option<Secret>,
    /// Usable without any key (a local server).
    pub keyless: bool,
}

/// A model's prices in kopecks per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    /// Per million input (prompt) tokens.
    pub input_per_million: u64,
    /// Per million output (completion) tokens.
    pub output_per_million: u64,
}

/// The model one tier uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmModel {
    /// The provider's name (see [`LlmProvider::name`]).
    pub provider: &'static str,
    /// The model id at that provider.
    pub model: String,
    /// The same model's id on OpenRouter, used with a user's OpenRouter key; `None` when OpenRouter has no such
    /// model.
    pub openrouter: Option<String>,
    /// Its prices.
    pub rates: Rates,
}

/// Which analyzer picks the clips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzerChoice {
    /// The LLM router when the strategy's default tier has a key (the user's or the server's), else the local one.
    Auto,
    /// Always the local analyzer (no network).
    Local,
    /// Always the LLM router (a job with no usable key fails with the reason).
    Llm,
}

/// The LLM router's settings.
#[derive(Clone)]
pub struct LlmConfig {
    /// `LLM_ANALYZER`: `auto` (default), `local` or `llm`.
    pub analyzer: AnalyzerChoice,
    /// Every provider, configured or not.
    pub providers: Vec<LlmProvider>,
    /// The RU strategy's models, tier 0 to 3.
    pub ru: [LlmModel; 4],
    /// The Global strategy's models, tier 0 to 3.
    pub global: [LlmModel; 4],
    /// Attempts per request on 429, 5xx and network errors (`LLM_ATTEMPTS`, 3).
    pub attempts: u32,
    /// Delay before the first retry, doubling; `Retry-After` wins (`LLM_BACKOFF_MS`, 1000).
    pub backoff: Duration,
    /// The longest one request may take (`LLM_TIMEOUT_MS`, 180 000).
    pub timeout: Duration,
    /// The most transcript tokens one long-context request carries; longer transcripts are cut into overlapping
    /// chunks of this size (`LLM_CONTEXT_TOKENS`, 150 000: GLM-4.6 has 200K).
    pub context_tokens: u64,
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Providers print their keys as Secret(***); listing the configured names is enough.
        let configured: Vec<&str> =
            self.providers.iter().filter(|p| p.key.is_some() || p.keyless).map(|p| p.name).collect();
        f.debug_struct("LlmConfig")
            .field("analyzer", &self.analyzer)
            .field("providers_with_keys", &configured)
            .field("ru", &self.ru)
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

impl LlmConfig {
    /// The provider called `name`.
    pub fn provider(&self, name: &str) -> Option<&LlmProvider> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// The models of `strategy` (`ru` or `global`; anything else is RU), tier 0 to 3.
    pub fn models(&self, strategy: &str) -> &[LlmModel; 4] {
        if strategy == "global" { &self.global } else { &self.ru }
    }
}

/// Provider names a model spec may use, with their API, base URL variable, default base URL and key variable.
const PROVIDERS: [(&str, LlmApi, &str, Option<&str>, &str); 6] = [
    (
        "cloudru",
        LlmApi::OpenAi,
        "CLOUDRU_BASE_URL",
        Some("https://foundation-models.api.cloud.ru/v1"),
        "CLOUDRU_API_KEY",
    ),
    ("openrouter", LlmApi::OpenAi, "OPENROUTER_BASE_URL", Some("https://openrouter.ai/api/v1"), "OPENROUTER_API_KEY"),
    ("openai", LlmApi::OpenAi, "OPENAI_BASE_URL", Some("https://api.openai.com/v1"), "OPENAI_API_KEY"),
    (
        "google",
        LlmApi::Gemini,
        "GEMINI_BASE_URL",
        Some("https://generativelanguage.googleapis.com/v1beta"),
        "GEMINI_API_KEY",
    ),
    ("anthropic", LlmApi::Anthropic, "ANTHROPIC_BASE_URL", Some("https://api.anthropic.com/v1"), "ANTHROPIC_API_KEY"),
    ("local", LlmApi::OpenAi, "LLM_LOCAL_BASE_URL", None, "LLM_LOCAL_API_KEY"),
];

/// (model variable, price variable, default model, default OpenRouter id, default price) per tier. Seed prices in
/// rubles for RU; Global list prices in US dollars at 100 ₽ per dollar.
type TierDefault = (&'static str, &'static str, &'static str, Option<&'static str>, (u64, u64));

const RU: [TierDefault; 4] = [
    ("LLM_RU_TIER0", "LLM_RU_TIER0_PRICE", "cloudru:ai-sage/GigaChat3-10B-A1.8B", None, (1_000, 1_000)),
    ("LLM_RU_TIER1", "LLM_RU_TIER1_PRICE", "cloudru:t-tech/T-pro-it-2.1", None, (3_500, 3_500)),
    (
        "LLM_RU_TIER2",
        "LLM_RU_TIER2_PRICE",
        "cloudru:Qwen/Qwen3-235B-A22B-Instruct-2507",
        Some("qwen/qwen3-235b-a22b-2507"),
        (1_700, 7_000),
    ),
    ("LLM_RU_TIER3", "LLM_RU_TIER3_PRICE", "cloudru:zai-org/GLM-4.6", Some("z-ai/glm-4.6"), (5_500, 5_500)),
];

const GLOBAL: [TierDefault; 4] = [
    (
        "LLM_GLOBAL_TIER0",
        "LLM_GLOBAL_TIER0_PRICE",
        "google:gemini-2.0-flash-lite",
        Some("google/gemini-2.0-flash-lite-001"),
        (750, 3_000),
    ),
    (
        "LLM_GLOBAL_TIER1",
        "LLM_GLOBAL_TIER1_PRICE",
        "google:gemini-2.0-flash",
        Some("google/gemini-2.0-flash-001"),
        (1_000, 4_000),
    ),
    (
        "LLM_GLOBAL_TIER2",
        "LLM_GLOBAL_TIER2_PRICE",
        "anthropic:claude-haiku-4-5",
        Some("anthropic/claude-haiku-4.5"),
        (10_000, 50_000),
    ),
    (
        "LLM_GLOBAL_TIER3",
        "LLM_GLOBAL_TIER3_PRICE",
        "google:gemini-2.5-pro",
        Some("google/gemini-2.5-pro"),
        (12_500, 100_000),
    ),
];

/// Parses `provider:model` (split at the first colon).
pub fn parse_model_spec(spec: &str) -> Result<(&'static str, String), String> {
    let (provider, model) = spec.split_once(':').ok_or("expected provider:model, e.g. cloudru:t-tech/T-pro-it-2.1")?;
    let provider = PROVIDERS.iter().map(|p| p.0).find(|p| *p == provider.trim()).ok_or_else(|| {
        format!("unknown provider {provider:?} (cloudru, openrouter, openai, google, anthropic, local)")
    })?;
    let model = model.trim();
    if model.is_empty() {
        return Err("the model id is empty".into());
    }
    Ok((provider, model.to_owned()))
}

/// Parses `input/output` kopecks per million tokens.
pub fn parse_rates(value: &str) -> Result<Rates, String> {
    let (i, o) = value.split_once('/').ok_or("expected input/output kopecks per million tokens, e.g. 1700/7000")?;
    let n = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("{:?} is not a whole number of kopecks", s.trim()));
    Ok(Rates { input_per_million: n(i)?, output_per_million: n(o)? })
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn tiers(&self, table: &[TierDefault; 4]) -> Result<[LlmModel; 4], ConfigError> {
        let one = |(var, price_var, spec, openrouter, (i, o)): &TierDefault| {
            let given = self.raw(var);
            let (provider, model) = parse_model_spec(given.as_deref().unwrap_or(spec))
                .map_err(|problem| ConfigError { var, problem: format!("is malformed: {problem}") })?;
            let rates = match self.raw(price_var) {
                // A local server costs us nothing unless the operator prices it.
                None if provider == "local" => Rates { input_per_million: 0, output_per_million: 0 },
                None => Rates { input_per_million: *i, output_per_million: *o },
                Some(v) => parse_rates(&v)
                    .map_err(|p| ConfigError { var: price_var, problem: format!("is malformed: {p}") })?,
            };
            // A model chosen by the operator has no known OpenRouter id unless it names one itself.
            let openrouter = if given.is_some() {
                model.contains('/').then(|| model.to_ascii_lowercase())
            } else {
                openrouter.map(str::to_owned)
            };
            Ok::<_, ConfigError>(LlmModel { provider, model, openrouter, rates })
        };
        Ok([one(&table[0])?, one(&table[1])?, one(&table[2])?, one(&table[3])?])
    }

    pub(super) fn llm(&self) -> Result<LlmConfig, ConfigError> {
        let analyzer = match self.or("LLM_ANALYZER", "auto").as_str() {
            "auto" => AnalyzerChoice::Auto,
            "local" => AnalyzerChoice::Local,
            "llm" => AnalyzerChoice::Llm,
            other => {
                return Err(ConfigError {
                    var: "LLM_ANALYZER",
                    problem: format!("must be auto, local or llm (got {other:?})"),
                });
            }
        };
        let mut providers = Vec::new();
        for (name, api, base_var, default, key_var) in PROVIDERS {
            let base_url = match self.raw(base_var).or(default.map(str::to_owned)) {
                Some(v) => Some(self.url(base_var, v, &["http", "https"])?.trim_end_matches('/').to_owned()),
                None => None,
            };
            providers.push(LlmProvider {
                name,
                api,
                keyless: name == "local" && base_url.is_some(),
                base_url,
                key: self.raw(key_var).map(Secret),
            });
        }
        let attempts: u32 = self.parse("LLM_ATTEMPTS", 3, "a positive number")?;
        if attempts == 0 {
            return Err(ConfigError { var: "LLM_ATTEMPTS", problem: "must be at least 1".into() });
        }
        let context_tokens: u64 = self.parse("LLM_CONTEXT_TOKENS", 150_000, "a number of tokens")?;
        if context_tokens < 1_000 {
            return Err(ConfigError { var: "LLM_CONTEXT_TOKENS", problem: "must be at least 1000".into() });
        }
        Ok(LlmConfig {
            analyzer,
            providers,
            ru: self.tiers(&RU)?,
            global: self.tiers(&GLOBAL)?,
            attempts,
            backoff: self.millis("LLM_BACKOFF_MS", 1000)?,
            timeout: self.millis("LLM_TIMEOUT_MS", 180_000)?,
            context_tokens,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_specs_and_prices_parse() {
        assert_eq!(parse_model_spec("local:qwen2.5:7b").unwrap(), ("local", "qwen2.5:7b".to_owned()));
        assert_eq!(parse_model_spec("cloudru:t-tech/T-pro-it-2.1").unwrap().0, "cloudru");
        assert!(parse_model_spec("mistral:large").unwrap_err().contains("unknown provider"));
        assert!(parse_model_spec("gpt-4o").is_err());
        assert!(parse_model_spec("openai: ").is_err());
        assert_eq!(parse_rates("1700/7000").unwrap(), Rates { input_per_million: 1_700, output_per_million: 7_000 });
        assert!(parse_rates("17").is_err());
        assert!(parse_rates("1.5/2").is_err());
    }
}
