//! mlsecops-core
