//! mlsecops-archive
