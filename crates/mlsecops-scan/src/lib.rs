//! mlsecops-scan
