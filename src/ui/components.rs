//! The page's components, one concern per file.

pub mod account_form;
pub mod canvas_chart;
pub mod chart_panels;
pub mod compare;
pub mod explained;
pub mod field;
pub mod position_card;
pub mod results;
pub mod toolbar;
