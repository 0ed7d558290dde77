//! Workbooks: `.xlsx` files read (calamine) and written
//! (rust_xlsxwriter) — instances, history, plain tables (`xlsx`) — and
//! the blank workbook an office fills (`template`). Panels workbooks are
//! the panels' own (`crate::panels`), written with the tables of `xlsx`.

pub(crate) mod hidden;
mod template;
pub mod xlsx;
