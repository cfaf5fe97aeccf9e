//! Jupyter notebook (nbformat v4/v3) reader that yields every text fragment with its cell/output location.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
