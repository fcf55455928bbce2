//! アンケート (surveys): what a survey's results show, as tables and charts.

pub mod chart;
pub mod tally;
