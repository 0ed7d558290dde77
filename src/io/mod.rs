//! Reading and writing files (in progress).
pub mod panels;
