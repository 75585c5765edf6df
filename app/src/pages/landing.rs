//! The public landing page: pitch, how it works, and the plans with ruble prices.

use domain::{PLANS, Plan, TextEnum as _, format_rubles};
use leptos::prelude::*;

use crate::{
    components::{Brand, LangSwitch},
    i18n::use_i18n,
};

/// `/`: what ClipMaker does and what it costs.
#[component]
pub fn Landing() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="landing">
            <header class="topbar">
                <Brand />
                <div class="topbar-actions">
                    <LangSwitch />
                    <a class="btn btn-ghost" href="/dashboard">{move || i18n.t().cta_login}</a>
                </div>
            </header>
            <main>
                <section class="hero">
                    <h1 data-testid="hero-title">{move || i18n.t().hero_title}</h1>
                    <p class="lead">{move || i18n.t().hero_subtitle}</p>
                    <div class="hero-actions">
                        <a class="btn btn-primary" href="/dashboard">{move || i18n.t().cta_start}</a>
                        <a class="btn btn-ghost" href="#pricing">{move || i18n.t().pricing_title}</a>
                    </div>
                </section>
                <section class="how">
                    <h2>{move || i18n.t().how_title}</h2>
                    <ol class="steps">
                        {(0..4)
                            .map(|i| {
                                view! {
                                    <li class="card step">
                                        <span class="step-number">{i + 1}</span>
                                        <h3>{move || i18n.t().how_steps[i].0}</h3>
                                        <p>{move || i18n.t().how_steps[i].1}</p>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </section>
                <section class="pricing" id="pricing">
                    <h2>{move || i18n.t().pricing_title}</h2>
                    <p class="muted">{move || i18n.t().pricing_subtitle}</p>
                    <div class="plans">
                        {PLANS.iter().enumerate().map(|(i, plan)| view! { <PlanCard plan=*plan index=i /> }).collect_view()}
                    </div>
                </section>
            </main>
            <footer class="footer muted">{move || i18n.t().footer}</footer>
        </div>
    }
}

#[component]
fn PlanCard(plan: Plan, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let featured = plan.id == domain::PlanId::Pro;
    let price = move || {
        let t = i18n.t();
        if plan.price_kopecks == 0 { t.free_price.to_owned() } else { format_rubles(plan.price_kopecks) }
    };
    view! {
        <article class="card plan" class:featured=featured data-plan=plan.id.as_str()>
            <h3>{move || i18n.t().plan_names[index]}</h3>
            <p class="price">
                <span class="amount">{price}</span>
                {(plan.price_kopecks > 0).then(|| view! { <span class="muted">" / " {move || i18n.t().per_month}</span> })}
            </p>
            <PlanFeatures plan />
            <a class="btn" class:btn-primary=featured href="/billing">{move || i18n.t().choose_plan}</a>
        </article>
    }
}

/// A plan's limits as a list (the landing's and the billing page's plan cards).
#[component]
pub fn PlanFeatures(plan: Plan) -> impl IntoView {
    let i18n = use_i18n();
    let minutes = move || {
        let t = i18n.t();
        plan.minutes_per_month.map(t.minutes_per_month).unwrap_or_else(|| t.unlimited_minutes.to_owned())
    };
    view! {
        <ul>
            <li>{minutes}</li>
            <li>{move || (i18n.t().clips_per_video)(plan.max_clips_per_video)}</li>
            <li>{move || if plan.watermark { i18n.t().with_watermark } else { i18n.t().no_watermark }}</li>
            <li>{move || (i18n.t().storage_days)(plan.storage_days)}</li>
        </ul>
    }
}
