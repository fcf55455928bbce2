//! The city's comprehensive plan (総合振興計画 後期基本計画): chapters, measures, KPIs and the
//! cross-measure plans, loaded from `seeds/` and served as pages and open data.

pub mod actuals;
pub mod api;
pub mod cache;
pub mod chart;
pub mod handlers;
pub mod model;
pub mod progress;
pub mod quantity;
pub mod queries;
pub mod sections;
pub mod seed;
pub mod store;
pub mod views;
