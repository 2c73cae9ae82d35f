//! The page's components, one concern per file.

pub mod account_form;
pub mod assumed;
pub mod canvas_chart;
pub mod cascade_panel;
pub mod chart_panels;
pub mod compare;
pub mod explained;
pub mod field;
pub mod lending_view;
pub mod market_form;
pub mod options_view;
pub mod position_card;
pub mod progress;
pub mod results;
pub mod risk_panels;
pub mod toolbar;
pub mod venue_import;
