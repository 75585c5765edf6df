//! `/billing`: the plan, minutes and subscription; plan cards with checkout by card or SBP; extra minutes; cancel and
//! reactivate; the payment history. A card payment leaves for YooKassa's page and comes back to
//! `/billing?payment=<id>`, which checks the payment until it settles; an SBP payment shows its QR code in a dialog
//! that polls every 3 s.

use std::time::Duration;

use domain::{
    PLANS, PaymentMethod, PaymentStatus, PlanId, SubscriptionStatus, TextEnum as _,
    account::Me,
    billing::{BillingOverview, MINUTE_PACKS, PaymentEntry, Purchase},
    format_rubles,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        ApiError, BillingCancel, BillingCheckout, BillingReactivate, billing_check_payment_status, billing_subscription,
    },
    i18n::use_i18n,
    pages::{
        auth::{RequireUser, go_to},
        landing::PlanFeatures,
        section::AppLayout,
    },
};

/// `2026-12-29T06:00:00Z` as `29.12.2026`.
fn date(rfc3339: &str) -> String {
    let d = rfc3339.get(..10).unwrap_or(rfc3339);
    match d.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, day] => format!("{day}.{m}.{y}"),
        _ => d.to_owned(),
    }
}

fn plan_index(plan: PlanId) -> usize {
    PLANS.iter().position(|p| p.id == plan).unwrap_or(0)
}

fn status_index(s: PaymentStatus) -> usize {
    PaymentStatus::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// `/billing`
#[component]
pub fn BillingPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || format!("{} · {}", i18n.t().billing.title, i18n.t().app_name) />
        <RequireUser children=|me: Me| view! { <AppLayout me><BillingBody /></AppLayout> } />
    }
}

/// An SBP payment on screen: our id, the QR code (SVG) and the link it encodes.
#[derive(Clone, Debug, PartialEq)]
struct Sbp {
    payment_id: String,
    svg: String,
    link: String,
}

#[component]
fn BillingBody() -> impl IntoView {
    let i18n = use_i18n();
    let checkout = ServerAction::<BillingCheckout>::new();
    let cancel = ServerAction::<BillingCancel>::new();
    let reactivate = ServerAction::<BillingReactivate>::new();
    let settled = RwSignal::new(0u32);
    let overview = Resource::new(
        move || (cancel.version().get(), reactivate.version().get(), settled.get()),
        |_| billing_subscription(),
    );
    let sbp = RwSignal::new(None::<Sbp>);
    // A checkout's reply: off to the payment page, or the SBP dialog.
    Effect::new(move |_| {
        if let Some(Ok(start)) = checkout.value().get() {
            if let Some(url) = start.redirect {
                go_to(&url);
            } else if let (Some(svg), Some(link)) = (start.qr_svg, start.qr_link) {
                sbp.set(Some(Sbp { payment_id: start.payment_id, svg, link }));
            }
        }
    });
    let returned = use_query_map().with_untracked(|q| q.get("payment"));
    view! {
        <h1>{move || i18n.t().billing.title}</h1>
        {returned.map(|id| view! { <PaymentResult payment_id=id on_settled=move || settled.update(|n| *n += 1) /> })}
        <Transition fallback=|| view! { <div class="loading" aria-busy="true"></div> }>
            {move || {
                overview.get().map(|r| match r {
                    Ok(o) => view! { <Billing o checkout cancel reactivate /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message(i18n.t())}</p> }.into_any(),
                })
            }}
        </Transition>
        {move || {
            checkout.value().get().and_then(Result::err).map(|e: ApiError| {
                view! { <p class="form-error" role="alert" data-testid="checkout-error">{e.message(i18n.t())}</p> }
            })
        }}
        {move || sbp.get().map(|s| view! {
            <SbpDialog sbp=s on_close=move || sbp.set(None) on_settled=move || settled.update(|n| *n += 1) />
        })}
    }
}

#[component]
fn Billing(
    o: BillingOverview,
    checkout: ServerAction<BillingCheckout>,
    cancel: ServerAction<BillingCancel>,
    reactivate: ServerAction<BillingReactivate>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().billing_page;
    let plan = o.plan;
    let enabled = o.checkout_enabled;
    let low = o.low_on_minutes();
    let status = o.status;
    let cancelling = o.cancel_at_period_end;
    let period_end = o.period_end.clone().map(|d| date(&d));
    let has_card = o.card.is_some();
    let card = o.card.clone();
    let status_text = move || {
        status.map(|s| {
            let i = if cancelling {
                2
            } else if s == SubscriptionStatus::PastDue {
                1
            } else {
                0
            };
            t().status[i]
        })
    };
    let period = {
        let period_end = period_end.clone();
        move || {
            period_end.clone().map(|d| {
                if cancelling {
                    (t().ends_on)(&d)
                } else if has_card && status == Some(SubscriptionStatus::Active) {
                    (t().renews_on)(&d)
                } else {
                    (t().period_until)(&d)
                }
            })
        }
    };
    let (used, included, extra, left) = (o.minutes_used, o.minutes_included, o.extra_minutes, o.minutes_left);
    let share = included.map(|inc| f64::from(used) / f64::from((inc + extra).max(1)));
    let busy = move || checkout.pending().get();
    let buy = move |purchase: Purchase, method: PaymentMethod| {
        checkout.dispatch(BillingCheckout { purchase: purchase.code(), method: method.as_str().to_owned() });
    };
    let pay_buttons = move |purchase: Purchase, primary: bool| {
        let code = purchase.code().replace(':', "-");
        view! {
            <div class="pay-buttons">
                <button class="btn" class:btn-primary=primary type="button" disabled=move || !enabled || busy()
                    data-testid=format!("buy-{code}-card") on:click=move |_| buy(purchase, PaymentMethod::Card)>
                    {move || t().pay_card}
                </button>
                <button class="btn" type="button" disabled=move || !enabled || busy()
                    data-testid=format!("buy-{code}-sbp") on:click=move |_| buy(purchase, PaymentMethod::Sbp)>
                    {move || t().pay_sbp}
                </button>
            </div>
        }
    };
    let minute_price = o.minute_price_kopecks;
    let payments = o.payments.clone();
    view! {
        {(!enabled).then(|| view! { <p class="notice" role="status" data-testid="billing-not-configured">{move || t().not_configured}</p> })}
        {(status == Some(SubscriptionStatus::PastDue)).then(|| view! { <p class="notice warning" role="alert">{move || t().past_due_note}</p> })}
        <section class="card billing-current" data-testid="current-plan" data-plan=plan.as_str()
            data-status=status.map(|s| if cancelling { "cancelling" } else { s.as_str() })>
            <p class="muted small">{move || t().current_plan}</p>
            <h2>{move || i18n.t().plan_names[plan_index(plan)]}
                {move || status_text().map(|s| view! { " " <span class="badge">{s}</span> })}
            </h2>
            {move || period().map(|p| view! { <p data-testid="period">{p}</p> })}
            <p class="muted small" data-testid="saved-card">
                {move || match card.clone() { Some(c) => (t().card_saved)(&c), None => t().no_card.to_owned() }}
            </p>
            <h3 class="small-heading">{move || t().minutes_heading}</h3>
            <div class="meter" role="meter" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=share.map(|s| format!("{:.0}", (s * 100.0).min(100.0)))
                data-testid="minutes-meter" data-used=used data-left=left.map(|l| l.to_string())>
                <span style=share.map(|s| format!("width: {:.1}%", (s * 100.0).min(100.0))).unwrap_or_else(|| "width: 0%".into())></span>
            </div>
            <p class="small">
                {move || match included {
                    Some(inc) => (t().minutes_used)(used, inc),
                    None => (t().minutes_unlimited)(used),
                }}
                {(extra > 0).then(|| view! { " · " {move || (t().minutes_extra)(extra)} })}
                {left.map(|l| view! { " · " <strong data-testid="minutes-left">{move || (t().minutes_left)(l)}</strong> })}
            </p>
            {status.is_some().then(|| if cancelling {
                view! {
                    <button class="btn" type="button" data-testid="reactivate" disabled=move || reactivate.pending().get()
                        on:click=move |_| { reactivate.dispatch(BillingReactivate {}); }>{move || t().reactivate}</button>
                }.into_any()
            } else {
                view! {
                    <button class="btn" type="button" data-testid="cancel" disabled=move || cancel.pending().get()
                        on:click=move |_| {
                            #[cfg(feature = "hydrate")]
                            if !window().confirm_with_message(t().cancel_confirm).unwrap_or(false) {
                                return;
                            }
                            cancel.dispatch(BillingCancel {});
                        }>{move || t().cancel}</button>
                }.into_any()
            })}
        </section>

        <section class="card billing-extra" class:prominent=low data-testid="extra-minutes" data-low=low.to_string()>
            <h2>{move || t().extra_heading}</h2>
            {low.then(|| view! { <p class="notice warning">{move || (t().extra_low)(domain::billing::LOW_MINUTES)}</p> })}
            <p class="muted small">{move || t().extra_hint}</p>
            <div class="packs">
                {MINUTE_PACKS.iter().map(|&minutes| {
                    let purchase = Purchase::Minutes { minutes };
                    view! {
                        <div class="pack">
                            <strong>{move || (t().buy_minutes)(minutes)}</strong>
                            <span class="muted">{format_rubles(i64::from(minutes) * minute_price)}</span>
                            {pay_buttons(purchase, low)}
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>

        <section class="billing-plans">
            <h2>{move || t().plans_heading}</h2>
            <div class="plans">
                {PLANS.iter().enumerate().map(|(i, p)| {
                    let p = *p;
                    let current = p.id == plan;
                    let action = if current {
                        view! { <p class="badge" data-testid="plan-current">{move || t().current}</p> }.into_any()
                    } else if p.price_kopecks == 0 {
                        view! { <p class="muted small">{move || t().free_is_cancel}</p> }.into_any()
                    } else {
                        pay_buttons(Purchase::Plan { plan: p.id }, p.price_kopecks > domain::Plan::get(plan).price_kopecks).into_any()
                    };
                    view! {
                        <article class="card plan" class:featured=current data-plan=p.id.as_str()>
                            <h3>{move || i18n.t().plan_names[i]}</h3>
                            <p class="price">
                                <span class="amount">{move || if p.price_kopecks == 0 { i18n.t().free_price.to_owned() } else { format_rubles(p.price_kopecks) }}</span>
                                {(p.price_kopecks > 0).then(|| view! { <span class="muted">" / " {move || i18n.t().per_month}</span> })}
                            </p>
                            <PlanFeatures plan=p />
                            {action}
                        </article>
                    }
                }).collect_view()}
            </div>
        </section>

        <section class="card billing-history">
            <h2>{move || t().history_heading}</h2>
            {if payments.is_empty() {
                view! { <p class="muted">{move || t().history_empty}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table data-testid="payments">
                            <thead><tr>{(0..5).map(|i| view! { <th>{move || t().history_columns[i]}</th> }).collect_view()}</tr></thead>
                            <tbody>{payments.into_iter().map(|p| view! { <PaymentRow p /> }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PaymentRow(p: PaymentEntry) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().billing_page;
    let purchase = p.purchase;
    let what = move || match purchase {
        Purchase::Plan { plan } => (t().purchase_plan)(i18n.t().plan_names[plan_index(plan)]),
        Purchase::Minutes { minutes } => (t().purchase_minutes)(minutes),
    };
    let method = if p.method == PaymentMethod::Card { 0 } else { 1 };
    let status = status_index(p.status);
    let refunded = (p.refunded_kopecks > 0).then(|| format_rubles(p.refunded_kopecks));
    view! {
        <tr data-testid="payment" data-status=p.status.as_str()>
            <td>{date(&p.created_at)}</td>
            <td>{what} {p.renewal.then(|| view! { " " <span class="badge">{move || t().renewal_tag}</span> })}</td>
            <td>{format_rubles(p.amount_kopecks)}
                {refunded.map(|r| view! { <br /><span class="muted small">{move || (t().refunded)(&r)}</span> })}</td>
            <td>{move || t().methods[method]}</td>
            <td>{move || t().payment_status[status]}</td>
        </tr>
    }
}

/// Checks a payment until it settles (after the card page sent the user back), every 2 s.
#[component]
fn PaymentResult(payment_id: String, on_settled: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().billing_page;
    let status = poll_payment(payment_id, Duration::from_secs(2), on_settled);
    view! {
        <p class="notice" role="status" data-testid="payment-result"
            data-status=move || status.get().map(|s| s.as_str())>
            {move || match status.get() {
                Some(PaymentStatus::Succeeded) => t().paid,
                Some(PaymentStatus::Canceled) => t().declined,
                _ => t().checking,
            }}
        </p>
    }
}

/// Asks for the payment's status every `every` until it is settled; calls `on_settled` once then.
fn poll_payment(
    payment_id: String,
    every: Duration,
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> RwSignal<Option<PaymentStatus>> {
    let status = RwSignal::new(None::<PaymentStatus>);
    let tick = RwSignal::new(0u32);
    let check = Resource::new(move || tick.get(), {
        let id = payment_id.clone();
        move |_| billing_check_payment_status(id.clone())
    });
    Effect::new(move |_| {
        let Some(result) = check.get() else { return };
        let now = result.ok();
        status.set(now);
        match now {
            Some(PaymentStatus::Succeeded | PaymentStatus::Canceled) => on_settled(),
            _ => {
                #[cfg(feature = "hydrate")]
                set_timeout(move || tick.update(|n| *n += 1), every);
                #[cfg(not(feature = "hydrate"))]
                let _ = every;
            }
        }
    });
    status
}

/// The SBP dialog: the QR code, the link for a phone, and the payment's status every 3 s.
#[component]
fn SbpDialog(
    sbp: Sbp,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || &i18n.t().billing_page;
    let status = poll_payment(sbp.payment_id.clone(), Duration::from_secs(3), on_settled);
    view! {
        <div class="dialog-backdrop">
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="sbp-title" data-testid="sbp-dialog"
                data-status=move || status.get().map(|s| s.as_str())>
                <h2 id="sbp-title">{move || t().sbp_title}</h2>
                {move || match status.get() {
                    Some(PaymentStatus::Succeeded) => view! { <p class="notice" role="status" data-testid="sbp-paid">{t().paid}</p> }.into_any(),
                    Some(PaymentStatus::Canceled) => view! { <p class="form-error" role="alert">{t().declined}</p> }.into_any(),
                    _ => view! {
                        <p class="muted small">{t().sbp_hint}</p>
                        <div class="qr" data-testid="sbp-qr" inner_html=sbp.svg.clone()></div>
                        <p><a href=sbp.link.clone() target="_blank" rel="noopener" data-testid="sbp-link">{t().sbp_open}</a></p>
                        <p class="muted small" aria-live="polite">{t().sbp_waiting}</p>
                    }.into_any(),
                }}
                <button class="btn" type="button" on:click=move |_| on_close() data-testid="sbp-close">{move || t().close}</button>
            </div>
        </div>
    }
}
