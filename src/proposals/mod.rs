//! Citizen proposals (市民提案型事業): residents and organisations propose projects that answer
//! measures of the plan; staff review them in the open.

pub mod workflow;
